/**
 * The target partitions one instance of a region owns when instances share the region's work
 * (docs/work-sharing.md). Acquiring a partition fences earlier owners out of it at the broker, loads its index
 * from the index topic (what earlier owners flushed), scans its tail beyond it and sets its marks before the
 * first write; releasing one stops its writes at once, waits for those already sent, gives its fence up and,
 * on a handover, flushes its index for the next owner. Translation of partitions other instances own reads
 * an index of their own: loaded once, brought to each partition's end at every request.
 */
import type { Logger } from '../log/index.ts';
import type { ReplicationMetrics } from '../observability/index.ts';
import type { TopicPartition } from '../replication/index.ts';
import { OriginIndex, type IndexView } from '../translation/index.ts';
import { partitionKey } from '../replication/index.ts';
import type { IndexKeeper } from './index-keeper.ts';
import type { PartitionCounter } from './ports.ts';

/** What a link does when its instance's share changes. */
export interface SharedLink {
  readonly topics: readonly string[];
  takePartitions(tps: readonly TopicPartition[]): void;
  dropPartitions(tps: readonly TopicPartition[]): void;
}

/** Fences at the broker, one per target partition. */
export interface PartitionFences {
  /** Fences earlier owners out of the partition (its transactional id initialised). */
  fence(topic: string, partition: number): Promise<void>;
  /** Gives the partition's fence up (its producer closed). */
  release(topic: string, partition: number): Promise<void>;
}

export interface SharedPartitionsOptions {
  keeper: IndexKeeper;
  /** The live index of the partitions this instance writes. */
  index: OriginIndex;
  cluster: PartitionCounter;
  /** The region's running links. */
  links(): readonly SharedLink[];
  /** Resolves when the writes queued into these partitions have ended. */
  writesSettled(tps: readonly TopicPartition[]): Promise<void>;
  /** True while the lease behind this instance's owner keys is certainly alive. */
  isLeaseValid(): boolean;
  /** The partitions' fences at the broker (node/kafka's FencedRecordSink); none: not fenced there. */
  fences?: PartitionFences;
  /** How long a read of the target partitions is reused. */
  topicRefreshMs: number;
  metrics: ReplicationMetrics;
  logger: Logger;
}

export class SharedPartitions {
  readonly #options: SharedPartitionsOptions;
  readonly #owned = new Map<string, TopicPartition>();
  /** Partitions being handed over, whose index may still be flushed. */
  readonly #handingOver = new Set<string>();
  /** The index of partitions other instances own (translation), and which are loaded. */
  readonly #foreign = new OriginIndex();
  readonly #foreignLoaded = new Set<string>();
  #foreignQueue: Promise<unknown> = Promise.resolve();
  #targetPartitions: { tps: TopicPartition[]; readAtMs: number } | undefined;

  constructor(options: SharedPartitionsOptions) {
    this.#options = options;
  }

  owns(topic: string, partition: number): boolean {
    return this.#owned.has(partitionKey(topic, partition));
  }

  /** Fencing: a write may leave while the partition is owned and the lease certainly alive. */
  mayWrite(topic: string, partition: number): boolean {
    return this.owns(topic, partition) && this.#options.isLeaseValid();
  }

  /** A partition's index records are flushed while it is owned or being handed over. */
  mayFlush(topic: string, partition: number): boolean {
    const key = partitionKey(topic, partition);
    return this.#owned.has(key) || this.#handingOver.has(key);
  }

