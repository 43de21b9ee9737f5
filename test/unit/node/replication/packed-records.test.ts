/**
 * PackedRecords: a batch's records packed into one buffer read back as the records they were (keys, values
 * and header values null, empty or bytes; repeated header names; names that are not identifiers), by index
 * and by iteration; and payloadBytes the same for packed records and for an array of them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  PackedRecords,
  payloadBytes,
  type DecodedRecord,
  type Headers,
  type SourceRecord,
} from '../../../../node/replication/index.ts';
import { bytes, headerName, headersFrom } from '../../../support/record-arbitraries.ts';

/** Headers as a decoder makes them: a value, or several in order for a repeated name. */
const headers = fc
  .array(fc.tuple(headerName, fc.option(bytes, { nil: null, freq: 5 })), { maxLength: 6 })
  .map(headersFrom);
const timestamp = fc.oneof(
  fc.integer({ min: -1, max: 2 ** 45 }).map(String),
  fc.constantFrom('9007199254740993', '-1', '0', '00012'),
);

const batch = fc
  .tuple(
    fc.integer({ min: 0, max: 2 ** 40 }),
    fc.array(
      fc.record({
        timestamp,
        key: fc.option(bytes, { nil: null }),
        value: fc.option(bytes, { nil: null }),
        headers,
      }),
      { maxLength: 40 },
    ),
  )
  .map(([first, records]) => records.map((r, i): DecodedRecord => ({ ...r, offset: String(first + i * 3) })));

function expected(topic: string, partition: number, r: DecodedRecord): SourceRecord {
  return {
    topic,
    partition,
    offset: Number(r.offset),
    timestamp: r.timestamp,
    key: r.key,
    value: r.value,
    headers: r.headers ?? {},
  };
}

/** Records compared by value (Buffers by bytes, header values in order, own `__proto__` included). */
function plain(r: SourceRecord | undefined): unknown {
  if (!r) return r;
  const hex = (v: unknown): unknown =>
    Buffer.isBuffer(v) ? `0x${v.toString('hex')}` : Array.isArray(v) ? v.map(hex) : v;
  return {
    ...r,
    key: hex(r.key),
    value: hex(r.value),
    headers: Object.keys(r.headers).map((k) => [k, hex(r.headers[k])]),
  };
}

describe('PackedRecords', () => {
  it('reads back every record as it was packed, by index and by iteration', () => {
    fc.assert(
      fc.property(batch, fc.string({ maxLength: 20 }), fc.nat(1000), (records, topic, partition) => {
        const packed = PackedRecords.pack(topic, partition, records);
        const want = records.map((r) => plain(expected(topic, partition, r)));
        assert.equal(packed.length, records.length);
        assert.deepEqual([...packed].map(plain), want);
        for (let i = 0; i < records.length; i++) {
          assert.deepEqual(plain(packed.at(i)), want[i]);
          assert.deepEqual(plain(packed.at(i - records.length)), want[i]);
        }
        assert.equal(packed.at(records.length), undefined);
        assert.equal(packed.at(-records.length - 1), undefined);
        const array = records.map((r) => expected(topic, partition, r));
        assert.equal(payloadBytes(packed), payloadBytes(array));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps its own copy: the buffers it was packed from may be reused', () => {
    const value = Buffer.from('hello');
    const packed = PackedRecords.pack('t', 0, [
      { offset: '5', timestamp: '1700000000000', key: null, value, headers: { h: Buffer.from('x') } },
    ]);
    value.fill(0);
    const record = packed.at(0)!;
    assert.equal(record.value!.toString(), 'hello');
    assert.equal((record.headers['h'] as Buffer).toString(), 'x');
    assert.equal(record.offset, 5);
    assert.equal(record.timestamp, '1700000000000');
  });

  it('gives a header named __proto__ as an own property, not a prototype', () => {
    const packed = PackedRecords.pack('t', 0, [
      {
        offset: '0',
        timestamp: '1',
        key: null,
        value: null,
        headers: JSON.parse('{"__proto__":"x"}') as Headers,
      },
    ]);
    const headers = packed.at(0)!.headers;
    assert.ok(Object.prototype.hasOwnProperty.call(headers, '__proto__'));
    assert.equal(Object.getPrototypeOf(headers), Object.prototype);
  });
});
