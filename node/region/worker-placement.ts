/**
 * Worker placement, the main thread's side (docs/work-sharing.md, "Worker placement"): samples how busy each
 * worker is, asks the decider (node/workers/worker-placement.ts) where the partitions belong, and moves them.
 *
 * A move from `active` workers to `next` has two phases, one writer per target partition throughout:
 *  1. release: every worker stops holding what the move takes from it (reading stops, its writes settle, their
 *     index runs reach this thread first), and holds nothing new (workers/worker-assignment.ts, `heldBy`);
 *  2. acquire, once every worker has released: the marks and index `through` of the partitions that move, as
 *     this thread now has them, go with the new placement; each worker takes what it brings and reads it from
 *     there (as a work-sharing takeover does).
 * One move at a time; a worker restarted meanwhile starts under the placement of that moment (`placement`).
 */
import type { Logger } from '../log/index.ts';
import type { ReplicationMetrics } from '../observability/index.ts';
import type { HighwaterEntry, OriginHighwater, TopicPartition } from '../replication/index.ts';
import {
  PlacementDecider,
  workerOf,
  type PartitionThrough,
  type Placement,
  type PlacementPolicy,
  type WorkerPool,
} from '../workers/index.ts';

export interface WorkerPlacementOptions {
  workers: number;
  /**
   * `adaptive`: starts gathered (spread when `startSpread`: a backlog waits at start) and follows the samples;
   * `spread`: every worker, never moved by itself.
   */
  mode: 'adaptive' | 'spread';
  startSpread?: boolean;
  policy: PlacementPolicy;
  sampleMs: number;
  pool: () => WorkerPool | undefined;
  /** Every target partition of the links' topics now. */
  partitions(): Promise<TopicPartition[]>;
  /** The marks and index `through` of partitions, as this thread has them. */
  marksOf(tps: readonly TopicPartition[]): { marks: HighwaterEntry[]; throughs: PartitionThrough[] };
  /** Records waiting to be copied now (the links' lag as the workers last reported it, summed). */
  lagRecords(): number;
  metrics: Pick<ReplicationMetrics, 'workersInUse' | 'workerMoves'>;
  logger: Logger;
}

export class WorkerPlacement {
  readonly #options: WorkerPlacementOptions;
  readonly #decider: PlacementDecider | undefined;
  #placement: Placement;
  #move: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastSampleMs = 0;

  constructor(options: WorkerPlacementOptions) {
    this.#options = options;
    const isAdaptive = options.mode === 'adaptive' && options.workers > 1;
    this.#decider = isAdaptive ? new PlacementDecider(options.workers, options.policy) : undefined;
    const active = isAdaptive && !options.startSpread ? 1 : options.workers;
    this.#decider?.moved(active);
    this.#placement = { active, moving: null };
    options.metrics.workersInUse.set(this.#placement.active);
  }

  /** The placement now (a copy): what a worker started at this moment holds. */
  get placement(): Placement {
    return { ...this.#placement };
  }

  /** Starts sampling (adaptive only); the pool runs. */
  start(): void {
    if (!this.#decider) return;
    this.#options.pool()?.busyShares();
    this.#lastSampleMs = performance.now();
    this.#timer = setInterval(() => this.#sample(), this.#options.sampleMs);
    this.#timer.unref();
  }

  /** Stops sampling; a move under way ends with the pool (its phases are answered when the workers end). */
  stop(): void {
    clearInterval(this.#timer);
  }

  #sample(): void {
    const pool = this.#options.pool();
    const now = performance.now();
    const busy = pool?.busyShares() ?? [];
    const fromMs = this.#lastSampleMs;
    this.#lastSampleMs = now;
    if (!pool || pool.state !== 'running' || this.#move || !this.#decider) return;
    const next = this.#decider.note({ fromMs, toMs: now, busy, lagRecords: this.#options.lagRecords() });
    if (next !== undefined) void this.moveTo(next, 'sampled');
  }

  /**
   * Moves the partitions to the worker rule over `next` workers (1: all on worker 0); resolves once every
   * worker holds its part. Waits for a move under way first; does nothing when they are there already.
   */
  async moveTo(next: number, reason: 'sampled' | 'asked' = 'asked'): Promise<void> {
    while (this.#move) await this.#move;
    if (next === this.#placement.active) return;
    if (!Number.isSafeInteger(next) || next < 1 || next > this.#options.workers)
      throw new RangeError(`worker placement: between 1 and ${this.#options.workers} workers, got ${next}`);
    this.#move = this.#moveNow(next, reason).finally(() => (this.#move = undefined));
    return this.#move;
  }

  async #moveNow(next: number, reason: string): Promise<void> {
    const pool = this.#options.pool();
    const { logger, metrics } = this.#options;
    // Not running (stopping): nothing moves, and the decider hears so.
    if (!pool || pool.state !== 'running') return this.#decider?.moved(this.#placement.active);
    const from = this.#placement.active;
    const startedMs = performance.now();
    let tps: TopicPartition[];
    try {
      tps = await this.#options.partitions();
    } catch (err) {
      // Nothing has moved: the next sample tries again.
      logger.warn({ err, from, to: next }, 'worker placement: partitions could not be listed; not moved');
      this.#decider?.moved(from);
      return;
    }
    this.#placement = { active: from, moving: next };
    await pool.place('release', next, { tps, marks: [], throughs: [] });
    const moving = tps.filter(
      (tp) => workerOf(tp.topic, tp.partition, from) !== workerOf(tp.topic, tp.partition, next),
    );
    await pool.place('acquire', next, { tps, ...this.#options.marksOf(moving) });
    this.#placement = { active: next, moving: null };
    this.#decider?.moved(next);
    const direction = next < from ? 'gather' : 'spread';
    metrics.workersInUse.set(next);
    metrics.workerMoves.labels(direction).inc();
    logger.info(
      { from, to: next, partitions: moving.length, reason, ms: Math.round(performance.now() - startedMs) },
      next === 1
        ? 'partitions gathered on one worker thread'
        : `partitions spread over ${next} worker threads`,
    );
  }
}

/**
 * The records the links' sources hold past what earlier runs copied, as far as the marks tell: per source
 * partition, its log end less the mark of the source's own records (a link that carries them), or its log
 * start. A start with at least `spreadLagRecords` of them starts spread: a backlog would spread it at once.
 */
export async function startBacklog(
  links: readonly {
    spec: { from: string; forwardsOrigin(origin: string): boolean };
    remote: { topicOffsets(topic: string): Promise<{ partition: number; low: number; high: number }[]> };
    topics: readonly string[];
  }[],
  highwater: Pick<OriginHighwater, 'get'>,
): Promise<number> {
  let records = 0;
  for (const { spec, remote, topics } of links) {
    const carriesOwn = spec.forwardsOrigin(spec.from);
    for (const topic of topics)
      for (const { partition, low, high } of await remote.topicOffsets(topic)) {
        const mark = carriesOwn ? highwater.get(topic, partition, spec.from) : -1;
        records += Math.max(0, high - Math.max(low, mark + 1));
      }
  }
  return records;
}
