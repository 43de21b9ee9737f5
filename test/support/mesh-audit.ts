/**
 * Writers and auditors for end-to-end replication tests: produce uniquely numbered records in a region, then
 * read every record of a topic in a region and account for each one (origin, sequence, duplicates, loops).
 */
import type { Kafka } from 'kafkajs';
import { readPartitionRanges } from '../../node/kafka/index.ts';
import type { SourceRecord } from '../../node/replication/index.ts';
import { decodeOriginHeaders, type ProvenanceKeys } from '../../node/replication/index.ts';

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
  // Recent (retention must not delete them) and distinct from the produce time.
  const baseTimestamp = Date.now() - 60_000;
  await producer.connect();
  try {
    for (let start = firstSeq; start < firstSeq + count; start += 500) {
      const messages = [];
      for (let seq = start; seq < Math.min(firstSeq + count, start + 500); seq++) {
        messages.push({
          partition: seq % partitions,
          // Every 10th record has a null key; headers repeat a key and carry binary; timestamps are set.
          key: seq % 10 === 0 ? null : `k-${seq % 97}`,
          value: `${region}:${seq}`,
          headers: {
            app: [`h-${seq}`, `again-${seq}`],
            bin: Buffer.from([seq & 0xff, 0, 0xff, (seq >> 8) & 0xff]),
          },
          timestamp: String(baseTimestamp + seq),
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
  /** The first few duplicates: where the second copy sits, and where the first one did. */
  firstDuplicates: { id: string; partition: number; offset: number; firstOffset: number }[];
  /** Records whose verified origin is this region itself (must be 0). */
  loops: number;
  /** Records whose value's region disagrees with their verified origin (must be 0). */
  misattributed: number;
  /** Per origin and partition: were sequences in increasing order? */
  isOrderKept: boolean;
  /** Record id `<region>:<seq>` → partition, key, value, timestamp and application headers, byte for byte. */
  fingerprints: Map<string, string>;
}

function hex(value: Buffer | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return (typeof value === 'string' ? Buffer.from(value) : value).toString('hex');
}

/** Everything of a record that replication must keep, except geomesh's own headers. */
function fingerprint(r: SourceRecord): string {
  const headers = Object.entries(r.headers)
    .filter(([name]) => !name.startsWith('geomesh.'))
    .map(([name, v]) => [name, (Array.isArray(v) ? v : [v]).map(hex)]);
  return JSON.stringify([r.partition, hex(r.key), hex(r.value), r.timestamp, headers]);
}

/** Reads every record of `topic` in a region and accounts for it. */
export async function auditTopic(
  kafka: Kafka,
  region: string,
  topic: string,
  mesh: string,
  /** One key, or a key set (e.g. both keys of a rotation). */
  key: Buffer | ProvenanceKeys,
  /** Read as a read_uncommitted consumer would (aborted transactions included); default read_committed. */
  options: { readUncommitted?: boolean } = {},
): Promise<RegionAudit> {
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const from = new Map(offsets.map((o) => [o.partition, Number(o.low)]));
  const audit: RegionAudit = {
    total: 0,
    byOrigin: new Map(),
    duplicates: 0,
    firstDuplicates: [],
    loops: 0,
    misattributed: 0,
    isOrderKept: true,
    fingerprints: new Map(),
  };
  const seen = new Map<string, number>();
  const lastSeq = new Map<string, number>();
  const records: { partition: number; offset: number; value: string; origin: string; isReplica: boolean }[] =
    [];
  await readPartitionRanges(
    kafka,
    topic,
    from,
    (r) => {
      const p = decodeOriginHeaders(r.headers, key, mesh, r);
      audit.fingerprints.set(r.value?.toString() ?? '', fingerprint(r));
      records.push({
        partition: r.partition,
        offset: r.offset,
        value: r.value?.toString() ?? '',
        origin: p.kind === 'replicated' ? p.origin.region : region,
        isReplica: p.kind === 'replicated',
      });
    },
    options,
  );
  records.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  for (const r of records) {
    audit.total++;
    const [valueRegion, seqText] = r.value.split(':');
    const seq = Number(seqText);
    if (r.isReplica && r.origin === region) audit.loops++;
    if (valueRegion !== r.origin) audit.misattributed++;
    const id = `${valueRegion}:${seq}`;
    const firstOffset = seen.get(id);
    if (firstOffset !== undefined) {
      audit.duplicates++;
      if (audit.firstDuplicates.length < 10)
        audit.firstDuplicates.push({ id, partition: r.partition, offset: r.offset, firstOffset });
    }
    seen.set(id, r.offset);
    const list = audit.byOrigin.get(valueRegion!) ?? [];
    list.push(seq);
    audit.byOrigin.set(valueRegion!, list);
    const orderKey = `${valueRegion}/${r.partition}`;
    if ((lastSeq.get(orderKey) ?? -1) >= seq) audit.isOrderKept = false;
    lastSeq.set(orderKey, seq);
  }
  return audit;
}
