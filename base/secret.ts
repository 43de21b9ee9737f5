/**
 * A secret value: a password, a key, a token, resolved from a reference (an `${ENV}` reference of the
 * topology, `env NAME` or `file PATH` of an option). It prints as its reference, never its value, everywhere
 * (JSON, string conversion, util.inspect, console.log), so a config that holds one can be logged without a
 * leak. Only `reveal()` gives the value, to be called where it is handed to a client library.
 */
export class Secret {
  readonly #value: string;
  /** Where the value came from (`${US_EAST_KAFKA_PASSWORD}`, `env GEOMESH_TOKEN`): safe to print and store. */
  readonly reference: string;

  constructor(value: string, reference: string) {
    this.#value = value;
    this.reference = reference;
    Object.freeze(this);
  }

  /** The secret value itself. Never log it. */
  reveal(): string {
    return this.#value;
  }

  toJSON(): string {
    return this.reference ? `[secret from ${this.reference}]` : '[secret]';
  }

  toString(): string {
    return this.toJSON();
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toJSON();
  }
}
