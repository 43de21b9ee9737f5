/**
 * Writers and auditors for end-to-end replication tests: produce uniquely numbered records in a region, then
 * read every record of a topic in a region and account for each one (origin, sequence, duplicates, loops).
 */
import type { Kafka } from 'kafkajs';
import { readPartitionRanges } from '../../node/kafka/index.ts';
import { decodeOriginHeaders } from '../../node/replication/index.ts';

/**
 * Produces `count` records `<region>:<seq>` (seq from `firstSeq`) into `topic`, round-robin over `partitions`,
 * in batches.
 */
export async function produceNumbered(
  kafka: Kafka,
  region: string,
  topic: string,
  count: number,
  partitions: number,
  firstSeq = 0,
): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let start = firstSeq; start < firstSeq + count; start += 500) {
      const messages = [];
      for (let seq = start; seq < Math.min(firstSeq + count, start + 500); seq++) {
        messages.push({
          partition: seq % partitions,
          key: `k-${seq % 97}`,
          value: `${region}:${seq}`,
          headers: { app: `h-${seq}` },
        });
      }
      await producer.send({ topic, acks: -1, messages });
    }
  } finally {
    await producer.disconnect();
  }
}

export interface RegionAudit {
  total: number;
  /** origin region → sequences seen (by the value's `<region>:<seq>`). */
  byOrigin: Map<string, number[]>;
  duplicates: number;
  /** Records whose verified origin is this region itself (must be 0). */
  loops: number;
  /** Records whose value's region disagrees with their verified origin (must be 0). */
  misattributed: number;
  /** Per origin and partition: were sequences in increasing order? */
  isOrderKept: boolean;
}

/** Reads every record of `topic` in a region and accounts for it. */
export async function auditTopic(
  kafka: Kafka,
  region: string,
  topic: string,
  mesh: string,
  key: Buffer,
): Promise<RegionAudit> {
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const from = new Map(offsets.map((o) => [o.partition, Number(o.low)]));
  const audit: RegionAudit = {
    total: 0,
    byOrigin: new Map(),
    duplicates: 0,
    loops: 0,
    misattributed: 0,
    isOrderKept: true,
  };
  const seen = new Set<string>();
  const lastSeq = new Map<string, number>();
  const records: { partition: number; offset: number; value: string; origin: string; isReplica: boolean }[] =
    [];
  await readPartitionRanges(kafka, topic, from, (r) => {
    const p = decodeOriginHeaders(r.headers, key, mesh, r);
    records.push({
      partition: r.partition,
      offset: r.offset,
      value: r.value?.toString() ?? '',
      origin: p.kind === 'replicated' ? p.origin.region : region,
      isReplica: p.kind === 'replicated',
    });
  });
  records.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  for (const r of records) {
    audit.total++;
    const [valueRegion, seqText] = r.value.split(':');
    const seq = Number(seqText);
    if (r.isReplica && r.origin === region) audit.loops++;
    if (valueRegion !== r.origin) audit.misattributed++;
    const id = `${valueRegion}:${seq}`;
    if (seen.has(id)) audit.duplicates++;
    seen.add(id);
    const list = audit.byOrigin.get(valueRegion!) ?? [];
    list.push(seq);
    audit.byOrigin.set(valueRegion!, list);
    const orderKey = `${valueRegion}/${r.partition}`;
    if ((lastSeq.get(orderKey) ?? -1) >= seq) audit.isOrderKept = false;
    lastSeq.set(orderKey, seq);
  }
  return audit;
}
