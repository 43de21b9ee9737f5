/**
 * A secret value resolved from an `${ENV}` reference. It prints as `[redacted]` everywhere (JSON, string
 * conversion, util.inspect, console.log), so handing a config that holds one to a logger cannot leak it.
 * Only `reveal()` gives the value, to be called where it is handed to a client library.
 */
const REDACTED = '[redacted]';

export class Secret {
  readonly #value: string;
  /** The reference the value came from, e.g. `${US_EAST_KAFKA_PASSWORD}`: safe to print and store. */
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
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return REDACTED;
  }
}
