/**
 * The data path's CPU per record without brokers: a fetched record batch decoded by kafkajs (as the consumer
 * does), the link's per-record rule, origin headers and marks (a real LinkReplicator, its observer feeding
 * the real metrics), the sink's produce request encoded and framed by kafkajs (as the producer does), the
 * answer taken as success. Deterministic work, so two versions compare well under a whole-process timer.
 *
 *   node scripts/bench/data-path-cpu.ts [--size 100] [--records 300000] [--batch 500] [--partitions 6]
 *
 * Prints records/s of this process (CPU-bound, one thread). Not a figure of a node against Kafka.
 */
import { createRequire } from 'node:module';
import { parseScriptArgs } from '../script-args.ts';
import { Registry } from 'prom-client';
import type { Kafka } from 'kafkajs';
import { KafkaRecordSink } from '../../node/kafka/index.ts';
import { silentLogger } from '../../node/log/index.ts';
import { LINK_OPTION_DEFAULTS } from '../../topology/index.ts';
import { createReplicationMetrics } from '../../node/observability/index.ts';
import { linkObserver } from '../../node/region/link-observer.ts';
import {
  LinkReplicator,
  OriginHighwater,
  PackedRecords,
  provenanceKeyObject,
  type BatchOutcome,
  type DecodedRecord,
  type RecordSource,
  type SourceBatch,
} from '../../node/replication/index.ts';

const { values } = parseScriptArgs('data-path-cpu', {
  options: {
    size: { type: 'string', default: '100' },
    records: { type: 'string', default: '300000' },
    batch: { type: 'string', default: '500' },
    partitions: { type: 'string', default: '6' },
  },
});
/** `--name`'s value as a whole number ≥ 1, or a clear error (exit 2). */
function wholeNumber(name: string, text: string): number {
  const n = Number(text.replaceAll('_', ''));
  if (!Number.isInteger(n) || n < 1) {
    console.error(`--${name} must be a whole number ≥ 1, got "${text}"`);
    process.exit(2);
  }
  return n;
}
const size = wholeNumber('size', values.size);
const total = wholeNumber('records', values.records);
const perBatch = wholeNumber('batch', values.batch);
const partitions = wholeNumber('partitions', values.partitions);

const kafkajsRequire = createRequire(import.meta.url);
type Encoded = { buffer: Buffer; size(): number };
const Record = kafkajsRequire('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (
  r: object,
) => Encoded;
const { RecordBatch } = kafkajsRequire('kafkajs/src/protocol/recordBatch/v0/index.js') as {
  RecordBatch(this: void, args: object): Promise<Encoded>;
};
const decodeRecordBatch = kafkajsRequire('kafkajs/src/protocol/recordBatch/v0/decoder.js') as (
  decoder: object,
) => Promise<{
  records: { offset: string; timestamp: string; key: Buffer | null; value: Buffer | null; headers: object }[];
}>;
const Decoder = kafkajsRequire('kafkajs/src/protocol/decoder.js') as new (b: Buffer) => object;
const ProduceV3 = kafkajsRequire('kafkajs/src/protocol/requests/produce/v3/request.js') as (a: object) => {
  apiKey: number;
  apiVersion: number;
  encode(): Promise<Encoded>;
};
const createRequest = kafkajsRequire('kafkajs/src/protocol/request.js') as (a: object) => Promise<Encoded>;

/** One record batch as a broker would send it: `perBatch` local records of `size` random-ish bytes. */
async function fetchedBatch(firstOffset: number): Promise<Buffer> {
  const now = Date.now();
  const records = [];
  for (let i = 0; i < perBatch; i++) {
    const value = Buffer.alloc(size, (firstOffset + i) % 251);
    records.push(Record({ offsetDelta: i, timestampDelta: i, key: null, value, headers: {} }));
  }
  const batch = await RecordBatch({
    records,
    firstOffset: BigInt(firstOffset),
    firstTimestamp: now,
    maxTimestamp: now + perBatch,
    lastOffsetDelta: perBatch - 1,
  });
  return batch.buffer;
}

