/**
 * A region node's links when its data path runs on worker threads (docs/work-sharing.md, "Worker threads"):
 * `startWorkerLinks` starts the pool with each worker's share of the marks, and gives back one `WorkerLink` per
 * inbound link (worker-link.ts), the main thread's view of that link over every worker.
 */
import { GeomeshError } from '../../base/index.ts';
import { NODE_DEFAULTS, type InboundLinkConfig } from '../config/index.ts';
import type { KafkaCluster } from '../kafka/index.ts';
import type { LinkPathObserver } from '../stream/index.ts';
import type { Logger } from '../log/index.ts';
import type { IndexKeeper } from './index-keeper.ts';
import {
  partitionKey,
  type HighwaterEntry,
  type LinkObserver,
  type OriginHighwater,
  type TopicPartition,
} from '../replication/index.ts';
import type { OriginIndex } from '../translation/index.ts';
import {
  cpuBudget,
  heldBy,
  WorkerPool,
  PeerBoard,
  shrinkMainHeap,
  StreamRelayHost,
  workerResourceLimits,
  type PartitionThrough,
  type Placement,
  type WorkerLinkSpec,
  type WorkerStart,
} from '../workers/index.ts';
import { linkTuning } from '../link-wiring/index.ts';
import { marksAndThroughs, publishLease } from './worker-share.ts';
import { selectTopics } from './topic-refresh.ts';
import { WorkerLink } from './worker-link.ts';
import { startBacklog, WorkerPlacement } from './worker-placement.ts';
import type { ReplicationMetrics } from '../observability/index.ts';
import type { RegionNodeOptions } from './region-node-options.ts';

/**
 * How long the restart of a worker that ended waits before it re-reads the worker's partitions: the bytes
 * of a Produce the ended thread had handed to the kernel reach the broker meanwhile (on a healthy network).
 */
export const WORKER_RESTART_PAUSE_MS = 1_000;

export { sourceClusterBytes, WorkerLink, type RegionLink } from './worker-link.ts';

/** An inbound link as the region node plans it at start: its config, source, topics and their counts. */
export interface PlannedLink {
  spec: InboundLinkConfig;
  remote: KafkaCluster;
  topics: string[];
  readCounts: Map<string, number>;
}

/** Plans the inbound links into `to`: each one's source, its selected topics (mirrored into `local`), their counts. */
export async function planLinks(
  inbound: readonly InboundLinkConfig[],
  local: KafkaCluster,
  to: string,
  clusterOf: (region: string) => KafkaCluster,
): Promise<PlannedLink[]> {
  const planned: PlannedLink[] = [];
  for (const spec of inbound) {
    const remote = clusterOf(spec.from);
    const topics = await selectTopics(spec.topics, remote);
    for (const topic of topics) await local.mirrorTopicFrom(remote, topic, { from: spec.from, to });
    planned.push({ spec, remote, topics, readCounts: await remote.partitionCounts(topics) });
  }
  return planned;
}

/** How many worker threads the node runs, and why (for its start log). */
export interface WorkerChoice {
  count: number;
  /** `set`: a number was given; `auto`: the cores available. */
  reason: 'set' | 'auto';
}

/**
 * The node's worker count (`workers`, default NODE_DEFAULTS.workers), checked: a positive whole number, or
 * `auto`: as many as the cores this process may use (`cpuBudget`: its CPU affinity, such as `taskset` or a
 * container's cpuset, capped by its cgroup's CPU quota). Throws GEOMESH_CONFIG_INVALID naming the setting and
 * the fix.
 */
export function chooseWorkers(
  options: Pick<RegionNodeOptions, 'workers'>,
  cores: number = cpuBudget(),
): WorkerChoice {
  const workers = options.workers ?? NODE_DEFAULTS.workers;
  if (workers === 'auto') return { count: Math.max(1, cores), reason: 'auto' };
  if (!Number.isSafeInteger(workers) || workers < 1)
    throw new GeomeshError(
      'GEOMESH_CONFIG_INVALID',
      `node setting workers: must be a positive whole number (worker threads) or "auto", got ${String(workers)}`,
      { details: { key: 'workers' } },
    );
  return { count: workers, reason: 'set' };
}

