/**
 * kafkajs 2.2.4 as patched by patches/kafkajs+2.2.4.patch: an uncompressed produce request's record batches
 * are written in one pass into one buffer (recordBatch/v0/plainBatch.js), and a request is framed with one copy
 * of its payload (protocol/request.js). Both must give the bytes kafkajs' own encoders give (Record, RecordBatch
 * and the produce request's partition encoder; the two-copy frame), for any records. A partition's records may come
 * encoded already (a `recordSet` message, node/replication/record-set.ts): the request then holds the bytes
 * kafkajs' own encoders give for those records, uncompressed and compressed, and such a message cannot share
 * its partition with another.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RecordSet } from '../../../../node/replication/index.ts';

const requireKafkajs = createRequire(import.meta.url);

type HeaderValue = Buffer | string;
interface Message {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, HeaderValue | HeaderValue[]>;
  timestamp?: string;
}
interface EncoderLike {
  buf: Buffer;
  offset: number;
  buffer: Buffer;
  size(): number;
  writeInt16(value: number): EncoderLike;
  writeInt32(value: number): EncoderLike;
  writeString(value: string | null): EncoderLike;
  writeEncoder(value: EncoderLike): EncoderLike;
  writeBufferInternal(value: Buffer): void;
}
type EncoderClass = new (initialSize?: number) => EncoderLike;

const Encoder = requireKafkajs('kafkajs/src/protocol/encoder.js') as EncoderClass;
const Record = requireKafkajs('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (
  r: Message & { offsetDelta: number; timestampDelta: number },
) => EncoderLike;
const { RecordBatch } = requireKafkajs('kafkajs/src/protocol/recordBatch/v0/index.js') as {
  RecordBatch(this: void, args: Record<string, unknown>): Promise<EncoderLike>;
};
const { encodePlainPartition } = requireKafkajs('kafkajs/src/protocol/recordBatch/v0/plainBatch.js') as {
  encodePlainPartition(this: void, args: Record<string, unknown>): EncoderLike;
};
const Long = requireKafkajs('kafkajs/src/utils/long.js') as { fromValue(v: unknown): unknown };
const createRequest = requireKafkajs('kafkajs/src/protocol/request.js') as (args: {
  correlationId: number;
  clientId: string;
  request: { apiKey: number; apiVersion: number; encode(): Promise<EncoderLike> };
}) => Promise<EncoderLike>;
const ProduceV3 = requireKafkajs('kafkajs/src/protocol/requests/produce/v3/request.js') as (
  args: Record<string, unknown>,
) => { apiKey: number; apiVersion: number; encode(): Promise<EncoderLike> };

/** kafkajs' unpatched partition encoder (produce v3), rebuilt from its parts. */
async function kafkajsPartition(args: {
  partition: number;
  compression?: number;
  messages: Message[];
  transactionalId: string | null;
  firstSequence: number;
  producerId: unknown;
  producerEpoch: number;
}): Promise<Buffer> {
  const dateNow = Date.now();
  const timestamps = args.messages
    .map((m) => m.timestamp)
    .filter((t) => t != null)
    .sort();
  const all = timestamps.length === 0 ? [dateNow] : timestamps;
  const firstTimestamp = all[0]!;
  const records = args.messages.map((m, i) =>
    Record({ ...m, offsetDelta: i, timestampDelta: Number(m.timestamp || dateNow) - Number(firstTimestamp) }),
  );
  const batch = await RecordBatch({
    compression: args.compression ?? 0,
    records,
    firstTimestamp,
    maxTimestamp: all[all.length - 1],
    producerId: args.producerId,
    producerEpoch: args.producerEpoch,
    firstSequence: args.firstSequence,
    transactional: !!args.transactionalId,
    lastOffsetDelta: records.length - 1,
  });
  return new Encoder().writeInt32(args.partition).writeInt32(batch.size()).writeEncoder(batch).buffer;
}

const bytes = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));
const field = fc.oneof(bytes, fc.string({ maxLength: 40 }), fc.constant(null));
const headerValue = fc.oneof(bytes, fc.string({ maxLength: 20 }));
const message = fc.record(
  {
    key: field,
    value: field,
    headers: fc.dictionary(
      fc.string({ minLength: 1, maxLength: 20 }),
      fc.oneof(headerValue, fc.array(headerValue, { minLength: 1, maxLength: 3 })),
      { maxKeys: 4, noNullPrototype: true },
    ),
    // 13 digits, as every timestamp since 2001: kafkajs orders them as strings, which is then numeric.
    timestamp: fc.integer({ min: 1_000_000_000_000, max: 9_999_999_999_999 }).map(String),
  },
  { requiredKeys: ['value'] },
);

