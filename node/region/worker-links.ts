/**
 * A region node's links when its data path runs on worker threads (docs/work-sharing.md, "Worker threads"):
 * `startWorkerLinks` starts the pool with each worker's share of the marks, and gives back one `WorkerLink` per
 * inbound link, the main thread's view of that link over every worker (its counters summed, its topics, key
 * agreement and lag refresh sent to them all), so status, /readyz and the topic refresh see one link as before.
 */
import { GeomeshError } from '../../base/index.ts';
import type { InboundLinkConfig } from '../config/index.ts';
import type { Logger } from '../log/index.ts';
import {
  CoverageTracker,
  type CoverageChanges,
  type HighwaterEntry,
  type LinkObserver,
  type LinkReplicator,
  type LinkState,
  type OriginHighwater,
} from '../replication/index.ts';
import type { OriginIndex } from '../translation/index.ts';
import {
  emptyLinkStats,
  mergeLinkStats,
  ownedBy,
  WorkerPool,
  type LinkStatsSnapshot,
  type PartitionThrough,
  type WorkerLinkSpec,
  type WorkerStart,
} from '../workers/index.ts';
import type { ClusterConnection } from './region-node-options.ts';

/** A region node's inbound link: its replicator on the main thread, or its view over the workers. */
export type RegionLink = LinkReplicator | WorkerLink;

/** The main thread's view of one inbound link run by every worker. */
export class WorkerLink {
  readonly stats = emptyLinkStats();
  /** Not audited with workers yet (docs/work-sharing.md): always empty. */
  readonly coverage = new CoverageTracker();
  readonly window = undefined;
  readonly #from: string;
  readonly #to: string;
  readonly #pool: () => WorkerPool | undefined;
  readonly #marksOf: (topics: readonly string[]) => { marks: HighwaterEntry[]; throughs: PartitionThrough[] };
  readonly #snapshots = new Map<number, LinkStatsSnapshot>();
  #topics: string[];
  #state: LinkState = 'idle';

  constructor(options: {
    from: string;
    to: string;
    topics: readonly string[];
    pool: () => WorkerPool | undefined;
    marksOf: (topics: readonly string[]) => { marks: HighwaterEntry[]; throughs: PartitionThrough[] };
  }) {
    this.#from = options.from;
    this.#to = options.to;
    this.#topics = [...options.topics];
    this.#pool = options.pool;
    this.#marksOf = options.marksOf;
  }

  get from(): string {
    return this.#from;
  }

  get to(): string {
    return this.#to;
  }

  get topics(): readonly string[] {
    return this.#topics;
  }

