/**
 * The replication gap of a failover's answer (pure): per group and in total, the records the source region
 * held after each group's frontier that the target does not hold yet, by origin region
 * (node/translation/replication-gap.ts counts them; a translation carries them as `notReplicated`). A
 * partition whose count is unknown (a node older than the count) makes its group's gap unknown, never 0.
 */
import type { FailoverResponse, TranslateOffsetsResponse } from '../rpc/index.ts';

/** The gap of one group, or of a whole answer. */
export interface ReplicationGap {
  /** Records not replicated yet, summed over the counted partitions. */
  records: number;
  /** The same, per origin region (origins with none left out). */
  byOrigin: Record<string, number>;
  /** Partitions whose count is unknown (0: the count is complete). */
  uncounted: number;
}

const EMPTY: ReplicationGap = { records: 0, byOrigin: {}, uncounted: 0 };

function add(into: ReplicationGap, origin: string, records: number): void {
  into.records += records;
  into.byOrigin[origin] = (into.byOrigin[origin] ?? 0) + records;
}

/** The gap of one translation. */
export function gapOfTranslation(t: Pick<TranslateOffsetsResponse, 'partitions'>): ReplicationGap {
  const gap: ReplicationGap = { records: 0, byOrigin: {}, uncounted: 0 };
  for (const p of t.partitions) {
    if (!p.notReplicatedCounted) gap.uncounted++;
    for (const c of p.notReplicated ?? []) add(gap, c.region, c.records);
  }
  return gap;
}

/** The gap of every translated group of an answer. */
export function gapOfResponse(response: FailoverResponse): ReplicationGap {
  const total: ReplicationGap = { ...EMPTY, byOrigin: {} };
  for (const g of response.groups) {
    if (!g.translation) continue;
    const gap = gapOfTranslation(g.translation);
    total.uncounted += gap.uncounted;
    for (const [origin, n] of Object.entries(gap.byOrigin)) add(total, origin, n);
  }
  return total;
}

/** `12 (east 10, north 2)`, `0`, or `unknown` when a partition was not counted. */
export function describeGap(gap: ReplicationGap): string {
  if (gap.uncounted > 0) return gap.records > 0 ? `≥ ${gap.records} (some unknown)` : 'unknown';
  const origins = Object.entries(gap.byOrigin).sort(([a], [b]) => a.localeCompare(b));
  return gap.records === 0 ? '0' : `${gap.records} (${origins.map(([o, n]) => `${o} ${n}`).join(', ')})`;
}

/**
 * One line per partition with records not replicated yet, at most `shown` of them:
 * `  billing orders/3: east 12, north 2`.
 */
export function gapLines(response: FailoverResponse, shown: number): string[] {
  const lines: string[] = [];
  for (const g of response.groups) {
    for (const p of g.translation?.partitions ?? []) {
      const counts = (p.notReplicated ?? []).filter((c) => c.records > 0);
      if (counts.length === 0) continue;
      lines.push(
        `  ${g.group} ${p.topic}/${p.partition}: ${counts.map((c) => `${c.region} ${c.records}`).join(', ')}`,
      );
    }
  }
  if (lines.length <= shown) return lines;
  return [
    ...lines.slice(0, shown),
    `  … and ${lines.length - shown} more partitions (--json lists every one)`,
  ];
}