/** The node's worker count (chooseWorkers), logged at start with its setting and the reason. */
export function startingWorkers(options: RegionNodeOptions, logger: Logger): number {
  const { count, reason } = chooseWorkers(options);
  logger.info(
    { workers: count, setting: options.workers ?? NODE_DEFAULTS.workers, reason },
    count > 1 ? `data path on ${count} worker threads` : 'data path on the main thread',
  );
  return count;
}

/** What `startWorkerLinks` needs of the region node. */
export interface WorkerLinksOptions {
  /** The node's options (its region, clusters, keys, report interval and stop grace). */
  node: RegionNodeOptions;
  workers: number;
  links: readonly Pick<PlannedLink, 'spec' | 'topics' | 'remote'>[];
  keyMismatches: ReadonlyMap<string, string>;
  index: OriginIndex;
  highwater: OriginHighwater;
  /** The metrics of the link from `from` (asked once per link). */
  observerOf(from: string): LinkObserver;
  /** The path metrics of the streaming link from `from` (asked once per such link). */
  pathObserverOf(from: string): LinkPathObserver;
  /** Marks a partition unsure from `through`; re-reads its tail into the index and marks. */
  keeper: Pick<IndexKeeper, 'noteUnsure' | 'resync'>;
  /** Work sharing: writes the workers refused by fencing. */
  onFenced(count: number): void;
  /** The partition count of each topic in the region's cluster (a restarted worker's partitions). */
  partitionCounts(topics: readonly string[]): Promise<Map<string, number>>;
  /** Work sharing: the partitions the instance owns now. */
  owned(): readonly TopicPartition[];
  /** A worker ended while running and could not be restarted: the node fails. */
  failed(err: Error): void;
  /** Worker placement's gauge and counter. */
  metrics: Pick<ReplicationMetrics, 'workersInUse' | 'workerMoves'>;
  logger: Logger;
}

/**
 * Starts the worker threads; resolves with the pool and one view per link once every worker runs, and under
 * work sharing `stopLease`, which ends the publishing of the lease's deadline to the workers.
 */
