/**
 * A worker thread's part of its instance's share under work sharing (docs/work-sharing.md, "Worker threads
 * with work sharing"): the instance owns target partitions (etcd), the worker rule splits them among the
 * instance's workers, and a worker writes a partition only while its instance owns it and the lease is
 * certainly alive (the deadline the main thread publishes).
 *
 * Takes and drops come from the main thread in order and run one at a time. A drop takes effect at once
 * (the partitions are no longer owned, so queued writes are refused), then its work (stop reading, settle the
 * writes already sent, give the fence up) runs after whatever take or drop came before it.
 */
import { partitionKey, type TopicPartition } from '../replication/index.ts';
import type { LeaseDeadline } from './lease-deadline.ts';

export interface InstanceShareOptions {
  /** The worker rule: whether this worker writes the partition when its instance owns it. */
  isMine(topic: string, partition: number): boolean;
  /** The lease's deadline as the main thread publishes it. */
  lease: Pick<LeaseDeadline, 'isValid'>;
  /** Partitions taken (already owned): set their marks, fence them, start reading them. */
  onTake(tps: readonly TopicPartition[]): Promise<void>;
  /** Partitions dropped (already not owned): stop reading, let the writes sent settle, give the fence up. */
  onDrop(tps: readonly TopicPartition[]): Promise<void>;
}

export class InstanceShare {
  readonly #options: InstanceShareOptions;
  readonly #owned = new Set<string>();
  /** Per partition: how many drops came (a take asked for before a later drop is not done). */
  readonly #drops = new Map<string, number>();
  #queue: Promise<void> = Promise.resolve();

  constructor(options: InstanceShareOptions) {
    this.#options = options;
  }

  /** Whether this worker reads and writes the partition now (its instance owns it, and the rule gives it here). */
  owns(topic: string, partition: number): boolean {
    return this.#owned.has(partitionKey(topic, partition));
  }

  /** Fencing: a write may leave while the partition is owned and the lease certainly alive. */
  mayWrite(topic: string, partition: number): boolean {
    return this.owns(topic, partition) && this.#options.lease.isValid();
  }

  /** How many partitions this worker owns now. */
  get size(): number {
    return this.#owned.size;
  }

  /** Takes this worker's part of `tps` (after every earlier take or drop); resolves once they are read. */
  take(tps: readonly TopicPartition[]): Promise<void> {
    const asked = tps
      .filter((tp) => this.#options.isMine(tp.topic, tp.partition))
      .map((tp) => ({ tp, drops: this.#drops.get(partitionKey(tp.topic, tp.partition)) ?? 0 }));
    return this.#enqueue(async () => {
      // A drop that came after this take was asked for wins: the partition is not taken.
      const mine = asked
        .filter(({ tp, drops }) => (this.#drops.get(partitionKey(tp.topic, tp.partition)) ?? 0) === drops)
        .map(({ tp }) => tp);
      if (mine.length === 0) return;
      for (const tp of mine) this.#owned.add(partitionKey(tp.topic, tp.partition));
      await this.#options.onTake(mine);
    });
  }

  /**
   * Drops this worker's part of `tps`: no write into them may leave from now on; resolves once reading them
   * stopped and the writes already sent settled (after every earlier take or drop).
   */
  drop(tps: readonly TopicPartition[]): Promise<void> {
    const mine = tps.filter((tp) => this.#options.isMine(tp.topic, tp.partition));
    for (const tp of mine) {
      const key = partitionKey(tp.topic, tp.partition);
      this.#owned.delete(key);
      this.#drops.set(key, (this.#drops.get(key) ?? 0) + 1);
    }
    return this.#enqueue(() => (mine.length > 0 ? this.#options.onDrop(mine) : Promise.resolve()));
  }

  #enqueue(work: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(work);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
