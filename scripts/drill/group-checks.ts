/**
 * What a consumer group sees after it moved between regions, counted against the real logs (pure): the records
 * it consumed before the move, where it resumes, and every record that exists; lost = records it neither
 * consumed nor will read, duplicates = records a plain consumer reads again.
 */
import type { TopicLog } from '../../test/support/translation-audit.ts';

/** Ids `<region>:<seq>` of the records of `log` before `offsets[p]` in each partition p. */
export function idsBefore(log: TopicLog, offsets: readonly number[]): Set<string> {
  const ids = new Set<string>();
  for (const [p, records] of log) for (const r of records) if (r.offset < (offsets[p] ?? 0)) ids.add(r.id);
  return ids;
}

/** Every id in `log`, with how many copies it holds. */
export function copiesIn(log: TopicLog): Map<string, number> {
  const copies = new Map<string, number>();
  for (const records of log.values()) for (const r of records) copies.set(r.id, (copies.get(r.id) ?? 0) + 1);
  return copies;
}

/** Ids `<region>:<seq>` for seq in [from, to). */
export function sequenceIds(region: string, from: number, to: number): string[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => `${region}:${from + i}`);
}

/** Ids of the records each region's writer acknowledged: `acked[region]` records, sequences from 0. */
export function acknowledgedIds(acked: Readonly<Record<string, number>>): string[] {
  return Object.entries(acked).flatMap(([region, count]) => sequenceIds(region, 0, count));
}

/** The log's end offset per partition (the offset after its last record; 0 for an empty partition). */
export function logEnds(log: TopicLog, partitions: number): number[] {
  return Array.from({ length: partitions }, (_, p) => {
    const records = log.get(p) ?? [];
    return records.length === 0 ? 0 : records[records.length - 1]!.offset + 1;
  });
}

export interface ResumeOutcome {
  /** Records that exist and the group neither consumed nor reads from where it resumes. */
  lost: number;
  /** Records a plain consumer reads again from where it resumes (the group consumed them before). */
  duplicates: number;
  /** Records read from where it resumes. */
  read: number;
  /** The first few lost ids, for the report. */
  firstLost: string[];
}

/**
 * A group that consumed `consumed` and resumes in `target` at `offsets`: every id of `expected` must be in
 * `consumed` or read from there.
 */
export function resumeOutcome(
  consumed: ReadonlySet<string>,
  target: TopicLog,
  offsets: readonly number[],
  expected: Iterable<string>,
): ResumeOutcome {
  const read = new Set<string>();
  let duplicates = 0;
  let count = 0;
  for (const [p, records] of target)
    for (const r of records) {
      if (r.offset < (offsets[p] ?? 0)) continue;
      count++;
      if (consumed.has(r.id)) duplicates++;
      read.add(r.id);
    }
  const firstLost: string[] = [];
  let lost = 0;
  for (const id of expected) {
    if (consumed.has(id) || read.has(id)) continue;
    lost++;
    if (firstLost.length < 5) firstLost.push(id);
  }
  return { lost, duplicates, read: count, firstLost };
}

/** Per origin region, how many of `ids` there are (`a:1`, `a:2`, `b:7` → a 2, b 1). */
export function countByOrigin(ids: Iterable<string>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const id of ids) {
    const origin = id.slice(0, id.indexOf(':'));
    counts[origin] = (counts[origin] ?? 0) + 1;
  }
  return counts;
}

/** `a 12, c 0` (origins sorted); `0` when there is none. */
export function describeByOrigin(counts: Readonly<Record<string, number>>): string {
  const entries = Object.entries(counts).sort(([x], [y]) => x.localeCompare(y));
  return entries.length === 0 ? '0' : entries.map(([o, n]) => `${o} ${n}`).join(', ');
}

/** Ids of the records of `log` at offsets in [from[p], to[p]) of each partition p. */
export function idsBetween(log: TopicLog, from: readonly number[], to: readonly number[]): Set<string> {
  const ids = new Set<string>();
  for (const [p, records] of log)
    for (const r of records) if (r.offset >= (from[p] ?? 0) && r.offset < (to[p] ?? 0)) ids.add(r.id);
  return ids;
}

/** Of `ids`, how many `copies` lacks and how many it holds more than once (extra copies). */
export function exactlyOnce(
  ids: Iterable<string>,
  copies: ReadonlyMap<string, number>,
): { records: number; missing: number; extra: number } {
  const result = { records: 0, missing: 0, extra: 0 };
  for (const id of ids) {
    result.records++;
    const n = copies.get(id) ?? 0;
    if (n === 0) result.missing++;
    else result.extra += n - 1;
  }
  return result;
}