export async function startWorkerLinks(
  options: WorkerLinksOptions,
): Promise<{ pool: WorkerPool; links: WorkerLink[]; placement: WorkerPlacement; stopLease: () => void }> {
  const { node, workers, index, highwater, logger } = options;
  const sharing = node.workSharing;
  const settings = { ...NODE_DEFAULTS.workerPlacement, ...node.workerPlacement };
  // Under work sharing the partitions stay spread: the instance's takes and drops are its workers' only moves.
  const isAdaptive = settings.adaptive && !sharing;
  // A backlog at start would spread the partitions at once, after a second on one worker: they start spread.
  const backlog = isAdaptive ? await startBacklog(options.links, highwater).catch(() => 0) : 0;
  const startSpread = backlog >= settings.spreadLagRecords;
  if (isAdaptive)
    logger.info(
      { backlog, workers: startSpread ? workers : 1 },
      startSpread
        ? 'a backlog waits: partitions start spread over every worker'
        : 'partitions start on one worker',
    );
  const placement: WorkerPlacement = new WorkerPlacement({
    workers,
    mode: isAdaptive ? 'adaptive' : 'spread',
    startSpread,
    policy: {
      spreadAbove: settings.spreadAbovePercent / 100,
      spreadLagRecords: settings.spreadLagRecords,
      spreadAfterMs: settings.spreadAfterMs,
      gatherBelow: settings.gatherBelowPercent / 100,
      gatherAfterMs: settings.gatherAfterMs,
    },
    sampleMs: settings.sampleMs,
    pool: () => pool,
    // Every partition of the links' topics, and every one this node has written (one created since the
    // listing may have been written already: its marks must go with it).
    partitions: async (): Promise<TopicPartition[]> => {
      const listed = await workerPartitions(
        links,
        () => true,
        (topics) => options.partitionCounts(topics),
      );
      const topics = new Set(links.flatMap((l) => l.topics));
      const all = new Map(listed.map((tp) => [partitionKey(tp.topic, tp.partition), tp]));
      for (const { topic, partition } of index.partitions())
        if (topics.has(topic)) all.set(partitionKey(topic, partition), { topic, partition });
      return [...all.values()];
    },
    marksOf: (tps) => marksAndThroughs(highwater, index, tps),
    lagRecords: () =>
      links.reduce((sum, l) => sum + [...l.stats.lagRecords.values()].reduce((a, b) => a + b, 0), 0),
    metrics: options.metrics,
    logger,
  });
  const lease = sharing && publishLease(sharing);
  const observers = new Map(options.links.map(({ spec }) => [spec.from, options.observerOf(spec.from)]));
  const pathObservers = new Map(
    options.links
      .filter(({ spec }) => spec.transport === 'stream')
      .map(({ spec }) => [spec.from, options.pathObserverOf(spec.from)]),
  );
  // Streaming links' workers open their streams on this thread's peer channels (workers/stream-relay.ts).
  const board = new PeerBoard(options.links.map(({ spec }) => spec.from));
  const streams = new StreamRelayHost({
    peer: (from) => node.peerStreams?.(from),
    pathObserverOf: (from) => pathObservers.get(from),
    board,
    logger,
  });
  /** The marks and `through` of `topics`' partitions (each worker keeps only its own). */
  const marksOf = (topics: readonly string[]) => {
    const wanted = new Set(topics);
    const marks = highwater.entries().filter((m) => wanted.has(m.topic));
    const throughs: PartitionThrough[] = index
      .partitions()
      .filter((p) => wanted.has(p.topic))
      .map((p) => [p.topic, p.partition, index.get(p.topic, p.partition)?.through ?? 0] as const);
    return { marks, throughs };
  };
  // Every origin a link may carry, resolved over the regions this node knows (its forwarding is a function).
  const regions = [...new Set([...(node.meshRegions ?? []), ...Object.keys(node.clusters)])];
  const specs: WorkerLinkSpec[] = options.links.map(({ spec, topics }) => ({
    from: spec.from,
    topics: [...topics],
    forwards: regions.filter((r) => spec.forwardsOrigin(r)),
    tuning: linkTuning(spec),
  }));
  const all = marksOf([...new Set(options.links.flatMap((l) => l.topics))]);
  const startOf = (
    worker: number,
    linkSpecs: WorkerLinkSpec[],
    marks: HighwaterEntry[],
    throughs: PartitionThrough[],
    now = placement.placement,
  ): WorkerStart => {
    const owns = (topic: string, partition: number) => heldBy(worker, now, topic, partition);
    return {
      v: 1,
      kind: 'start',
      worker,
      workers,
      active: now.active,
      moving: now.moving,
      mesh: node.mesh,
      region: node.region,
      clusters: { ...node.clusters },
      provenanceKey: new Uint8Array(node.provenanceKey),
      acceptedProvenanceKeys: (node.acceptedProvenanceKeys ?? []).map((k) => new Uint8Array(k)),
      meshRegions: node.meshRegions ? [...node.meshRegions] : null,
      onUnknownProvenanceKey: node.onUnknownProvenanceKey ?? null,
      links: linkSpecs,
      marks: marks.filter((m) => owns(m.topic, m.partition)),
      throughs: throughs.filter(([t, p]) => owns(t, p)),
      keyMismatches: [...options.keyMismatches],
      logLevel: logger.level,
      workSharing:
        sharing && lease
          ? {
              instanceId: sharing.instanceId,
              lease: lease.deadline.buffer,
              isFencedAtBroker: node.fenceAtBroker ?? NODE_DEFAULTS.fenceAtBroker,
            }
          : null,
      peerBoard: { regions: [...board.regions], buffer: board.buffer },
    };
  };
  const starts = Array.from({ length: workers }, (_, worker) =>
    startOf(worker, specs, all.marks, all.throughs),
  );
  const links: WorkerLink[] = options.links.map(
    ({ spec, topics }) =>
      new WorkerLink({
        from: spec.from,
        to: node.region,
        topics,
        pool: () => pool,
        marksOf,
        pathObserver: pathObservers.get(spec.from),
        placement: (): Placement => placement.placement,
        ...(sharing && { owned: () => options.owned() }),
      }),
  );
  const pool: WorkerPool = new WorkerPool({
    starts,
    reportMs: node.workerReportMs ?? NODE_DEFAULTS.workerReportMs,
    resourceLimits: workerResourceLimits(NODE_DEFAULTS.workerSemiSpaceMiB),
    streams,
    stopGraceMs: (node.stopGraceMs ?? NODE_DEFAULTS.stopGraceMs).workers,
    logger,
    host: {
      acked: (topic, partition, baseOffset, origins) => {
        index.noteWrittenRun(topic, partition, baseOffset, origins);
        // The main thread's marks follow (resync, new topics): one advance per origin of the run.
        for (const [region, offset] of origins.highest()) highwater.advance(topic, partition, region, offset);
      },
      unsure: (topic, partition, through) => options.keeper.noteUnsure(topic, partition, through),
      rewound: (topic, partition, origin, offset) => highwater.rewind(topic, partition, origin, offset),
      resync: async (topic, partition) => {
        // Only the marks the re-read raised go back, as a resync on this thread would raise them.
        const marksOf = () =>
          new Map(
            highwater
              .entries()
              .filter((m) => m.topic === topic && m.partition === partition)
              .map((m) => [m.origin, m.offset]),
          );
        const before = marksOf();
        await options.keeper.resync(topic, partition);
        return {
          marks: [...marksOf()]
            .filter(([origin, offset]) => offset !== before.get(origin))
            .map(([origin, offset]) => ({ topic, partition, origin, offset })),
          through: index.get(topic, partition)?.through ?? 0,
        };
      },
      observerOf: (from) => observers.get(from),
      fenced: (count) => options.onFenced(count),
      restart: async (worker) => {
        // Its partitions' tails are re-read first: what it wrote and never reported is in the marks after.
        // A pause first, for a Produce it had handed to the kernel to reach the broker before the re-read.
        await new Promise((resolve) => setTimeout(resolve, WORKER_RESTART_PAUSE_MS));
        // The placement of this moment: a move under way gives the replacement only what both placements do.
        const now = placement.placement;
        const owns = (topic: string, partition: number) => heldBy(worker, now, topic, partition);
        const tps = sharing
          ? options.owned().filter((tp) => owns(tp.topic, tp.partition))
          : await workerPartitions(links, owns, (topics) => options.partitionCounts(topics));
        for (const tp of tps) await options.keeper.resync(tp.topic, tp.partition);
        const marks = marksAndThroughs(highwater, index, tps);
        const linkSpecs = specs.map((spec) => ({
          ...spec,
          topics: [...(links.find((l) => l.from === spec.from)?.topics ?? spec.topics)],
        }));
        logger.info(
          { worker, partitions: tps.map((tp) => `${tp.topic}/${tp.partition}`) },
          'worker thread restarting from its partitions re-read',
        );
        // Under work sharing it owns nothing until told: its part of the instance's share, as taken.
        if (sharing)
          return {
            start: startOf(worker, linkSpecs, [], [], now),
            first: tps.length > 0 ? [{ v: 1, kind: 'take', tps: [...tps], ...marks } as const] : [],
          };
        return { start: startOf(worker, linkSpecs, marks.marks, marks.throughs, now), first: [] };
      },
      stats: (worker, snapshots) => {
        for (const s of snapshots) links.find((l) => l.from === s.from)?.noteStats(worker, s);
      },
      failed: (worker, err) =>
        options.failed(
          new GeomeshError(
            'GEOMESH_INTERNAL_INVARIANT',
            `worker thread ${worker} of the data path ended: ${err.message}`,
            {
              cause: err,
              details: { worker },
            },
          ),
        ),
    },
  });
  try {
    await pool.start();
  } catch (err) {
    lease?.stop();
    throw err;
  }
  for (const link of links) await link.start();
  // The main thread now only coordinates: the young generation it grew while the node started goes back.
  logger.debug(
    { youngGenerationMiB: shrinkMainHeap() },
    "main thread's young generation given back (the data path runs on workers)",
  );
  placement.start();
  return { pool, links, placement, stopLease: () => lease?.stop() };
}

/** The target partitions of the links' topics that `owns` gives a worker. */
async function workerPartitions(
  links: readonly WorkerLink[],
  owns: (topic: string, partition: number) => boolean,
  partitionCounts: (topics: readonly string[]) => Promise<Map<string, number>>,
): Promise<TopicPartition[]> {
  const counts = await partitionCounts([...new Set(links.flatMap((l) => l.topics))]);
  return [...counts].flatMap(([topic, count]) =>
    Array.from({ length: count }, (_, partition) => ({ topic, partition })).filter((tp) =>
      owns(tp.topic, tp.partition),
    ),
  );
}
