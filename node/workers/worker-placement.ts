/**
 * How many of a node's worker threads hold partitions, and when that changes (docs/work-sharing.md, "Worker
 * placement"). A node with several workers and a low rate writes with less delay from one worker than from
 * several (p99 17 ms against 20–56 ms at 1,000 records/s of 1 KiB on 2 cores, docs/benchmarks.md): its
 * partitions are gathered on worker 0 while every worker is calm, and spread over all of them as soon as the
 * ones in use are busy. The partitions' worker is the worker rule over the workers in use
 * (`workerOf(topic, partition, active)`), so both threads agree on it from one number.
 *
 * Pure: `PlacementDecider` reads samples of each worker's event-loop utilisation (the share of a window its
 * thread was busy, 0–1) and says when to move.
 */
import { GeomeshError } from '../../base/index.ts';

/** When a node moves its partitions between its workers (NODE_DEFAULTS.workerPlacement). */
export interface PlacementPolicy {
  /** Spread over every worker once the busiest worker in use has been at least this busy (0–1) … */
  spreadAbove: number;
  /** … with at least this many records waiting to be copied (a start-up's busy second with none is no reason) … */
  spreadLagRecords: number;
  /** … in every sample for this long. */
  spreadAfterMs: number;
  /** Gather on one worker once all workers together have been less busy than this (0–1) … */
  gatherBelow: number;
  /** … in every sample for this long. */
  gatherAfterMs: number;
}

/**
 * One sample: its window (monotonic ms), each worker's busy share over it (index = worker), and the records
 * waiting to be copied at its end (the links' lag, summed).
 */
export interface PlacementSample {
  fromMs: number;
  toMs: number;
  busy: readonly number[];
  lagRecords: number;
}

/** Checks a policy: shares within 0–1, gathering below spreading (else the node would move back and forth). */
export function checkPlacementPolicy(policy: PlacementPolicy): PlacementPolicy {
  const share = (name: string, value: number) => {
    if (!(value > 0 && value <= 1))
      throw new GeomeshError(
        'GEOMESH_CONFIG_INVALID',
        `worker placement: ${name} must be a share of a thread's time above 0 and at most 1, got ${String(value)}`,
        { details: { key: name } },
      );
  };
  share('spreadAbove', policy.spreadAbove);
  share('gatherBelow', policy.gatherBelow);
  if (policy.gatherBelow >= policy.spreadAbove)
    throw new GeomeshError(
      'GEOMESH_CONFIG_INVALID',
      `worker placement: gatherBelow (${policy.gatherBelow}) must be below spreadAbove (${policy.spreadAbove}), ` +
        'or the partitions would move back and forth',
      { details: { key: 'gatherBelow' } },
    );
  for (const key of ['spreadAfterMs', 'gatherAfterMs', 'spreadLagRecords'] as const)
    if (!(Number.isFinite(policy[key]) && policy[key] >= 0))
      throw new GeomeshError(
        'GEOMESH_CONFIG_INVALID',
        `worker placement: ${key} must be a number ≥ 0, got ${String(policy[key])}`,
        { details: { key } },
      );
  return policy;
}

/**
 * Decides, sample by sample, how many workers hold partitions: 1 (gathered) or all (spread). Starts gathered.
 * Spreads when the busiest worker in use stayed at or above `spreadAbove` with at least `spreadLagRecords`
 * waiting for `spreadAfterMs` (busy and behind: one worker does not keep up); gathers when
 * the workers' summed busy share stayed below `gatherBelow` for `gatherAfterMs`. A run of samples starts anew
 * after every move (what the workers did before it says nothing of the new placement).
 */
export class PlacementDecider {
  readonly #workers: number;
  readonly #policy: PlacementPolicy;
  #active = 1;
  /** Since when (a sample window's start) the condition for the other placement has held; undefined: it does not. */
  #since: number | undefined;

  constructor(workers: number, policy: PlacementPolicy) {
    if (!Number.isSafeInteger(workers) || workers < 2)
      throw new RangeError(`worker placement needs at least 2 workers, got ${String(workers)}`);
    this.#workers = workers;
    this.#policy = checkPlacementPolicy(policy);
  }

  /** How many workers hold partitions now. */
  get active(): number {
    return this.#active;
  }

  /** Takes a sample; returns the worker count to move to, or undefined to stay. */
  note(sample: PlacementSample): number | undefined {
    const { spreadAbove, spreadAfterMs, gatherBelow, gatherAfterMs } = this.#policy;
    const inUse = sample.busy.slice(0, this.#active);
    const isSpreading = this.#active < this.#workers;
    const holds = isSpreading
      ? Math.max(0, ...inUse) >= spreadAbove && sample.lagRecords >= this.#policy.spreadLagRecords
      : sample.busy.reduce((sum, b) => sum + b, 0) < gatherBelow;
    if (!holds) {
      this.#since = undefined;
      return undefined;
    }
    this.#since ??= sample.fromMs;
    if (sample.toMs - this.#since < (isSpreading ? spreadAfterMs : gatherAfterMs)) return undefined;
    this.#since = undefined;
    this.#active = isSpreading ? this.#workers : 1;
    return this.#active;
  }

  /** The node moved on its own (e.g. a test or an operator asked): samples count from the new placement. */
  moved(active: number): void {
    this.#active = active;
    this.#since = undefined;
  }
}
