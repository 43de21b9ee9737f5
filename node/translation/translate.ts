/**
 * Exact offset translation over origin indexes (pure; see `translation-protocol.md`).
 *
 * A frontier says what a consumer group has consumed of one partition, per origin region: every record of
 * origin O whose origin offset is at most `frontier[O]` was consumed; an origin it does not name was not
 * consumed at all. A record produced in region X (a local record there) has origin X and origin offset its
 * own offset in X.
 */
import type { PartitionRuns } from './partition-runs.ts';

/** Per origin region: the highest origin offset consumed (absent: none). */
export type Frontier = ReadonlyMap<string, number>;

/**
 * The frontier of a group that committed `committed` in a partition of `region` whose origin index is
 * `runs` (undefined: nothing was ever replicated into it). Exact for every origin: replicated records come
 * from the runs; for the region's own records every offset below `committed` was consumed, so `committed - 1`
 * bounds them (it may name a replica's or a marker's offset, which changes nothing: no local record between
 * was left unconsumed).
 */
export function frontierAt(runs: PartitionRuns | undefined, region: string, committed: number): Frontier {
  const frontier = new Map<string, number>();
  if (committed > 0) frontier.set(region, committed - 1);
  for (const origin of runs?.origins() ?? []) {
    if (origin === region) continue;
    const offset = runs!.lastOriginOffsetBefore(origin, committed);
    if (offset >= 0) frontier.set(origin, offset);
  }
  return frontier;
}

/** A partition's stored range in the target cluster. */
export interface LogRange {
  logStart: number;
  logEnd: number;
}

export interface SeekResult {
  /** Where the group resumes: every record before it was consumed according to the frontier. */
  offset: number;
  /**
   * Records at or after `offset` the group had already consumed: exact for replicated records; for the
   * region's own records an upper bound (it counts offsets, and a transaction marker has one too).
   */
  alreadySeen: number;
  /** The record the frontier says comes next was deleted (below the log start): `offset` is the log start. */
  isTruncated: boolean;
}

/**
 * The smallest offset of a partition of `region` (origin index `runs`) whose record lies beyond `frontier`,
 * or the log end when there is none yet. Nothing before it is unconsumed, so resuming there loses nothing.
 */
export function seek(
  runs: PartitionRuns | undefined,
  region: string,
  frontier: Frontier,
  range: LogRange,
): SeekResult {
  const { logStart, logEnd } = range;
  let offset = logEnd;
  for (const origin of runs?.origins() ?? []) {
    if (origin === region) continue;
    const first = runs!.firstAfter(origin, frontier.get(origin) ?? -1);
    if (first !== undefined && first < offset) offset = first;
  }
  // The region's own records sit wherever no run is: the first uncovered offset past its frontier.
  const localFrom = Math.max((frontier.get(region) ?? -1) + 1, 0);
  const local = runs ? runs.firstUncoveredFrom(localFrom) : localFrom;
  if (local < offset) offset = local;
  const isTruncated = offset < logStart;
  if (isTruncated) offset = logStart;
  let alreadySeen = 0;
  for (const origin of runs?.origins() ?? []) {
    if (origin === region) continue;
    alreadySeen += runs!.countAtOrAfter(origin, offset, frontier.get(origin) ?? -1);
  }
  const localEnd = Math.min(localFrom, logEnd);
  if (localEnd > offset) alreadySeen += runs ? runs.uncoveredBetween(offset, localEnd) : localEnd - offset;
  return { offset, alreadySeen, isTruncated };
}

/** A frontier as a sorted list (for messages and output). */
export function frontierEntries(frontier: Frontier): { region: string; offset: number }[] {
  return [...frontier]
    .map(([region, offset]) => ({ region, offset }))
    .sort((a, b) => a.region.localeCompare(b.region));
}

/** Whether a record of `origin` at `originOffset` is one the frontier says was consumed. */
export function isConsumed(frontier: Frontier, origin: string, originOffset: number): boolean {
  return originOffset <= (frontier.get(origin) ?? -1);
}
