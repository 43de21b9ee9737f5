/**
 * Records-per-second from a growing counter, sampled at intervals: the rate over the last completed interval
 * (between the two most recent samples). Pure: the caller passes the time of each sample.
 */

interface Sample {
  atMs: number;
  total: number;
}

export class RateTracker {
  /** Per key: the two most recent samples, newest last. */
  readonly #samples = new Map<string, [Sample | undefined, Sample]>();

  /**
   * Records the counter `total` of `key` at `atMs`. A total below the previous one means the counter started
   * again (a restarted link): the history is dropped and the rate is 0 until the next sample. A sample not
   * later than the previous one is ignored.
   */
  observe(key: string, atMs: number, total: number): void {
    const samples = this.#samples.get(key);
    const last = samples?.[1];
    if (!last || total < last.total) {
      this.#samples.set(key, [undefined, { atMs, total }]);
      return;
    }
    if (atMs <= last.atMs) return;
    this.#samples.set(key, [last, { atMs, total }]);
  }

  /** Records per second over the last completed interval of `key`; 0 before two samples. */
  rate(key: string): number {
    const [previous, last] = this.#samples.get(key) ?? [];
    if (!previous || !last) return 0;
    return ((last.total - previous.total) * 1_000) / (last.atMs - previous.atMs);
  }

  /** Forgets keys not in `keep` (links that went away). */
  retain(keep: ReadonlySet<string>): void {
    for (const key of this.#samples.keys()) if (!keep.has(key)) this.#samples.delete(key);
  }
}
