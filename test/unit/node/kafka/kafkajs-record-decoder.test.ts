/**
 * kafkajs 2.2.4 as patched by patches/kafkajs+2.2.4.patch: records are decoded in place (no slice and Decoder
 * per record), timestamps and offsets by number arithmetic where it is exact (Long otherwise), headers without
 * an object spread per header. What comes out must be what was encoded, for any record, at any base. A fetch
 * response's record batches are decoded when their partition's batch is handled (`Batch#decode`), not with the
 * response: the same records then, the ones before the fetched offset left out as before.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import fc from 'fast-check';

const requireKafkajs = createRequire(import.meta.url);

type Headers = Record<string, Buffer | Buffer[]>;
interface Encoded {
  buffer: Buffer;
  size(): number;
}
const encodeRecord = requireKafkajs('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (r: {
  offsetDelta: number;
  timestampDelta: number | bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: Headers;
}) => Encoded;
const { RecordBatch } = requireKafkajs('kafkajs/src/protocol/recordBatch/v0/index.js') as {
  RecordBatch(this: void, args: Record<string, unknown>): Promise<Encoded>;
};
const decodeBatch = requireKafkajs('kafkajs/src/protocol/recordBatch/v0/decoder.js') as (
  decoder: unknown,
) => Promise<{
  records: {
    offset: string;
    timestamp: string;
    key: Buffer | null;
    value: Buffer | null;
    headers: Headers;
  }[];
}>;
const Decoder = requireKafkajs('kafkajs/src/protocol/decoder.js') as new (b: Buffer) => unknown;
type Messages = { offset: string; value: Buffer | null }[];
const decodeMessages = requireKafkajs('kafkajs/src/protocol/requests/fetch/v4/decodeMessages.js') as ((
  decoder: unknown,
) => Promise<Messages>) & { isDeferred(this: void, m: Messages): boolean };
const Batch = requireKafkajs('kafkajs/src/consumer/batch.js') as new (
  topic: string,
  fetchedOffset: string,
  partitionData: { partition: number; highWatermark: string; messages: Messages; abortedTransactions: [] },
) => { messages: Messages; isEmpty(): boolean; decode(): Promise<void> | undefined };

const bytes = fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a));
const headerName = fc.oneof(
  fc.string({ minLength: 1, maxLength: 12 }),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'geomesh.origin'),
);
/** Bases and deltas whose sums stay within int64 (as any broker's). */
const int62 = fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n });

describe('kafkajs record decoder (patched: in place, numbers where exact)', () => {
  it('property: a batch decodes to the offsets, timestamps, keys, values and headers encoded', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 53n }), fc.bigInt({ min: 0n, max: 2n ** 63n - 2n ** 31n })),
        fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 42n }), int62),
        fc.array(
          fc.record({
            timestampDelta: fc.oneof(
              fc.integer({ min: -1_000, max: 100_000 }),
              fc.bigInt({ min: -(2n ** 61n), max: 2n ** 61n }),
            ),
            key: fc.option(bytes, { nil: null }),
            value: fc.option(bytes, { nil: null }),
            headers: fc.array(fc.tuple(headerName, bytes), { maxLength: 5 }),
          }),
          { minLength: 1, maxLength: 30 },
        ),
        async (firstOffset, firstTimestamp, records) => {
          // Headers as pairs, repeated names included; the encoder takes an object of arrays.
          const headerObjects = records.map(({ headers }) => {
            const object: Headers = Object.create(null) as Headers;
            for (const [name, value] of headers) {
              const current = object[name];
              object[name] = current === undefined ? [value] : [...(current as Buffer[]), value];
            }
            return object;
          });
          const encoded = records.map((r, i) =>
            encodeRecord({
              offsetDelta: i,
              timestampDelta: r.timestampDelta,
              key: r.key,
              value: r.value,
              headers: headerObjects[i]!,
            }),
          );
          const batch = await RecordBatch({
            records: encoded,
            firstOffset,
            firstTimestamp,
            maxTimestamp: firstTimestamp,
            lastOffsetDelta: encoded.length - 1,
          });
          const { records: decoded } = await decodeBatch(new Decoder(batch.buffer));
          assert.equal(decoded.length, records.length);
          decoded.forEach((d, i) => {
            const r = records[i]!;
            assert.equal(d.offset, String(firstOffset + BigInt(i)));
            assert.equal(d.timestamp, String(firstTimestamp + BigInt(r.timestampDelta)), 'timestamp');
            assert.deepEqual(d.key, r.key);
            assert.deepEqual(d.value, r.value);
            const expected: Record<string, Buffer | Buffer[]> = {};
            for (const [name, values] of Object.entries(headerObjects[i]!)) {
              Object.defineProperty(expected, name, {
                value: values.length === 1 ? values[0] : values,
                enumerable: true,
                writable: true,
                configurable: true,
              });
            }
            assert.deepEqual({ ...d.headers }, { ...expected });
            assert.equal(Object.getPrototypeOf(d.headers), Object.prototype, 'a plain object');
            for (const name of Object.keys(expected))
              assert.ok(Object.hasOwn(d.headers, name), `header ${name} is an own property`);
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: a fetch defers its record batches; the batch decodes them when handled, from the fetched offset', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.option(bytes, { nil: null }), { minLength: 1, maxLength: 20 }), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.nat(2 ** 40),
        fc.nat(30),
        async (batches, firstOffset, skip) => {
          // Record batches back to back, as a fetch response holds a partition's records.
          let offset = firstOffset;
          const encoded: Buffer[] = [];
          for (const values of batches) {
            const records = values.map((value, i) =>
              encodeRecord({ offsetDelta: i, timestampDelta: i, key: null, value, headers: {} }),
            );
            const batch = await RecordBatch({
              records,
              firstOffset: BigInt(offset),
              firstTimestamp: 1_765_000_000_000,
              maxTimestamp: 1_765_000_000_000,
              lastOffsetDelta: records.length - 1,
            });
            encoded.push(batch.buffer);
            offset += values.length;
          }
          const body = Buffer.concat(encoded);
          const size = Buffer.alloc(4);
          size.writeInt32BE(body.length);
          const messages = await decodeMessages(new Decoder(Buffer.concat([size, body])));
          assert.equal(messages.length, 0, 'nothing decoded with the response');
          assert.ok(decodeMessages.isDeferred(messages));

          const fetchedOffset = String(firstOffset + skip);
          const batch = new Batch('t', fetchedOffset, {
            partition: 0,
            highWatermark: String(offset),
            messages,
            abortedTransactions: [],
          });
          assert.ok(batch.isEmpty(), 'empty until decoded');
          // Uncompressed, decoded at once (no promise): a partition's records reach eachBatch in the same run.
          assert.equal(batch.decode(), undefined);
          assert.equal(batch.decode(), undefined); // once only
          const values = batches.flat();
          const expected = values
            .map((value, i) => ({ offset: String(firstOffset + i), value }))
            .filter((m) => Number(m.offset) >= Number(fetchedOffset));
          assert.deepEqual(
            batch.messages.map((m) => ({ offset: m.offset, value: m.value })),
            expected,
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});
