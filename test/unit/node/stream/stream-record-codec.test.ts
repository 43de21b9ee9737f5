import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  compressRecords,
  decodeStreamRecordsV1,
  decompressRecords,
  encodeStreamRecordsV1,
  STREAM_COMPRESSIONS,
  streamCompressionOf,
  type StreamedRecord,
} from '../../../../node/stream/index.ts';

const one: StreamedRecord = {
  offset: 7,
  timestamp: '1700000000000',
  key: Buffer.from('k'),
  value: null,
  headers: { a: Buffer.from('x'), b: [Buffer.from('1'), Buffer.from('2')], s: 'str' },
};

/** Fixture of `one`: a change here breaks streams between nodes of different builds (a new codec version). */
const FIXTURE_HEX =
  '00000001' + // one record
  '0000000000000007' + // offset 7
  '0000018bcfe56800' + // timestamp 1700000000000
  '00000001' +
  '6b' + // key "k"
  'ffffffff' + // value null
  '00000004' + // four header entries
  '00000001' +
  '61' +
  '01' +
  '00000001' +
  '78' + // a = bytes "x"
  '00000001' +
  '62' +
  '01' +
  '00000001' +
  '31' + // b = bytes "1"
  '00000001' +
  '62' +
  '01' +
  '00000001' +
  '32' + // b = bytes "2"
  '00000001' +
  '73' +
  '02' +
  '00000003' +
  '737472'; // s = string "str"

const header = fc.oneof(
  fc.uint8Array({ maxLength: 16 }).map((b) => Buffer.from(b)),
  fc.string({ maxLength: 8 }),
);
const record: fc.Arbitrary<StreamedRecord> = fc
  .record({
    offset: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    timestamp: fc.integer({ min: 0, max: 2 ** 45 }).map(String),
    key: fc.option(fc.uint8Array({ maxLength: 32 }).map((b) => Buffer.from(b))),
    value: fc.option(fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b))),
    headers: fc.dictionary(
      fc.string({ minLength: 1, maxLength: 6 }).filter((s) => s !== '__proto__'),
      fc.oneof(header, fc.array(header, { minLength: 2, maxLength: 3 })),
      { maxKeys: 4 },
    ),
  })
  .map((r) => ({ ...r, headers: { ...r.headers } })); // plain objects, as kafkajs gives

describe('stream record encoding v1', () => {
  it('matches its byte fixture', () => {
    assert.equal(encodeStreamRecordsV1([one]).toString('hex'), FIXTURE_HEX);
    assert.deepEqual(decodeStreamRecordsV1(Buffer.from(FIXTURE_HEX, 'hex')), [one]);
  });

  it('round-trips any records byte for byte (key, value, headers, timestamp, offset)', () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 8 }), (records) => {
        assert.deepEqual(decodeStreamRecordsV1(encodeStreamRecordsV1(records)), records);
      }),
    );
  });

  it('names the problem of truncated or trailing bytes', () => {
    const bytes = encodeStreamRecordsV1([one]);
    assert.throws(
      () => decodeStreamRecordsV1(bytes.subarray(0, bytes.length - 1)),
      (err: Error & { code?: string }) =>
        err.code === 'GEOMESH_RPC_INTERNAL' && /runs past the end/.test(err.message),
    );
    assert.throws(
      () => decodeStreamRecordsV1(Buffer.concat([bytes, Buffer.from([0])])),
      /1 bytes after the last record/,
    );
  });
});

describe('stream compression', () => {
  it('reads "" as zstd and refuses names it does not know', () => {
    assert.equal(streamCompressionOf(''), 'zstd');
    for (const c of STREAM_COMPRESSIONS) assert.equal(streamCompressionOf(c), c);
    assert.equal(streamCompressionOf('lz4'), undefined);
  });

  it('round-trips each compression, and zstd and gzip shrink compressible records', () => {
    const records = Array.from({ length: 50 }, (_, i) => ({
      ...one,
      offset: i,
      value: Buffer.from(`{"order":${i},"note":"${'abc'.repeat(300)}"}`),
    }));
    const encoded = encodeStreamRecordsV1(records);
    for (const c of STREAM_COMPRESSIONS) {
      const compressed = compressRecords(encoded, c);
      if (c !== 'none') assert.ok(compressed.length * 10 < encoded.length, `${c}: ${compressed.length}`);
      assert.deepEqual(decompressRecords(compressed, c, encoded.length), encoded);
    }
  });

  it('refuses to decompress beyond the stated size, and unknown compressions', () => {
    const encoded = Buffer.alloc(10_000, 1);
    assert.throws(
      () => decompressRecords(compressRecords(encoded, 'zstd'), 'zstd', 1000),
      (err: Error & { code?: string }) =>
        err.code === 'GEOMESH_RPC_INTERNAL' && /within 1000 bytes/.test(err.message),
    );
    assert.throws(() => decompressRecords(encoded, 'none', 1000), /within 1000 bytes/);
    assert.throws(
      () => decompressRecords(encoded, 'brotli', 20_000),
      /"brotli"; expected one of zstd, gzip, none/,
    );
  });
});