  /** `running` while every worker's part of the link runs; otherwise the first other state reported. */
  get state(): LinkState {
    if (this.#state !== 'running') return this.#state;
    for (const s of this.#snapshots.values()) if (s.state !== 'running') return s.state as LinkState;
    return 'running';
  }

  /** The pool runs (WorkerPool.start resolved): the link's parts run in every worker. */
  start(): Promise<void> {
    this.#state = 'running';
    return Promise.resolve();
  }

  /** The link stops with the pool (the region node stops the pool once, in its links step). */
  async stop(): Promise<void> {
    this.#state = 'stopping';
    await this.#pool()?.stop();
    this.#state = 'stopped';
  }

  /** A worker's latest counters of this link. */
  noteStats(worker: number, snapshot: LinkStatsSnapshot): void {
    this.#snapshots.set(worker, snapshot);
    mergeLinkStats([...this.#snapshots.values()], this.stats);
  }

  setKeyMismatch(reason: string | undefined): void {
    this.stats.keyMismatch = reason ?? '';
    this.#pool()?.broadcast({ v: 1, kind: 'key-mismatch', from: this.#from, reason: reason ?? '' });
  }

  /** Reads `topics` from now on: the marks of the new topics' partitions go to their workers first. */
  updateTopics(topics: readonly string[]): Promise<void> {
    const added = topics.filter((t) => !this.#topics.includes(t));
    this.#topics = [...topics];
    this.#pool()?.broadcast({
      v: 1,
      kind: 'topics',
      from: this.#from,
      topics: [...topics],
      ...this.#marksOf(added),
    });
    return Promise.resolve();
  }

  /** Every worker re-reads the lag of its partitions (it comes back with their counters). */
  refreshLag(): Promise<void> {
    this.#pool()?.broadcast({ v: 1, kind: 'refresh-lag' });
    return Promise.resolve();
  }

  /** Not audited with workers yet (docs/work-sharing.md): nothing reported, nothing changes. */
  auditCoverage(): CoverageChanges {
    return { reported: [], recovered: [] };
  }
}

/** What `startWorkerLinks` needs of the region node. */
export interface WorkerLinksOptions {
  workers: number;
  reportMs: number;
  stopGraceMs: number;
  mesh: string;
  region: string;
  clusters: Readonly<Record<string, ClusterConnection>>;
  provenanceKey: Buffer;
  acceptedProvenanceKeys: readonly Buffer[];
  meshRegions: readonly string[] | undefined;
  onUnknownProvenanceKey: 'halt' | 'skip' | undefined;
  links: readonly { spec: InboundLinkConfig; topics: readonly string[] }[];
  keyMismatches: ReadonlyMap<string, string>;
  index: OriginIndex;
  highwater: OriginHighwater;
  observerOf(from: string): LinkObserver | undefined;
  /** Marks the partition unsure from `through` (index-keeper.ts). */
  unsure(topic: string, partition: number, through: number): void;
  /** Re-reads the partition's tail into the index and marks (index-keeper.ts). */
  resync(topic: string, partition: number): Promise<void>;
  /** A worker ended while running: the node fails. */
  failed(err: Error): void;
  logger: Logger;
}

/** Starts the worker threads; resolves with the pool and one view per link once every worker runs. */
export async function startWorkerLinks(
  options: WorkerLinksOptions,
): Promise<{ pool: WorkerPool; links: WorkerLink[] }> {
  const { workers, index, highwater, logger } = options;
  if (options.provenanceKey.length === 0) throw new Error('a provenance key is needed');
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
  const regions = [...new Set([...(options.meshRegions ?? []), ...Object.keys(options.clusters)])];
  const specs: WorkerLinkSpec[] = options.links.map(({ spec, topics }) => ({
    from: spec.from,
    topics: [...topics],
    forwards: regions.filter((r) => spec.forwardsOrigin(r)),
    compression: spec.compression,
    maxBatchBytes: spec.maxBatchBytes,
    maxInflightBytes: spec.maxInflightBytes,
    maxRecordsPerSecond: spec.maxRecordsPerSecond,
    onSourceTruncated: spec.onSourceTruncated,
    onRecordTooLarge: spec.onRecordTooLarge,
    truncationCheckIntervalMs: spec.truncationCheckIntervalMs,
    writeRetryBackoffMs: { ...spec.writeRetryBackoffMs },
  }));
  const all = marksOf([...new Set(options.links.flatMap((l) => l.topics))]);
  const starts: WorkerStart[] = Array.from({ length: workers }, (_, worker) => {
    const owns = ownedBy(worker, workers);
    return {
      v: 1,
      kind: 'start',
      worker,
      workers,
      mesh: options.mesh,
      region: options.region,
      clusters: { ...options.clusters },
      provenanceKey: new Uint8Array(options.provenanceKey),
      acceptedProvenanceKeys: options.acceptedProvenanceKeys.map((k) => new Uint8Array(k)),
      meshRegions: options.meshRegions ? [...options.meshRegions] : null,
      onUnknownProvenanceKey: options.onUnknownProvenanceKey ?? null,
      links: specs,
      marks: all.marks.filter((m) => owns(m.topic, m.partition)),
      throughs: all.throughs.filter(([t, p]) => owns(t, p)),
      keyMismatches: [...options.keyMismatches],
      logLevel: logger.level,
    };
  });
  const links = options.links.map(
    ({ spec, topics }) =>
      new WorkerLink({ from: spec.from, to: options.region, topics, pool: () => pool, marksOf }),
  );
  const pool: WorkerPool = new WorkerPool({
    starts,
    reportMs: options.reportMs,
    stopGraceMs: options.stopGraceMs,
    logger,
    host: {
      acked: (topic, partition, baseOffset, origins) => {
        index.noteWritten(topic, partition, baseOffset, origins);
        // The main thread's marks follow (resync, new topics): one advance per origin of the run.
        const highest = new Map<string, number>();
        for (const o of origins)
          if (o.offset > (highest.get(o.region) ?? -1)) highest.set(o.region, o.offset);
        for (const [region, offset] of highest) highwater.advance(topic, partition, region, offset);
      },
      unsure: (topic, partition, through) => options.unsure(topic, partition, through),
      resync: async (topic, partition) => {
        await options.resync(topic, partition);
        return {
          marks: highwater.entries().filter((m) => m.topic === topic && m.partition === partition),
          through: index.get(topic, partition)?.through ?? 0,
        };
      },
      observerOf: (from) => options.observerOf(from),
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
  await pool.start();
  for (const link of links) await link.start();
  return { pool, links };
}
