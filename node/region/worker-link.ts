/**
 * The main thread's view of one inbound link whose data path runs on worker threads (docs/work-sharing.md,
 * "Worker threads"): its counters summed over every worker, its state, its topics, key agreement and lag
 * refresh sent to them all, and the coverage audit of every worker's share, so status, /readyz and the topic
 * refresh see one link as with one thread.
 */
import { NODE_DEFAULTS } from '../config/index.ts';
import {
  CoverageTracker,
  emptyLinkStats,
  type CoverageChanges,
  type HighwaterEntry,
  type LinkReplicator,
  type LinkState,
  type TopicPartition,
} from '../replication/index.ts';
import {
  mergeLinkStats,
  type LinkStatsSnapshot,
  type PartitionThrough,
  type Placement,
  type WorkerPool,
} from '../workers/index.ts';
import type { LinkPath, LinkPathObserver } from '../stream/index.ts';
import type { CoverageAuditInput } from './coverage-report.ts';
import { auditWorkerCoverage } from './worker-coverage.ts';

/** A region node's inbound link: its replicator on the main thread, or its view over the workers. */
export type RegionLink = LinkReplicator | WorkerLink;

/** The main thread's view of one inbound link run by every worker. */
export class WorkerLink {
  readonly stats = emptyLinkStats();
  /** The coverage audit's reports (auditCoverage). */
  readonly coverage = new CoverageTracker();
  readonly window = undefined;
  readonly #from: string;
  readonly #to: string;
  readonly #pool: () => WorkerPool | undefined;
  readonly #marksOf: (topics: readonly string[]) => { marks: HighwaterEntry[]; throughs: PartitionThrough[] };
  readonly #snapshots = new Map<number, LinkStatsSnapshot>();
  readonly #owned: (() => readonly TopicPartition[]) | undefined;
  readonly #pathObserver: Pick<LinkPathObserver, 'path'> | undefined;
  readonly #placement: (() => Placement) | undefined;
  #path: LinkPath | undefined;
  #topics: string[];
  #state: LinkState = 'idle';

  constructor(options: {
    from: string;
    to: string;
    topics: readonly string[];
    pool: () => WorkerPool | undefined;
    marksOf: (topics: readonly string[]) => { marks: HighwaterEntry[]; throughs: PartitionThrough[] };
    /** Work sharing: the target partitions the instance owns now (the audit's view of ownership). */
    owned?: () => readonly TopicPartition[];
    /** A streaming link's path metrics: told the link's path as its workers report theirs. */
    pathObserver?: Pick<LinkPathObserver, 'path'> | undefined;
    /** Worker placement: which workers hold partitions now (absent: every worker, by the worker rule). */
    placement?: () => Placement;
  }) {
    this.#from = options.from;
    this.#to = options.to;
    this.#topics = [...options.topics];
    this.#pool = options.pool;
    this.#marksOf = options.marksOf;
    this.#owned = options.owned;
    this.#pathObserver = options.pathObserver;
    this.#placement = options.placement;
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

  /** While running: the longest any worker's source has been silent, as last reported (see LinkReplicator). */
  sourceSilenceMs(): number {
    if (this.state !== 'running') return 0;
    return Math.max(0, ...[...this.#snapshots.values()].map((s) => s.sourceSilenceMs));
  }

  /** Running, but some worker's source has answered nothing for NODE_DEFAULTS.linkStallMs. */
  get isStalled(): boolean {
    return this.sourceSilenceMs() >= NODE_DEFAULTS.linkStallMs;
  }

  /**
   * How the link gets its records: `stream` while every worker's part streams (each opens its own streams,
   * for its partitions), `pull` while any part pulls (docs/record-stream.md).
   */
  get path(): LinkPath {
    return this.#path ?? 'pull';
  }

  /** Bytes its workers have received from the link's source cluster, as last reported. */
  get sourceBytesReceived(): number {
    let bytes = 0;
    for (const s of this.#snapshots.values()) bytes += s.sourceBytes;
    return bytes;
  }

  /** A worker's latest counters of this link. */
  noteStats(worker: number, snapshot: LinkStatsSnapshot): void {
    this.#snapshots.set(worker, snapshot);
    mergeLinkStats([...this.#snapshots.values()], this.stats);
    // The path once every worker has said its own; the metrics hear of each change.
    if (this.#snapshots.size < (this.#pool()?.size ?? 1)) return;
    const path = [...this.#snapshots.values()].every((s) => s.path === 'stream') ? 'stream' : 'pull';
    if (path === this.#path) return;
    this.#path = path;
    this.#pathObserver?.path(path);
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

  /**
   * Audits which source partitions nobody reads, each as its worker's consumer last reported it
   * (worker-coverage.ts); the reports are kept in `coverage`. Returns what changed since the last audit.
   */
  auditCoverage(input: CoverageAuditInput, nowMs: number): CoverageChanges {
    const workers = this.#pool()?.size ?? 0;
    const placement = this.#placement?.() ?? { active: workers, moving: null };
    // While partitions move between workers, some are nobody's for a moment: the audit waits for the move.
    if (placement.moving !== null) return { reported: [], recovered: [] };
    const owned = this.#owned && new Set(this.#owned().map((tp) => `${tp.topic}/${tp.partition}`));
    const result = auditWorkerCoverage({
      ...input,
      workers,
      active: placement.active,
      parts: Array.from({ length: workers }, (_, i) => this.#snapshots.get(i)?.reading),
      isRunning: this.state === 'running',
      halted: new Set(this.stats.halted.keys()),
      ...(owned && {
        instanceOwns: (topic: string, partition: number) => owned.has(`${topic}/${partition}`),
      }),
    });
    return this.coverage.update(result, nowMs);
  }
}

/**
 * Bytes received from a running link's source cluster (0 for none): by the main thread's client of it
 * (`remote`) and, when the link runs on workers, by theirs (the metric `geomesh_source_cluster_received_bytes`, a link's WAN bytes).
 */
export function sourceClusterBytes(
  link: { remote: { bytesReceived(): number }; replicator: RegionLink } | undefined,
): number {
  if (!link) return 0;
  const { remote, replicator } = link;
  return remote.bytesReceived() + (replicator instanceof WorkerLink ? replicator.sourceBytesReceived : 0);
}
