/**
 * A link's in-flight window: bytes read from the source and not yet written to the target. A batch waits
 * for room before it is handled, so a slow target pauses reading (the source fetches a partition's next
 * batch only after the last one was handled). A batch larger than the whole window is let through when the
 * window is empty, so it can never wait forever. Waiters are served in arrival order.
 */
export class InflightWindow {
  readonly maxBytes: number;
  #usedBytes = 0;
  readonly #waiters: { bytes: number; resolve: () => void }[] = [];
  /** Times a batch had to wait for room (backpressure), for metrics. */
  waits = 0;

  constructor(maxBytes: number) {
    if (!(maxBytes > 0)) throw new RangeError(`maxInflightBytes must be positive, not ${maxBytes}`);
    this.maxBytes = maxBytes;
  }

  get usedBytes(): number {
    return this.#usedBytes;
  }

  /** Resolves once `bytes` fit (then they count as in flight until `release`). */
  acquire(bytes: number): Promise<void> {
    if (this.#waiters.length === 0 && this.#fits(bytes)) {
      this.#usedBytes += bytes;
      return Promise.resolve();
    }
    this.waits++;
    return new Promise((resolve) => this.#waiters.push({ bytes, resolve }));
  }

  release(bytes: number): void {
    this.#usedBytes = Math.max(0, this.#usedBytes - bytes);
    while (this.#waiters.length > 0 && this.#fits(this.#waiters[0]!.bytes)) {
      const next = this.#waiters.shift()!;
      this.#usedBytes += next.bytes;
      next.resolve();
    }
  }

  #fits(bytes: number): boolean {
    return this.#usedBytes === 0 || this.#usedBytes + bytes <= this.maxBytes;
  }
}
