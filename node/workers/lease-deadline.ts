/**
 * The work-sharing lease as worker threads see it (docs/work-sharing.md, "Worker threads with work sharing"):
 * the main thread holds the lease and publishes, in a SharedArrayBuffer, until when it is certainly alive
 * (less the safety margin); a worker reads that synchronously before every write and in its produce gate.
 *
 * The deadline is on the process's monotonic clock (`process.hrtime`, the same in every thread). A deadline
 * only ever comes from a renewal etcd confirmed, so a publish that is late or stale never stretches it: a
 * frozen process (SIGSTOP) or a blocked main thread leaves the old deadline in place, and once it has passed
 * the workers write nothing until the main thread publishes a later one.
 */

/** Nanoseconds per millisecond, as a bigint. */
const NS_PER_MS = 1_000_000n;

export class LeaseDeadline {
  /** The shared cell: pass it to a worker in its start message. */
  readonly buffer: SharedArrayBuffer;
  readonly #cell: BigInt64Array;
  readonly #now: () => bigint;

  /**
   * A deadline over `buffer` (a new one, closed, when not given). `now` is the monotonic clock in
   * nanoseconds; tests may give another.
   */
  constructor(
    buffer: SharedArrayBuffer = new SharedArrayBuffer(8),
    now: () => bigint = () => process.hrtime.bigint(),
  ) {
    if (buffer.byteLength < 8)
      throw new RangeError(`a lease deadline needs 8 bytes of shared memory, got ${buffer.byteLength}`);
    this.buffer = buffer;
    this.#cell = new BigInt64Array(buffer, 0, 1);
    this.#now = now;
  }

  /** Publishes that the lease is certainly alive for `certainForMs` more (0 or less: not alive: closed). */
  publish(certainForMs: number): void {
    const deadline =
      Number.isFinite(certainForMs) && certainForMs > 0
        ? this.#now() + BigInt(Math.floor(certainForMs * 1_000)) * (NS_PER_MS / 1_000n)
        : 0n;
    Atomics.store(this.#cell, 0, deadline);
  }

  /** Closes it at once: no write may leave until a later publish. */
  close(): void {
    Atomics.store(this.#cell, 0, 0n);
  }

  /** True while the published deadline is ahead of now. */
  isValid(): boolean {
    return Atomics.load(this.#cell, 0) > this.#now();
  }

  /** How long it stays valid from now, in ms (0 when it is not). */
  validForMs(): number {
    const left = Atomics.load(this.#cell, 0) - this.#now();
    return left > 0n ? Number(left / 1_000n) / 1_000 : 0;
  }
}
