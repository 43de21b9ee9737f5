/**
 * RecordSet: records encoded as a Kafka record batch holds them. Byte for byte what kafkajs' own record
 * encoder makes where it can (it cannot write a null header value) (offset deltas 0..n-1, timestamp deltas from the first record's); read back by kafkajs' record
 * decoder and by the set itself as the records they were (keys, values and header values null, empty or
 * bytes; repeated and odd header names; timestamps before the first, and beyond safe integers); `pick`
 * renumbers the offsets of the records it keeps and keeps everything else.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RecordSet, type Headers, type SinkRecord } from '../../../../node/replication/index.ts';
import { bytes, headerName, headersFrom } from '../../../support/record-arbitraries.ts';

const require = createRequire(import.meta.url);
type KafkaRecord = { buffer: Buffer; size(): number };
const encodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0') as (r: object) => KafkaRecord;
const decodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/decoder') as (
  decoder: unknown,
  context: object,
) => { offset: string; timestamp: string; key: Buffer | null; value: Buffer | null; headers: Headers };
const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => {
  readVarInt(): number;
  offset: number;
  canReadBytes(n: number): boolean;
};

/** Headers as the link writes them: bytes, text or null, a repeated name's values in order. */
const headers = fc
  .array(
    fc.tuple(headerName, fc.option(fc.oneof(bytes, fc.string({ maxLength: 20 })), { nil: null, freq: 5 })),
    {
      maxLength: 6,
    },
  )
  .map(headersFrom);
const safeTimestamp = fc.integer({ min: -1, max: 2 ** 45 });
const record = (timestamp: fc.Arbitrary<string>) =>
  fc.record({
    timestamp,
    key: fc.option(bytes, { nil: null }),
    value: fc.option(bytes, { nil: null }),
    headers,
  });
const records = fc.array(record(safeTimestamp.map(String)), { maxLength: 40 });

/** A record compared by value: Buffers and text by bytes, header values in order, `__proto__` included. */
function plain(r: SinkRecord | undefined): unknown {
  if (!r) return r;
  const hex = (v: unknown): unknown =>
    Buffer.isBuffer(v) || typeof v === 'string'
      ? `0x${Buffer.from(v).toString('hex')}`
      : Array.isArray(v)
        ? v.map(hex)
        : (v ?? null);
  return {
    timestamp: String(BigInt(r.timestamp)),
    key: hex(r.key),
    value: hex(r.value),
    headers: Object.keys(r.headers).map((k) => [k, hex(r.headers[k])]),
  };
}

const hasNullHeader = (r: SinkRecord): boolean =>
  Object.values(r.headers).some((v) => v === null || (Array.isArray(v) && v.includes(null as never)));

/** kafkajs' encoding of `records` as one batch's records section (base timestamp: the first record's). */
function kafkajsRecords(list: readonly SinkRecord[]): Buffer {
  const base = list.length > 0 ? Number(list[0]!.timestamp) : 0;
  return Buffer.concat(
    list.map(
      (r, i) =>
        encodeRecord({
          offsetDelta: i,
          timestampDelta: Number(r.timestamp) - base,
          key: r.key,
          value: r.value,
          headers: r.headers,
        }).buffer,
    ),
  );
}

/** The records of `set` as kafkajs decodes them, with their offset deltas. */
function kafkajsDecode(set: RecordSet): { offset: number; record: SinkRecord }[] {
  const decoder = new Decoder(set.buffer);
  const context = { firstOffset: '0', firstTimestamp: String(set.firstTimestamp), magicByte: 2 };
  const out: { offset: number; record: SinkRecord }[] = [];
  while (decoder.canReadBytes(1)) {
    decoder.readVarInt();
    const r = decodeRecord(decoder, context);
    out.push({
      offset: Number(r.offset),
      record: { timestamp: r.timestamp, key: r.key, value: r.value, headers: r.headers },
    });
  }
  return out;
}

/** `set` holds `list`: as kafkajs decodes it (offsets 0..n-1), as the set reads it, and its payload bytes. */
function assertHolds(set: RecordSet, list: readonly SinkRecord[]): void {
  assert.equal(set.count, list.length);
  const decoded = kafkajsDecode(set);
  assert.deepEqual(
    decoded.map((d) => d.offset),
    list.map((_, i) => i),
  );
  assert.deepEqual(
    decoded.map((d) => plain(d.record)),
    list.map(plain),
  );
  assert.deepEqual([...set].map(plain), list.map(plain));
  assert.equal(
    set.payloadBytes,
    list.reduce((n, r) => n + (r.key?.length ?? 0) + (r.value?.length ?? 0), 0),
  );
}