  /** The target partitions this instance owns now, sorted. */
  get owned(): TopicPartition[] {
    return [...this.#owned.values()].sort(
      (a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition,
    );
  }

  /** Every target partition of the links' topics (the units shared), read at most every `topicRefreshMs`. */
  async targetPartitions(): Promise<TopicPartition[]> {
    const cached = this.#targetPartitions;
    if (cached && Date.now() - cached.readAtMs < this.#options.topicRefreshMs) return cached.tps;
    const topics = [...new Set(this.#options.links().flatMap((l) => l.topics))].sort();
    const counts = await this.#options.cluster.partitionCounts(topics);
    const tps = topics.flatMap((topic) =>
      Array.from({ length: counts.get(topic) ?? 0 }, (_, partition) => ({ topic, partition })),
    );
    this.#targetPartitions = { tps, readAtMs: Date.now() };
    return tps;
  }

  /** Takes partitions over whose owner keys this instance now holds (index, tail, marks, then reading). */
  async acquire(tps: readonly TopicPartition[]): Promise<void> {
    if (tps.length === 0) return;
    const { keeper, metrics, logger } = this.#options;
    const keys = new Set(tps.map((tp) => partitionKey(tp.topic, tp.partition)));
    for (const { topic, partition } of tps) keeper.forget(topic, partition);
    try {
      // Fence first: no write of an earlier owner lands after this, so the tail scanned next is final.
      await this.#fence(tps);
      await keeper.load(keys);
      await keeper.scanTails([...new Set(tps.map((tp) => tp.topic))], 'acquire', keys);
    } catch (err) {
      await this.#unfence(tps);
      throw err;
    }
    for (const tp of tps) this.#owned.set(partitionKey(tp.topic, tp.partition), tp);
    this.#forgetForeign(tps);
    for (const link of this.#options.links()) link.takePartitions(tps);
    metrics.partitionsOwned.set(this.#owned.size);
    metrics.ownershipChanges.labels('acquired').inc(tps.length);
    logger.info({ partitions: tps.map((tp) => `${tp.topic}/${tp.partition}`) }, 'partitions acquired');
  }

  async #fence(tps: readonly TopicPartition[]): Promise<void> {
    const fences = this.#options.fences;
    if (fences) await Promise.all(tps.map((tp) => fences.fence(tp.topic, tp.partition)));
  }

  async #unfence(tps: readonly TopicPartition[]): Promise<void> {
    const fences = this.#options.fences;
    if (fences) await Promise.all(tps.map((tp) => fences.release(tp.topic, tp.partition)));
  }

  /**
   * Gives partitions up: writes stop at once (queued writes are refused), reading stops, the writes already
   * sent are awaited; when `isHandover` (the owner keys are still ours, so nobody else writes yet) their index
   * is flushed for the next owner. Then they are forgotten.
   */
  async release(tps: readonly TopicPartition[], isHandover: boolean): Promise<void> {
    const mine = tps.filter((tp) => this.owns(tp.topic, tp.partition));
    if (mine.length === 0) return;
    const { keeper, metrics, logger } = this.#options;
    for (const tp of mine) {
      const key = partitionKey(tp.topic, tp.partition);
      this.#owned.delete(key);
      if (isHandover) this.#handingOver.add(key);
    }
    for (const link of this.#options.links()) link.dropPartitions(mine);
    await this.#options.writesSettled(mine);
    await this.#unfence(mine);
    // A flush already under way ends first (it may hold their records); then, on a handover, one more.
    await keeper.flushed();
    if (isHandover) {
      await keeper.flush();
      await keeper.flushed();
    }
    for (const tp of mine) {
      this.#handingOver.delete(partitionKey(tp.topic, tp.partition));
      keeper.forget(tp.topic, tp.partition);
    }
    metrics.partitionsOwned.set(this.#owned.size);
    metrics.ownershipChanges.labels(isHandover ? 'released' : 'lost').inc(mine.length);
    logger.info(
      { partitions: mine.map((tp) => `${tp.topic}/${tp.partition}`), isHandover },
      isHandover ? 'partitions handed over' : 'partitions dropped (ownership lost)',
    );
  }

  /**
   * The index translation reads for these partitions: the live one for those this instance owns; for the
   * others an index of their own, loaded from the index topic the first time a partition is asked for, then
   * brought to the partition's end by a tail scan at every request (a request reads the new records only).
   */
  indexFor(tps: readonly TopicPartition[]): Promise<IndexView> {
    const { keeper, index } = this.#options;
    const foreign = tps.filter((tp) => !this.owns(tp.topic, tp.partition));
    if (foreign.length === 0) return Promise.resolve(index);
    const keys = new Set(foreign.map((tp) => partitionKey(tp.topic, tp.partition)));
    const view: IndexView = {
      get: (topic, partition) =>
        this.owns(topic, partition) ? index.get(topic, partition) : this.#foreign.get(topic, partition),
    };
    // One at a time: two scans of one partition must not both add its records.
    const run = this.#foreignQueue.then(async () => {
      const missing = new Set([...keys].filter((k) => !this.#foreignLoaded.has(k)));
      if (missing.size > 0) {
        try {
          await keeper.load(missing, this.#foreign);
        } catch (err) {
          for (const tp of foreign) this.#foreign.forget(tp.topic, tp.partition);
          throw err;
        }
        for (const k of missing) this.#foreignLoaded.add(k);
      }
      await keeper.scanTails([...new Set(foreign.map((tp) => tp.topic))], 'refresh', keys, this.#foreign);
      return view;
    });
    this.#foreignQueue = run.catch(() => undefined);
    return run;
  }

  /** Drops partitions from the index of other instances' partitions (this instance owns them now). */
  #forgetForeign(tps: readonly TopicPartition[]): void {
    this.#foreignQueue = this.#foreignQueue.then(() => {
      for (const { topic, partition } of tps) {
        this.#foreign.forget(topic, partition);
        this.#foreignLoaded.delete(partitionKey(topic, partition));
      }
    });
  }
}
