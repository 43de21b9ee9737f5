/**
 * The geomesh stream record encoding, version 1: the records of one stream batch (Peer.StreamRecords
 * `records`, before compression), exactly as read from the source partition — key, value, headers and
 * timestamp byte for byte, so provenance tags verify on the receiving side as they would on a pull.
 *
 * Layout (big-endian): u32 record count, then per record
 *   i64 offset · i64 timestamp (ms) · i32 key length (-1: null) · key · i32 value length (-1: null) · value ·
 *   u32 header entries · per entry: u32 name length · name (UTF-8) · u8 kind (0 undefined, 1 bytes,
 *   2 string) · u32 length · bytes.
 * A header with several values is several entries of the same name, in order. Pure.
 */
import { GeomeshError } from '../../base/index.ts';
import type { HeaderValue, Headers, SourceRecord } from '../replication/index.ts';

/** A record as the stream carries it: a source record without its topic and partition (the batch's). */
export type StreamedRecord = Omit<SourceRecord, 'topic' | 'partition'>;

const KIND_UNDEFINED = 0;
const KIND_BYTES = 1;
const KIND_STRING = 2;

function headerEntries(headers: Headers): [string, Buffer | string | undefined][] {
  const entries: [string, Buffer | string | undefined][] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (Array.isArray(value)) for (const v of value) entries.push([name, v]);
    else entries.push([name, value]);
  }
  return entries;
}

/** Bytes the record takes in the encoding. */
function encodedSize(record: StreamedRecord, entries: [string, Buffer | string | undefined][]): number {
  let size = 8 + 8 + 4 + (record.key?.length ?? 0) + 4 + (record.value?.length ?? 0) + 4;
  for (const [name, value] of entries) {
    size += 4 + Buffer.byteLength(name) + 1 + 4;
    if (value !== undefined) size += typeof value === 'string' ? Buffer.byteLength(value) : value.length;
  }
  return size;
}

/** Encodes records (stream record encoding v1). */
export function encodeStreamRecordsV1(records: readonly StreamedRecord[]): Buffer {
  const entriesOf = records.map((r) => headerEntries(r.headers));
  const size = records.reduce((n, r, i) => n + encodedSize(r, entriesOf[i]!), 4);
  const out = Buffer.allocUnsafe(size);
  let at = out.writeUInt32BE(records.length, 0);
  const bytes = (b: Buffer | null): void => {
    at = out.writeInt32BE(b === null ? -1 : b.length, at);
    if (b !== null) at += b.copy(out, at);
  };
  records.forEach((record, i) => {
    at = out.writeBigInt64BE(BigInt(record.offset), at);
    at = out.writeBigInt64BE(BigInt(record.timestamp), at);
    bytes(record.key);
    bytes(record.value);
    const entries = entriesOf[i]!;
    at = out.writeUInt32BE(entries.length, at);
    for (const [name, value] of entries) {
      at = out.writeUInt32BE(Buffer.byteLength(name), at);
      at += out.write(name, at);
      const kind =
        value === undefined ? KIND_UNDEFINED : typeof value === 'string' ? KIND_STRING : KIND_BYTES;
      at = out.writeUInt8(kind, at);
      const data =
        value === undefined ? Buffer.alloc(0) : typeof value === 'string' ? Buffer.from(value) : value;
      at = out.writeUInt32BE(data.length, at);
      at += data.copy(out, at);
    }
  });
  return out;
}

function broken(problem: string): GeomeshError {
  return new GeomeshError(
    'GEOMESH_RPC_INTERNAL',
    `a stream batch's records are not stream record encoding v1: ${problem} (is the peer a compatible geomesh version?)`,
  );
}

/** Decodes records (stream record encoding v1); throws GEOMESH_RPC_INTERNAL naming the problem. */
export function decodeStreamRecordsV1(encoded: Buffer): StreamedRecord[] {
  let at = 0;
  const need = (n: number, what: string): void => {
    if (at + n > encoded.length) throw broken(`${what} at byte ${at} runs past the end (${encoded.length})`);
  };
  const slice = (n: number, what: string): Buffer => {
    need(n, what);
    const b = Buffer.from(encoded.subarray(at, at + n));
    at += n;
    return b;
  };
  const nullable = (what: string): Buffer | null => {
    need(4, what);
    const length = encoded.readInt32BE(at);
    at += 4;
    if (length < -1) throw broken(`${what} length ${length}`);
    return length === -1 ? null : slice(length, what);
  };
  need(4, 'record count');
  const count = encoded.readUInt32BE(at);
  at += 4;
  const records: StreamedRecord[] = [];
  for (let i = 0; i < count; i++) {
    need(16, `record ${i}`);
    const offset = Number(encoded.readBigInt64BE(at));
    const timestamp = String(encoded.readBigInt64BE(at + 8));
    at += 16;
    const key = nullable(`record ${i} key`);
    const value = nullable(`record ${i} value`);
    need(4, `record ${i} header count`);
    const entries = encoded.readUInt32BE(at);
    at += 4;
    const headers: Headers = {};
    for (let h = 0; h < entries; h++) {
      need(4, `record ${i} header ${h}`);
      const nameLength = encoded.readUInt32BE(at);
      at += 4;
      const name = slice(nameLength, `record ${i} header ${h} name`).toString('utf8');
      need(5, `record ${i} header ${h} value`);
      const kind = encoded.readUInt8(at);
      const length = encoded.readUInt32BE(at + 1);
      at += 5;
      const data = slice(length, `record ${i} header ${h} value`);
      let value: Buffer | string | undefined;
      if (kind === KIND_UNDEFINED) value = undefined;
      else if (kind === KIND_BYTES) value = data;
      else if (kind === KIND_STRING) value = data.toString('utf8');
      else throw broken(`record ${i} header ${h} has kind ${kind}`);
      headers[name] = Object.hasOwn(headers, name) ? appendValue(headers[name], value) : value;
    }
    records.push({ offset, timestamp, key, value, headers });
  }
  if (at !== encoded.length) throw broken(`${encoded.length - at} bytes after the last record`);
  return records;
}

function appendValue(existing: HeaderValue, value: Buffer | string | undefined): HeaderValue {
  const list = Array.isArray(existing) ? existing : existing === undefined ? [] : [existing];
  return value === undefined ? list : [...list, value];
}