describe('kafkajs plain record batch (patched)', () => {
  it('property: the bytes of kafkajs’ own record, batch and partition encoders, for any records', async (t) => {
    t.mock.method(Date, 'now', () => 1_765_000_000_000);
    await fc.assert(
      fc.asyncProperty(
        fc.array(message, { minLength: 1, maxLength: 40 }),
        fc.nat(1_000),
        fc.option(fc.constant('tx-1'), { nil: null }),
        fc.nat(2 ** 31 - 1),
        fc.bigInt({ min: -1n, max: 2n ** 62n }),
        fc.nat(32_767),
        async (messages, partition, transactionalId, firstSequence, id, producerEpoch) => {
          const args = {
            partition,
            messages,
            transactionalId,
            firstSequence,
            producerId: Long.fromValue(id),
            producerEpoch,
          };
          const plain = encodePlainPartition(args);
          assert.deepEqual(plain.buffer, await kafkajsPartition(args));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('a produce request takes the plain path for uncompressed records, framed in room left before it', async (t) => {
    t.mock.method(Date, 'now', () => 1_765_000_000_000);
    const topicData = [
      {
        topic: 'orders',
        partitions: [
          { partition: 0, firstSequence: 5, messages: [{ value: 'a', headers: { h: ['1', '2'] } }] },
          {
            partition: 3,
            firstSequence: 0,
            messages: [{ key: 'k', value: null, timestamp: '1765000000123' }],
          },
        ],
      },
      { topic: 'ünïcode', partitions: [{ partition: 1, firstSequence: 0, messages: [{ value: 'x' }] }] },
    ];
    const common = { transactionalId: null, producerId: Long.fromValue(42n), producerEpoch: 3 };
    const request = ProduceV3({ acks: -1, timeout: 30_000, compression: 0, topicData, ...common });
    const framed = await createRequest({ correlationId: 9, clientId: 'geomesh', request });

    // What unpatched kafkajs writes: its partition encoders, topic arrays and the two-copy frame.
    const payload = new Encoder()
      .writeString(null)
      .writeInt16(-1)
      .writeInt32(30_000)
      .writeInt32(topicData.length);
    for (const { topic, partitions } of topicData) {
      payload.writeString(topic).writeInt32(partitions.length);
      for (const p of partitions) payload.writeBufferInternal(await kafkajsPartition({ ...p, ...common }));
    }
    const header = new Encoder()
      .writeInt16(0)
      .writeInt16(3)
      .writeInt32(9)
      .writeString('geomesh')
      .writeEncoder(payload);
    const frame = new Encoder().writeInt32(header.size()).writeEncoder(header).buffer;
    assert.deepEqual(framed.buffer, frame);
  });

  it('property: a recordSet partition holds the bytes kafkajs encodes for its records, plain and gzip', async (t) => {
    t.mock.method(Date, 'now', () => 1_765_000_000_000);
    const asBuffer = (v: Buffer | string | null | undefined): Buffer | null =>
      v === null || v === undefined ? null : Buffer.from(v);
    await fc.assert(
      fc.asyncProperty(
        fc.array(message, { minLength: 1, maxLength: 40 }),
        fc.constantFrom(0, 1),
        fc.option(fc.constant('tx-1'), { nil: null }),
        fc.nat(2 ** 31 - 1),
        async (unsorted, compression, transactionalId, firstSequence) => {
          // kafkajs takes the smallest timestamp as the batch's first, the set its first record's: sorted,
          // they are the same. A message without one is stamped now, as kafkajs does.
          const messages = unsorted
            .map((m) => ({ ...m, timestamp: m.timestamp ?? String(Date.now()) }))
            .sort((a, b) => Number(a.timestamp) - Number(b.timestamp));
          const records = RecordSet.of(
            messages.map((m) => ({
              timestamp: m.timestamp,
              key: asBuffer(m.key),
              value: asBuffer(m.value),
              headers: m.headers ?? {},
            })),
          );
          const { buffer, count, firstTimestamp, maxTimestamp } = records;
          const common = { transactionalId, producerId: Long.fromValue(42n), producerEpoch: 3 };
          const request = ProduceV3({
            acks: -1,
            timeout: 30_000,
            compression,
            topicData: [
              {
                topic: 't',
                partitions: [
                  {
                    partition: 2,
                    firstSequence,
                    messages: [{ value: null, recordSet: { buffer, count, firstTimestamp, maxTimestamp } }],
                  },
                ],
              },
            ],
            ...common,
          });
          const expected = new Encoder()
            .writeString(transactionalId)
            .writeInt16(-1)
            .writeInt32(30_000)
            .writeInt32(1)
            .writeString('t')
            .writeInt32(1);
          expected.writeBufferInternal(
            await kafkajsPartition({ partition: 2, compression, messages, firstSequence, ...common }),
          );
          assert.deepEqual((await request.encode()).buffer, expected.buffer);
          // Framed: plain, the size and header go into room left before the payload; compressed, by copy.
          const framed = await createRequest({ correlationId: 7, clientId: 'geomesh', request });
          const header = new Encoder()
            .writeInt16(0)
            .writeInt16(3)
            .writeInt32(7)
            .writeString('geomesh')
            .writeEncoder(expected);
          assert.deepEqual(
            framed.buffer,
            new Encoder().writeInt32(header.size()).writeEncoder(header).buffer,
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses a recordSet message that shares its partition with another message', () => {
    const group = requireKafkajs('kafkajs/src/producer/groupMessagesPerPartition.js') as (args: {
      topic: string;
      partitionMetadata: unknown[];
      messages: unknown[];
      partitioner: (args: { message: { partition: number } }) => number;
    }) => Record<number, unknown[]>;
    const recordSet = RecordSet.of([{ timestamp: '1', key: null, value: Buffer.from('v'), headers: {} }]);
    const args = {
      topic: 't',
      partitionMetadata: [{ partitionId: 0 }, { partitionId: 1 }],
      partitioner: ({ message }: { message: { partition: number } }) => message.partition,
    };
    const set = { partition: 1, value: null, recordSet };
    assert.deepEqual(group({ ...args, messages: [set, { partition: 0, value: 'x' }] })[1], [set]);
    assert.throws(() => group({ ...args, messages: [set, { partition: 1, value: 'x' }] }), /recordSet/);
  });
});
