/**
 * Records of the origin index topic (`geomesh.<mesh>.index`, compacted, one partition, in each region's own
 * cluster). Version 1, text keys and JSON values:
 *
 * - run:        key `r1|<topic>|<partition>|<targetStart>`  value `{"l":length,"o":origin,"s":originStart}`
 *               (a run that grows is written again under the same key; compaction keeps the last)
 * - head:       key `h1|<topic>|<partition>`                value `{"t":through}`
 *               (every replicated record below `through` is in a run)
 * - checkpoint: key `c1|<region>|<group>`                   value `{"at":ms,"p":[[topic,partition,committed,
 *               [[origin,offset],...]],...],"u":[[[origin,from,to,records],...],...]}` (a peer's group
 *               frontiers, kept to translate while it is down; `u`, one entry per `p` entry, the records after
 *               each frontier: absent in a checkpoint of an older node, which an older node ignores)
 *
 * A pruned run gets a tombstone (null value) under its key. Topic names cannot contain `|`; group names can,
 * so a checkpoint key keeps everything after the second `|` as the group. Unknown versions are skipped, so a
 * newer node's records do not break an older one.
 */

import type { Run } from './partition-runs.ts';
import type { OriginRecords } from './replication-gap.ts';

export type IndexRecord =
  | { kind: 'run'; topic: string; partition: number; run: Run }
  | { kind: 'run-deleted'; topic: string; partition: number; targetStart: number }
  | { kind: 'head'; topic: string; partition: number; through: number }
  | { kind: 'checkpoint'; checkpoint: GroupCheckpoint }
  | { kind: 'checkpoint-deleted'; region: string; group: string };

/** The frontiers of one group in its home region at one time. */
export interface GroupCheckpoint {
  region: string;
  group: string;
  computedAtMs: number;
  partitions: CheckpointPartition[];
}

export interface CheckpointPartition {
  topic: string;
  partition: number;
  committedOffset: number;
  frontier: { region: string; offset: number }[];
  /** Per origin: the records held after the frontier (replication-gap.ts); unknown unless counted. */
  unconsumed?: OriginRecords[];
  unconsumedCounted?: boolean;
}

export interface EncodedIndexRecord {
  key: string;
  value: string | null;
}

/** The index topic's name for a mesh (internal: `geomesh.` names are never replicated). */
export function indexTopicName(mesh: string): string {
  return `geomesh.${mesh}.index`;
}

export function encodeIndexRecordV1(record: IndexRecord): EncodedIndexRecord {
  switch (record.kind) {
    case 'run':
      return {
        key: `r1|${record.topic}|${record.partition}|${record.run.targetStart}`,
        value: JSON.stringify({ l: record.run.length, o: record.run.origin, s: record.run.originStart }),
      };
    case 'run-deleted':
      return { key: `r1|${record.topic}|${record.partition}|${record.targetStart}`, value: null };
    case 'head':
      return { key: `h1|${record.topic}|${record.partition}`, value: JSON.stringify({ t: record.through }) };
    case 'checkpoint': {
      const c = record.checkpoint;
      return {
        key: `c1|${c.region}|${c.group}`,
        value: JSON.stringify({
          at: c.computedAtMs,
          p: c.partitions.map((p) => [
            p.topic,
            p.partition,
            p.committedOffset,
            p.frontier.map((f) => [f.region, f.offset]),
          ]),
          ...(c.partitions.every((p) => p.unconsumedCounted)
            ? {
                u: c.partitions.map((p) =>
                  (p.unconsumed ?? []).map((u) => [u.region, u.fromOffset, u.toOffset, u.records]),
                ),
              }
            : {}),
        }),
      };
    }
    case 'checkpoint-deleted':
      return { key: `c1|${record.region}|${record.group}`, value: null };
  }
}

const isOffset = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= -1;

/** Decodes one record; undefined for a key of an unknown version or a value that does not parse. */
export function decodeIndexRecordV1(key: string, value: string | null): IndexRecord | undefined {
  const parts = key.split('|');
  const kind = parts[0];
  try {
    if (kind === 'r1' && parts.length === 4) {
      const [, topic, p, s] = parts as [string, string, string, string];
      const partition = Number(p);
      const targetStart = Number(s);
      if (!topic || !Number.isSafeInteger(partition) || !Number.isSafeInteger(targetStart)) return undefined;
      if (value === null) return { kind: 'run-deleted', topic, partition, targetStart };
      const v = JSON.parse(value) as { l?: unknown; o?: unknown; s?: unknown };
      if (!isOffset(v.l) || v.l < 1 || typeof v.o !== 'string' || !isOffset(v.s) || v.s < 0) return undefined;
      return {
        kind: 'run',
        topic,
        partition,
        run: { targetStart, length: v.l, origin: v.o, originStart: v.s },
      };
    }
    if (kind === 'h1' && parts.length === 3) {
      const [, topic, p] = parts as [string, string, string];
      const partition = Number(p);
      if (!topic || !Number.isSafeInteger(partition) || value === null) return undefined;
      const v = JSON.parse(value) as { t?: unknown };
      if (!isOffset(v.t)) return undefined;
      return { kind: 'head', topic, partition, through: v.t };
    }
    if (kind === 'c1' && parts.length >= 3) {
      const region = parts[1]!;
      const group = parts.slice(2).join('|');
      if (value === null) return { kind: 'checkpoint-deleted', region, group };
      const v = JSON.parse(value) as { at?: unknown; p?: unknown; u?: unknown };
      if (!Number.isSafeInteger(v.at) || !Array.isArray(v.p)) return undefined;
      const unconsumed = decodeUnconsumed(v.u, v.p.length);
      const partitions: CheckpointPartition[] = [];
      for (const entry of v.p as unknown[]) {
        if (!Array.isArray(entry) || entry.length !== 4) return undefined;
        const [topic, partition, committedOffset, frontier] = entry as [unknown, unknown, unknown, unknown];
        if (typeof topic !== 'string' || !Number.isSafeInteger(partition) || !isOffset(committedOffset))
          return undefined;
        if (!Array.isArray(frontier)) return undefined;
        const f: { region: string; offset: number }[] = [];
        for (const pair of frontier as unknown[]) {
          if (!Array.isArray(pair) || typeof pair[0] !== 'string' || !isOffset(pair[1])) return undefined;
          f.push({ region: pair[0], offset: pair[1] });
        }
        const u = unconsumed?.[partitions.length];
        partitions.push({
          topic,
          partition: partition as number,
          committedOffset,
          frontier: f,
          ...(u ? { unconsumed: u, unconsumedCounted: true } : {}),
        });
      }
      return { kind: 'checkpoint', checkpoint: { region, group, computedAtMs: v.at as number, partitions } };
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** A checkpoint's `u`: one list of [origin, from, to, records] per partition; undefined when absent or bad. */
function decodeUnconsumed(u: unknown, partitions: number): OriginRecords[][] | undefined {
  if (!Array.isArray(u) || u.length !== partitions) return undefined;
  const out: OriginRecords[][] = [];
  for (const entry of u as unknown[]) {
    if (!Array.isArray(entry)) return undefined;
    const list: OriginRecords[] = [];
    for (const r of entry as unknown[]) {
      if (
        !Array.isArray(r) ||
        typeof r[0] !== 'string' ||
        !isOffset(r[1]) ||
        !isOffset(r[2]) ||
        !isOffset(r[3])
      )
        return undefined;
      list.push({ region: r[0], fromOffset: r[1], toOffset: r[2], records: r[3] });
    }
    out.push(list);
  }
  return out;
}