describe('RecordSet', () => {
  it('encodes records byte for byte as kafkajs does; kafkajs and the set read them back as they were', () => {
    fc.assert(
      fc.property(records, (list) => {
        const set = RecordSet.of(list);
        // kafkajs' encoder cannot write a null header value (the set writes it as Kafka does: length -1).
        if (!list.some(hasNullHeader)) assert.deepEqual(set.buffer, kafkajsRecords(list));
        assertHolds(set, list);
        assert.deepEqual(plain(set.at(-1)), plain(list.at(-1)));
        const timestamps = list.map((r) => Number(r.timestamp));
        if (list.length > 0) {
          assert.equal(set.firstTimestamp, timestamps[0]);
          assert.equal(set.maxTimestamp, Math.max(...timestamps));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('keeps timestamps beyond safe integers and far from the first exactly', () => {
    const wide = fc.oneof(
      safeTimestamp.map(String),
      fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }).map(String),
      fc.constantFrom('9007199254740993', '-9007199254740993', '00012'),
    );
    fc.assert(
      fc.property(fc.array(record(wide), { minLength: 1, maxLength: 10 }), (list) => {
        const set = RecordSet.of(list);
        assertHolds(set, list);
        const max = list.map((r) => BigInt(r.timestamp)).reduce((a, b) => (b > a ? b : a));
        assert.equal(BigInt(set.maxTimestamp), max);
      }),
    );
  });

  it('keeps a delta between safe timestamps that is itself beyond safe integers exactly', () => {
    const list = ['-9007199254740991', '9007199254740990', '-1'].map((timestamp) => ({
      timestamp,
      key: null,
      value: Buffer.from(timestamp),
      headers: {},
    }));
    const set = RecordSet.of(list);
    assertHolds(set, list);
    assert.equal(set.maxTimestamp, 9007199254740990);
  });

  it('pick keeps the records asked for, in order, renumbered from 0, with their timestamps and bytes', () => {
    fc.assert(
      fc.property(
        records.chain((list) => fc.tuple(fc.constant(list), fc.subarray(list.map((_, i) => i)))),
        ([list, indices]) => {
          const picked = RecordSet.of(list).pick(indices);
          const kept = indices.map((i) => list[i]!);
          assertHolds(picked, kept);
          if (kept.length > 0) {
            assert.equal(picked.maxTimestamp, Math.max(...kept.map((r) => Number(r.timestamp))));
            kept.forEach((r, i) => assert.equal(picked.timestampAt(i), Number(r.timestamp)));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('release gives a buffer of its own back at once, leaves a pooled one to the collector, and reads no more', () => {
    const record = (value: Buffer) => ({ timestamp: '1765000000000', key: null, value, headers: {} });
    // One large record: the set's buffer is a memory of its own.
    const large = RecordSet.of([record(Buffer.alloc(100_000, 1))]);
    const own = large.buffer.buffer as ArrayBuffer;
    assert.equal(own.byteLength >= 100_000, true);
    large.release();
    assert.equal(own.detached, true);
    assert.equal(large.count, 1);
    assert.equal(large.timestampAt(0), 1765000000000);
    assert.throws(() => large.buffer, /record set read after it was released/);
    assert.throws(() => [...large], /record set read after it was released/);
    assert.throws(() => large.pick([0]), /record set read after it was released/);

    // Small sets share Node's pool of small buffers with whatever else was allocated from it.
    const small = RecordSet.of([record(Buffer.from('a'))]);
    const neighbour = Buffer.allocUnsafe(16).fill(7);
    const pool = small.buffer.buffer as ArrayBuffer;
    small.release();
    assert.equal(pool.detached, false);
    assert.deepEqual([...neighbour], new Array(16).fill(7));
  });

  it('a set of no records allocates no buffer', () => {
    const empty = RecordSet.of([]);
    assert.equal(empty.buffer.length, 0);
    assert.equal(empty.buffer.buffer.byteLength, 0);
  });

  it('refuses a timestamp that is not a whole number, naming it', () => {
    assert.throws(
      () => RecordSet.of([{ timestamp: '12.5', key: null, value: null, headers: {} }]),
      /record timestamp "12.5" is not a whole number of milliseconds/,
    );
  });
});
