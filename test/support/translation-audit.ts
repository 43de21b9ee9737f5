/**
 * Checking an offset translation against the real logs of both regions: reads a topic's records with their
 * verified origins, commits a group's offsets, and counts what a consumer resuming at the translated offsets
 * would lose or see twice (with and without the frontier filter).
 */
import assert from 'node:assert/strict';
import type { Kafka } from 'kafkajs';
import { commitGroupOffsets, readPartitionRanges } from '../../node/kafka/index.ts';
import { decodeOriginHeaders, provenanceKeyObject } from '../../node/replication/index.ts';
import type { Translation } from '../../node/translation-service/index.ts';
import { FrontierFilter } from '../../node/translation/index.ts';

/** One record of a region's log as the check sees it. */
export interface LoggedRecord {
  offset: number;
  id: string;
  origin: string;
  originOffset: number;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, unknown>;
}

/** Per partition, its records in offset order. */
export type TopicLog = Map<number, LoggedRecord[]>;

/** The mesh whose records are read: its name, provenance key and the topic's partition count. */
export interface LogOptions {
  mesh: string;
  key: Buffer;
  partitions: number;
}

/** Reads a topic of a region: per partition, its records in offset order. */
export async function readTopicLog(
  kafka: Kafka,
  region: string,
  topic: string,
  options: LogOptions,
): Promise<TopicLog> {
  const logs: TopicLog = new Map();
  const from = new Map(Array.from({ length: options.partitions }, (_, p) => [p, 0]));
  const key = provenanceKeyObject(options.key);
  await readPartitionRanges(kafka, topic, from, (r) => {
    const p = decodeOriginHeaders(r.headers, key, options.mesh, r);
    const list = logs.get(r.partition) ?? [];
    list.push({
      offset: r.offset,
      id: r.value?.toString() ?? '',
      origin: p.kind === 'replicated' ? p.origin.region : region,
      originOffset: p.kind === 'replicated' ? p.origin.offset : r.offset,
      timestamp: r.timestamp,
      key: r.key,
      value: r.value,
      headers: r.headers,
    });
    logs.set(r.partition, list);
  });
  for (const list of logs.values()) list.sort((x, y) => x.offset - y.offset);
  return logs;
}

/** Sets a group's committed offsets in a region (the group has no members): offsets[p] for partition p. */
export function commitOffsets(kafka: Kafka, group: string, topic: string, offsets: number[]): Promise<void> {
  return commitGroupOffsets(
    kafka,
    group,
    offsets.map((offset, partition) => ({ topic, partition, offset })),
  );
}

export interface TranslationOutcome {
  lost: number;
  plainDuplicates: number;
  duplicatesWithFilter: number;
  alreadySeenReported: number;
}

/**
 * Checks a translation against the two logs: what a consumer starting there would see. Asserts that the
 * answer names the committed offsets and that the filter skips nothing the group did not consume.
 */
export function checkTranslation(
  translation: Translation,
  fromLog: TopicLog,
  toLog: TopicLog,
  committed: number[],
  options: LogOptions,
): TranslationOutcome {
  const outcome: TranslationOutcome = {
    lost: 0,
    plainDuplicates: 0,
    duplicatesWithFilter: 0,
    alreadySeenReported: 0,
  };
  const filter = new FrontierFilter({
    mesh: options.mesh,
    region: translation.toRegion,
    provenanceKey: options.key,
    frontiers: new Map(
      translation.partitions.map((p) => [
        `${p.topic}/${p.partition}`,
        new Map(p.frontier.map((f) => [f.region, f.offset])),
      ]),
    ),
  });
  for (const p of translation.partitions) {
    assert.equal(p.sourceOffset, committed[p.partition], 'the answer names the committed offset');
    const consumed = new Set(
      (fromLog.get(p.partition) ?? []).filter((r) => r.offset < p.sourceOffset).map((r) => r.id),
    );
    outcome.alreadySeenReported += p.alreadySeen;
    for (const r of toLog.get(p.partition) ?? []) {
      const isConsumed = consumed.has(r.id);
      if (r.offset < p.targetOffset) {
        if (!isConsumed) outcome.lost++;
        continue;
      }
      if (isConsumed) outcome.plainDuplicates++;
      const isSkipped = filter.isAlreadySeen(p.topic, p.partition, {
        offset: String(r.offset),
        timestamp: r.timestamp,
        key: r.key,
        value: r.value,
        headers: r.headers as Record<string, Buffer>,
      });
      if (isConsumed && !isSkipped) outcome.duplicatesWithFilter++;
      assert.ok(!(isSkipped && !isConsumed), `the filter skipped ${r.id}, which the group never consumed`);
    }
  }
  return outcome;
}
