/**
 * Work sharing with the data path on worker threads (docs/work-sharing.md, "Worker threads with work
 * sharing"), the main thread's side: what the instance takes and gives up goes to its workers (each keeps
 * its part by the worker rule), a drop is settled once every worker has stopped reading the partitions and
 * its writes into them have settled, and the lease's deadline is published where the workers read it before
 * every write.
 */
import type { Logger } from '../log/index.ts';
import type { ReplicationMetrics } from '../observability/index.ts';
import {
  partitionKey,
  type HighwaterEntry,
  type OriginHighwater,
  type TopicPartition,
} from '../replication/index.ts';
import type { OriginIndex } from '../translation/index.ts';
import { LeaseDeadline, type PartitionThrough, type WorkerPool } from '../workers/index.ts';
import type { IndexKeeper } from './index-keeper.ts';
import type { PartitionWriter } from '../link-wiring/index.ts';
import type { PartitionCounter } from './ports.ts';
import type { RegionWorkSharing } from './region-node-options.ts';
import { SharedPartitions, type PartitionFences, type SharedLink } from './shared-partitions.ts';

/**
 * How often the main thread publishes the lease's deadline to its workers. A renewal reaches them this much
 * later at most; the deadline itself never moves past what etcd confirmed, however late it is published.
 */
export const LEASE_PUBLISH_MS = 100;

/**
 * Without `leaseCertainForMs` (a RegionWorkSharing that only answers `isLeaseValid`), how far ahead a valid
 * lease is published: well within the safety margin (at least 1 s) that `isLeaseValid` already keeps.
 */
export const LEASE_HORIZON_MS = 3 * LEASE_PUBLISH_MS;

/** The instance's partitions as one shared link over every worker. */
export class WorkerShare implements SharedLink {
  readonly #pool: () => WorkerPool | undefined;
  readonly #links: () => readonly { readonly topics: readonly string[] }[];
  readonly #marksOf: (tps: readonly TopicPartition[]) => {
    marks: HighwaterEntry[];
    throughs: PartitionThrough[];
  };
  /** Per partition: the drop sent last, until it is settled. */
  readonly #drops = new Map<string, Promise<void>>();

  constructor(options: {
    pool: () => WorkerPool | undefined;
    /** The region's links (their topics are what is shared). */
    links: () => readonly { readonly topics: readonly string[] }[];
    /** The marks and index `through` of partitions, as the tail scan of their acquisition set them. */
    marksOf: (tps: readonly TopicPartition[]) => { marks: HighwaterEntry[]; throughs: PartitionThrough[] };
  }) {
    this.#pool = options.pool;
    this.#links = options.links;
    this.#marksOf = options.marksOf;
  }

  get topics(): readonly string[] {
    return [...new Set(this.#links().flatMap((l) => l.topics))];
  }

  /** Sends the partitions with their marks: each worker takes its part and reads it. */
  takePartitions(tps: readonly TopicPartition[]): void {
    this.#pool()?.broadcast({ v: 1, kind: 'take', tps: [...tps], ...this.#marksOf(tps) });
  }

  /** Every worker stops writing its part at once; `settled` waits for it to be done. */
  dropPartitions(tps: readonly TopicPartition[]): void {
    const pool = this.#pool();
    const done = pool ? pool.drop(tps) : Promise.resolve();
    for (const tp of tps) this.#drops.set(partitionKey(tp.topic, tp.partition), done);
  }

  /** Resolves once the last drop of each partition is done (its index runs have reached the main thread). */
  async settled(tps: readonly TopicPartition[]): Promise<void> {
    const keys = tps.map((tp) => partitionKey(tp.topic, tp.partition));
    const drops = keys.map((k) => this.#drops.get(k) ?? Promise.resolve());
    await Promise.all(drops);
    for (const [i, k] of keys.entries()) if (this.#drops.get(k) === drops[i]) this.#drops.delete(k);
  }
}

/**
 * Publishes the lease's deadline now and every LEASE_PUBLISH_MS into a new LeaseDeadline; the returned
 * `stop` ends the publishing and closes the deadline.
 */
export function publishLease(workSharing: RegionWorkSharing): { deadline: LeaseDeadline; stop(): void } {
  const deadline = new LeaseDeadline();
  const publish = () =>
    deadline.publish(
      workSharing.leaseCertainForMs
        ? workSharing.leaseCertainForMs()
        : workSharing.isLeaseValid()
          ? LEASE_HORIZON_MS
          : 0,
    );
  publish();
  const timer = setInterval(publish, LEASE_PUBLISH_MS);
  return {
    deadline,
    stop: () => {
      clearInterval(timer);
      deadline.close();
    },
  };
}

/** The marks and index `through` of these partitions (what a worker taking them over starts from). */
export function marksAndThroughs(
  highwater: OriginHighwater,
  index: OriginIndex,
  tps: readonly TopicPartition[],
): { marks: HighwaterEntry[]; throughs: PartitionThrough[] } {
  const wanted = new Set(tps.map((tp) => partitionKey(tp.topic, tp.partition)));
  const has = (topic: string, partition: number) => wanted.has(partitionKey(topic, partition));
  return {
    marks: highwater.entries().filter((m) => has(m.topic, m.partition)),
    throughs: tps.map(
      (tp) => [tp.topic, tp.partition, index.get(tp.topic, tp.partition)?.through ?? 0] as const,
    ),
  };
}

/**
 * A region node's share of work sharing (none without it): the instance's partitions (SharedPartitions),
 * handed to the links on this thread, or with worker threads to one WorkerShare over every worker.
 */
export function shareRegionPartitions(options: {
  workSharing: RegionWorkSharing | undefined;
  workers: number;
  pool: () => WorkerPool | undefined;
  links: () => readonly { readonly topics: readonly string[] }[];
  replicators: () => readonly SharedLink[];
  marksOf: (tps: readonly TopicPartition[]) => { marks: HighwaterEntry[]; throughs: PartitionThrough[] };
  writer: Pick<PartitionWriter, 'settled'>;
  keeper: IndexKeeper;
  index: OriginIndex;
  cluster: PartitionCounter;
  fences?: PartitionFences;
  topicRefreshMs: number;
  metrics: ReplicationMetrics;
  logger: Logger;
}): SharedPartitions | undefined {
  const { workSharing } = options;
  if (!workSharing) return undefined;
  const share =
    options.workers > 1
      ? new WorkerShare({ pool: options.pool, links: options.links, marksOf: options.marksOf })
      : undefined;
  return new SharedPartitions({
    keeper: options.keeper,
    index: options.index,
    cluster: options.cluster,
    links: () => (share ? [share] : options.replicators()),
    writesSettled: async (tps) => {
      await Promise.all([options.writer.settled(tps), share?.settled(tps)]);
    },
    isLeaseValid: () => workSharing.isLeaseValid(),
    ...(options.fences && { fences: options.fences }),
    topicRefreshMs: options.topicRefreshMs,
    metrics: options.metrics,
    logger: options.logger,
  });
}
