/**
 * What a consumer group would not find in another region yet (pure): the records of a partition of the
 * source region after the group's frontier, per origin (`unconsumedAfter`, counted where the source's index
 * is), and how many of them the target region does not hold (`missingOf`, counted where the target's index
 * is). Together they are a failover's replication gap (its RPO): records the group has not consumed in the
 * source that it would not get in the target if it moved now. Records the group already consumed are not
 * counted.
 *
 * Exact for replicated records. For the source region's own records it counts offsets: a transaction marker
 * among them counts too (an upper bound on transactional topics), as `alreadySeen` does. Replication keeps
 * per-origin order, so the target holds an origin's records up to some origin offset: the ones of the
 * source's range it holds are counted by origin offset on its own index.
 */
import type { PartitionRuns } from './partition-runs.ts';
import type { Frontier } from './translate.ts';

/** Records of one origin a region holds after a frontier: origin offsets in [fromOffset, toOffset], `records` of them. */
export interface OriginRecords {
  region: string;
  fromOffset: number;
  toOffset: number;
  records: number;
}

/** Records of one origin, counted. */
export interface OriginCount {
  region: string;
  records: number;
}

/**
 * Per origin, the records of a partition of `region` (origin index `runs`, log end `logEnd`) after
 * `frontier` (the group's, whose committed offset is `committed`); origins with none are left out.
 */
export function unconsumedAfter(
  runs: PartitionRuns | undefined,
  region: string,
  frontier: Frontier,
  committed: number,
  logEnd: number,
): OriginRecords[] {
  const out: OriginRecords[] = [];
  // The region's own records sit wherever no run is (origin offset = offset here).
  const own = runs ? runs.uncoveredBetween(committed, logEnd) : Math.max(0, logEnd - committed);
  if (own > 0) out.push({ region, fromOffset: committed, toOffset: logEnd - 1, records: own });
  for (const origin of runs?.origins() ?? []) {
    if (origin === region) continue;
    const fromOffset = (frontier.get(origin) ?? -1) + 1;
    const toOffset = runs!.lastOriginOffset(origin);
    const records = runs!.countOriginBetween(origin, fromOffset, toOffset);
    if (records > 0) out.push({ region: origin, fromOffset, toOffset, records });
  }
  return out.sort((a, b) => a.region.localeCompare(b.region));
}

/**
 * Of the records `unconsumed` (counted in another region), how many a partition of `region` (origin index
 * `runs`) does not hold, per origin; origins with none missing are left out. Its own records it holds.
 */
export function missingOf(
  runs: PartitionRuns | undefined,
  region: string,
  unconsumed: readonly OriginRecords[],
): OriginCount[] {
  const out: OriginCount[] = [];
  for (const u of unconsumed) {
    if (u.region === region) continue;
    const held = runs ? runs.countOriginBetween(u.region, u.fromOffset, u.toOffset) : 0;
    const records = Math.max(0, u.records - held);
    if (records > 0) out.push({ region: u.region, records });
  }
  return out;
}

/** The sum of counts. */
export function totalRecords(counts: readonly { records: number }[]): number {
  return counts.reduce((n, c) => n + c.records, 0);
}
