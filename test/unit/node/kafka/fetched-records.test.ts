/**
 * A fetched partition read in place (the consumer's `fetchedRecords` mode, patched into kafkajs, and
 * node/kafka/fetched-records.ts) must give what kafkajs' own decoding gives, packed as before: the same
 * records (offset, timestamp, key, value, headers), the same batch offsets and emptiness for the runner, for
 * any record batches, control batches, log-append time and a partial batch at the end. What it cannot read in
 * place (compressed batches, aborted transactions to filter) is decoded by kafkajs as before.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { FetchedRecords as FetchedLayout } from 'kafkajs';
import { FetchedRecords } from '../../../../node/kafka/fetched-records.ts';
import { PackedRecords, type DecodedRecord } from '../../../../node/replication/index.ts';
import { bytes, headerName } from '../../../support/record-arbitraries.ts';

const requireKafkajs = createRequire(import.meta.url);

type KafkajsHeaders = Record<string, Buffer | Buffer[]>;
interface Encoded {
  buffer: Buffer;
}
const encodeRecord = requireKafkajs('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (r: {
  offsetDelta: number;
  timestampDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: KafkajsHeaders;
}) => Encoded;
const { RecordBatch } = requireKafkajs('kafkajs/src/protocol/recordBatch/v0/index.js') as {
  RecordBatch(this: void, args: Record<string, unknown>): Promise<Encoded>;
};
const Decoder = requireKafkajs('kafkajs/src/protocol/decoder.js') as new (b: Buffer) => unknown;
const decodeMessages = requireKafkajs('kafkajs/src/protocol/requests/fetch/v4/decodeMessages.js') as (
  decoder: unknown,
) => Promise<unknown[]>;
interface KafkajsBatch {
  messages: DecodedRecord[];
  fetchedRecords?: FetchedLayout;
  decode(): Promise<void> | undefined;
  isEmpty(): boolean;
  isEmptyIncludingFiltered(): boolean;
  isEmptyDueToFiltering(): boolean;
  isEmptyControlRecord(): boolean;
  isEmptyDueToLogCompactedMessages(): boolean;
  firstOffset(): string | null;
  lastOffset(): string;
  offsetLag(): string;
  offsetLagLow(): string;
}
const Batch = requireKafkajs('kafkajs/src/consumer/batch.js') as new (
  topic: string,
  fetchedOffset: string,
  partitionData: Record<string, unknown>,
  options?: { fetchedRecords: boolean },
) => KafkajsBatch;

const CONTROL = 0x20;
const LOG_APPEND_TIME = 0x08;

interface BatchSpec {
  records: {
    key: Buffer | null;
    value: Buffer | null;
    headers: [string, Buffer][];
    timestampDelta: number;
  }[];
  control: boolean;
  logAppendTime: boolean;
  gap: number;
}

const batchSpec: fc.Arbitrary<BatchSpec> = fc.record({
  records: fc.array(
    fc.record({
      key: fc.option(bytes, { nil: null }),
      value: fc.option(bytes, { nil: null }),
      headers: fc.array(fc.tuple(fc.oneof(headerName, fc.constantFrom('geomesh.o', 'geomesh.t')), bytes), {
        maxLength: 4,
      }),
      timestampDelta: fc.integer({ min: -1_000, max: 1_000_000 }),
    }),
    { maxLength: 12 },
  ),
  control: fc.boolean(),
  logAppendTime: fc.boolean(),
  // Offsets a compaction removed before the batch.
  gap: fc.nat(3),
});

/** Record batches back to back, as a fetch response holds a partition's records; and the offset after them. */
async function encodeBatches(specs: readonly BatchSpec[], firstOffset: number, compressed = false) {
  let offset = firstOffset;
  const encoded: Buffer[] = [];
  for (const spec of specs) {
    offset += spec.gap;
    const records = spec.records.map((r, i) => {
      const headers: KafkajsHeaders = Object.create(null) as KafkajsHeaders;
      for (const [name, value] of r.headers) {
        const current = headers[name];
        headers[name] = current === undefined ? [value] : [...(current as Buffer[]), value];
      }
      return encodeRecord({
        offsetDelta: i,
        timestampDelta: r.timestampDelta,
        key: r.key,
        value: r.value,
        headers,
      });
    });
    const batch = await RecordBatch({
      records,
      compression: compressed ? 1 : 0,
      firstOffset: BigInt(offset),
      firstTimestamp: 1_765_000_000_000,
      maxTimestamp: 1_765_000_999_000,
      lastOffsetDelta: Math.max(0, records.length - 1),
    });
    // Attributes (bytes 21–22): kafkajs' encoder writes no control or log-append-time flag; the decoders do
    // not check the CRC, so the flags are set after.
    const attributes = batch.buffer.readInt16BE(21);
    batch.buffer.writeInt16BE(
      attributes | (spec.control ? CONTROL : 0) | (spec.logAppendTime ? LOG_APPEND_TIME : 0),
      21,
    );
    encoded.push(batch.buffer);
    offset += Math.max(1, spec.records.length);
  }
  return { body: Buffer.concat(encoded), end: offset };
}