/** A kafkajs client whose producer encodes and frames each produce request, and answers it at once. */
function encodingKafka(): Kafka {
  let correlationId = 0;
  const offsets = new Map<string, number>();
  const producer = {
    connect: () => Promise.resolve(),
    disconnect: () => Promise.resolve(),
    async sendBatch({
      topicMessages,
    }: {
      topicMessages: { topic: string; messages: { partition: number }[] }[];
    }) {
      const topicData = topicMessages.map(({ topic, messages }) => {
        const byPartition = new Map<number, object[]>();
        for (const m of messages) {
          let list = byPartition.get(m.partition);
          if (!list) byPartition.set(m.partition, (list = []));
          list.push(m);
        }
        return {
          topic,
          partitions: [...byPartition].map(([partition, list]) => ({
            partition,
            firstSequence: 0,
            messages: list,
          })),
        };
      });
      const request = ProduceV3({
        acks: -1,
        timeout: 30_000,
        compression: 0,
        topicData,
        producerId: 7n,
        producerEpoch: 0,
      });
      const framed = await createRequest({ correlationId: ++correlationId, clientId: 'geomesh', request });
      if (framed.size() === 0) throw new Error('empty request');
      return topicData.flatMap(({ topic, partitions: ps }) =>
        ps.map(({ partition, messages }) => {
          const key = `${topic}/${partition}`;
          const base = offsets.get(key) ?? 0;
          // A message carries a write's records encoded (recordSet), or is one record.
          const count = messages.reduce(
            (n, m: { recordSet?: { count: number } }) => n + (m.recordSet?.count ?? 1),
            0,
          );
          offsets.set(key, base + count);
          return { topicName: topic, partition, errorCode: 0, baseOffset: String(base) };
        }),
      );
    },
  };
  return { producer: () => producer } as unknown as Kafka;
}

async function main(): Promise<void> {
  const batches = await Promise.all(Array.from({ length: 4 }, (_, i) => fetchedBatch(i * perBatch)));
  let onBatch: ((batch: SourceBatch) => Promise<BatchOutcome>) | undefined;
  const source = {
    start: (_t: unknown, _p: unknown, handle: (b: SourceBatch) => Promise<BatchOutcome>) => {
      onBatch = handle;
      return Promise.resolve();
    },
    stop: () => Promise.resolve(),
    pausePartitions: () => undefined,
    resumePartition: () => undefined,
    update: () => Promise.resolve(),
    readingState: () => ({ isJoined: true, assigned: new Map(), paused: new Map() }),
    partitionOffsets: () => Promise.resolve({ logStart: 0, logEnd: 0 }),
    topicOffsets: () => Promise.resolve(new Map()),
    committedOffset: () => undefined,
  } as unknown as RecordSource;
  const metrics = createReplicationMetrics(new Registry());
  const link = new LinkReplicator({
    mesh: 'bench',
    link: { from: 'a', to: 'b', forwardsOrigin: (o) => o === 'a' },
    topics: ['t'],
    source,
    sink: new KafkaRecordSink(encodingKafka()),
    highwater: new OriginHighwater(),
    provenanceKey: provenanceKeyObject(Buffer.alloc(32, 7)),
    logger: silentLogger(),
    truncationCheckIntervalMs: 0,
    maxBatchBytes: LINK_OPTION_DEFAULTS.maxBatchBytes,
    observer: linkObserver(metrics, 'a', 'b'),
  });
  await link.start();
  const started = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  let done = 0;
  const next = new Array<number>(partitions).fill(0);
  while (done < total) {
    // One batch of every partition at once, as the consumer hands them over (partitionsConsumedConcurrently).
    await Promise.all(
      next.map(async (offset, partition) => {
        const { records } = await decodeRecordBatch(
          new Decoder(batches[(offset / perBatch) % batches.length]!),
        );
        const outcome = await onBatch!({
          topic: 't',
          partition,
          // Packed as the source packs what kafkajs decoded (node/kafka/kafka-record-io.ts).
          records: PackedRecords.pack(
            't',
            partition,
            records.map((m, i) => {
              // Offsets go on past the few batches reused, or the marks would drop them as duplicates.
              m.offset = String(offset + i);
              return m as DecodedRecord;
            }),
          ),
          highWatermark: offset + perBatch,
        });
        if (outcome.kind !== 'done') throw new Error(`batch not written: ${outcome.kind}`);
        next[partition] = offset + perBatch;
      }),
    );
    done += perBatch * partitions;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  await link.stop();
  console.log(
    `${size} B × ${done}: ${Math.round(done / seconds)} records/s, ` +
      `${((cpu.user + cpu.system) / done).toFixed(2)} µs CPU/record (this process, start-up excluded)`,
  );
}

await main();
