/**
 * A token bucket for a link's `maxRecordsPerSecond`: `take(n)` resolves once n records may be written.
 * Capacity is one second of records, so a burst after an idle spell is at most one second's worth.
 * The clock and the sleep are passed in, so tests run it without timers.
 */
export interface RateLimiterClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

const realClock: RateLimiterClock = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, ms);
      signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(signal.reason as Error);
      });
    }),
};

export class RateLimiter {
  readonly recordsPerSecond: number;
  readonly #clock: RateLimiterClock;
  #tokens: number;
  #updatedAt: number;

  constructor(recordsPerSecond: number, clock: RateLimiterClock = realClock) {
    if (!(recordsPerSecond > 0))
      throw new RangeError(`recordsPerSecond must be positive, got ${recordsPerSecond}`);
    this.recordsPerSecond = recordsPerSecond;
    this.#clock = clock;
    this.#tokens = recordsPerSecond;
    this.#updatedAt = clock.now();
  }

  /** Waits until `count` records may pass (a count above one second's worth waits for its share). */
  async take(count: number, signal?: AbortSignal): Promise<void> {
    this.#refill();
    this.#tokens -= count;
    if (this.#tokens >= 0) return;
    await this.#clock.sleep((-this.#tokens / this.recordsPerSecond) * 1000, signal);
  }

  #refill(): void {
    const now = this.#clock.now();
    this.#tokens = Math.min(
      this.recordsPerSecond,
      this.#tokens + ((now - this.#updatedAt) / 1000) * this.recordsPerSecond,
    );
    this.#updatedAt = now;
  }
}