/** The partition's batch as a fetch leaves it (deferred), read in place or decoded. */
async function fetched(
  body: Buffer,
  fetchedOffset: number,
  highWatermark: number,
  fetchedRecords: boolean,
  abortedTransactions: unknown[] = [],
): Promise<KafkajsBatch> {
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  const messages = await decodeMessages(new Decoder(Buffer.concat([size, body])));
  const batch = new Batch(
    't',
    String(fetchedOffset),
    { partition: 3, highWatermark: String(highWatermark), messages, abortedTransactions },
    { fetchedRecords },
  );
  await batch.decode();
  return batch;
}

const runnerView = (b: KafkajsBatch) => ({
  isEmpty: b.isEmpty(),
  isEmptyIncludingFiltered: b.isEmptyIncludingFiltered(),
  isEmptyDueToFiltering: b.isEmptyDueToFiltering(),
  isEmptyControlRecord: b.isEmptyControlRecord(),
  isEmptyDueToLogCompactedMessages: b.isEmptyDueToLogCompactedMessages(),
  firstOffset: b.firstOffset(),
  lastOffset: b.lastOffset(),
  offsetLag: b.offsetLag(),
  offsetLagLow: b.offsetLagLow(),
});

describe('fetched records read in place (kafkajs fetchedRecords mode)', () => {
  it('property: the records, offsets and emptiness kafkajs decoding gives, for any batches and cut', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(batchSpec, { minLength: 1, maxLength: 4 }),
        fc.nat(2 ** 40),
        fc.nat(40),
        fc.nat(200),
        async (specs, firstOffset, skip, cut) => {
          const { body: whole, end } = await encodeBatches(specs, firstOffset);
          // A fetch may end inside a batch (maxBytes): that batch is left out by both. (kafkajs reads the
          // magic byte of the first batch, at 16, before anything else: at least that much is fetched.)
          const body = whole.subarray(0, Math.max(17, whole.length - cut));
          const fetchedOffset = firstOffset + skip;
          const decoded = await fetched(body, fetchedOffset, end, false);
          const inPlace = await fetched(body, fetchedOffset, end, true);
          assert.equal(decoded.fetchedRecords, undefined);
          assert.ok(inPlace.fetchedRecords, 'read in place');
          assert.deepEqual(runnerView(inPlace), runnerView(decoded));

          const expected = [...PackedRecords.pack('t', 3, decoded.messages)];
          const list = new FetchedRecords('t', 3, inPlace.fetchedRecords);
          assert.equal(list.length, expected.length);
          assert.deepEqual([...list], expected);
          assert.equal(list.payloadBytes, PackedRecords.pack('t', 3, decoded.messages).payloadBytes);
          if (expected.length > 0) {
            assert.deepEqual(list.at(-1), expected.at(-1));
            assert.deepEqual(list.at(0), expected[0]);
          }
          assert.equal(list.at(expected.length), undefined);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('decodes as before what it cannot read in place: compressed batches, aborted transactions to filter', async () => {
    const spec: BatchSpec = {
      records: [
        { key: null, value: Buffer.from('v'), headers: [['h', Buffer.from('x')]], timestampDelta: 5 },
      ],
      control: false,
      logAppendTime: false,
      gap: 0,
    };
    const { body: gzipped, end } = await encodeBatches([spec], 10, true);
    const compressed = await fetched(gzipped, 10, end, true);
    assert.equal(compressed.fetchedRecords, undefined);
    assert.deepEqual(
      compressed.messages.map((m) => [m.offset, m.value?.toString()]),
      [['10', 'v']],
    );

    const { body } = await encodeBatches([spec], 10);
    const aborted = await fetched(body, 10, end, true, [{ producerId: '7', firstOffset: '100' }]);
    assert.equal(aborted.fetchedRecords, undefined);
    assert.deepEqual(
      aborted.messages.map((m) => [m.offset, m.value?.toString()]),
      [['10', 'v']],
    );
  });

  it('a record whose header runs past its end fails loudly, naming the record', async () => {
    const { body, end } = await encodeBatches(
      [
        {
          records: [{ key: null, value: null, headers: [['name', Buffer.from('value')]], timestampDelta: 0 }],
          control: false,
          logAppendTime: false,
          gap: 0,
        },
      ],
      0,
    );
    const batch = await fetched(body, 0, end, true);
    const layout = batch.fetchedRecords!;
    // The record ends before its header's value.
    const short = { ...layout, ends: Uint32Array.from([layout.ends[0]! - 3]) };
    assert.throws(() => [...new FetchedRecords('t', 3, short)], /t\/3|fetched record/);
  });
});
