/**
 * A source batch's records packed into one buffer (pure), and the list interface the link reads them through.
 *
 * Why: a fetched batch waits while the one before it is written (the source's pipeline), so at 100 B a record
 * with the objects it was decoded into (the record, its offset and timestamp strings, a view per key and value,
 * a headers object) lived for the time of several young-generation collections and was promoted to V8's old
 * generation, to die there: most of the node's peak memory (docs/benchmarks.md, "Memory"). Packed, a waiting
 * batch is one buffer, a few typed arrays and its header names; a record's objects are made when the link
 * reads it, one write at a time, and die young with that write.
 *
 * Layout of a record in `data`: key, value, then the header count and the headers; a key, value or header
 * value is a kind byte (null, bytes, text, absent) and, for bytes and text, an int32 length and the bytes.
 * A header name is an index (uint16) into the batch's name table.
 */
import { putHeader, type Headers } from './origin-headers.ts';
import type { RecordList, SourceRecord } from './ports.ts';

/** A record as a client library decodes it: offset and timestamp as decimal strings (kafkajs). */
export interface DecodedRecord {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: Headers | undefined;
}

const NULL = 0;
const BYTES = 1;
const TEXT = 2;
const ABSENT = 3;
const MAX_NAMES = 0xffff;

/** The records of `records` at or after `offset`, as an array (read once). */
export function recordsFrom(records: RecordList, offset: number): SourceRecord[] {
  const out: SourceRecord[] = [];
  for (const r of records) if (r.offset >= offset) out.push(r);
  return out;
}

/** Bytes of keys and values of `records` (what the link's in-flight window counts, 20 bytes a record more). */
export function payloadBytes(records: RecordList): number {
  if (records.payloadBytes !== undefined) return records.payloadBytes;
  let bytes = 0;
  for (const r of records) bytes += (r.key?.length ?? 0) + (r.value?.length ?? 0);
  return bytes;
}

/** How `String` writes a whole number: what a decoder gives (anything else is kept as given). */
const CANONICAL_INTEGER = /^(0|-?[1-9]\d*)$/;

class Writer {
  data: Buffer;
  at = 0;
  constructor(bytes: number) {
    this.data = Buffer.allocUnsafe(Math.max(64, bytes));
  }
  #room(bytes: number): void {
    if (this.at + bytes <= this.data.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.data.length * 2, this.at + bytes));
    this.data.copy(grown, 0, 0, this.at);
    this.data = grown;
  }
  value(value: Buffer | string | null | undefined): void {
    if (value === null || value === undefined) {
      this.#room(1);
      this.data[this.at++] = value === null ? NULL : ABSENT;
    } else if (typeof value === 'string') {
      const bytes = Buffer.byteLength(value);
      this.#room(5 + bytes);
      this.data[this.at++] = TEXT;
      this.#int32(bytes);
      this.at += this.data.write(value, this.at, 'utf8');
    } else {
      this.#room(5 + value.length);
      this.data[this.at++] = BYTES;
      this.#int32(value.length);
      this.at += value.copy(this.data, this.at);
    }
  }
  uint16(n: number): void {
    this.#room(2);
    this.data[this.at++] = n & 0xff;
    this.data[this.at++] = n >>> 8;
  }
  /** A length (room already made): little-endian, by hand (Buffer's checked writers cost more per record). */
  #int32(n: number): void {
    const data = this.data;
    data[this.at++] = n & 0xff;
    data[this.at++] = (n >>> 8) & 0xff;
    data[this.at++] = (n >>> 16) & 0xff;
    data[this.at++] = n >>> 24;
  }
}

/** A batch's records packed (see the file's head); read them with `at` or by iterating. */
export class PackedRecords implements RecordList {
  readonly topic: string;
  readonly partition: number;
  readonly length: number;
  /** Bytes of the records' keys and values. */
  readonly payloadBytes: number;
  readonly #data: Buffer;
  readonly #starts: Uint32Array;
  readonly #offsets: Float64Array;
  readonly #timestamps: Float64Array;
  /** Timestamps that are not safe integers, kept as given (index → text). */
  readonly #oddTimestamps: Map<number, string> | undefined;
  readonly #names: readonly string[];

  private constructor(fields: {
    topic: string;
    partition: number;
    length: number;
    payloadBytes: number;
    data: Buffer;
    starts: Uint32Array;
    offsets: Float64Array;
    timestamps: Float64Array;
    oddTimestamps: Map<number, string> | undefined;
    names: string[];
  }) {
    this.topic = fields.topic;
    this.partition = fields.partition;
    this.length = fields.length;
    this.payloadBytes = fields.payloadBytes;
    this.#data = fields.data;
    this.#starts = fields.starts;
    this.#offsets = fields.offsets;
    this.#timestamps = fields.timestamps;
    this.#oddTimestamps = fields.oddTimestamps;
    this.#names = fields.names;
  }

  /** Packs `records` (in offset order) of `topic`/`partition`; the records are not kept. */
  static pack(topic: string, partition: number, records: readonly DecodedRecord[]): PackedRecords {
    const length = records.length;
    let payload = 0;
    for (const r of records) payload += (r.key?.length ?? 0) + (r.value?.length ?? 0);
    const writer = new Writer(payload + 16 * length);
    const starts = new Uint32Array(length + 1);
    const offsets = new Float64Array(length);
    const timestamps = new Float64Array(length);
    let oddTimestamps: Map<number, string> | undefined;
    const names: string[] = [];
    const nameIndex = new Map<string, number>();
    for (let i = 0; i < length; i++) {
      const r = records[i]!;
      starts[i] = writer.at;
      offsets[i] = Number(r.offset);
      const timestamp = Number(r.timestamp);
      if (Number.isSafeInteger(timestamp) && CANONICAL_INTEGER.test(r.timestamp)) timestamps[i] = timestamp;
      else (oddTimestamps ??= new Map()).set(i, r.timestamp);
      writer.value(r.key);
      writer.value(r.value);
      const headers = r.headers;
      const countAt = writer.at;
      writer.uint16(0);
      let count = 0;
      // `for … in` (no array of names per record); decoded headers are plain objects.
      for (const name in headers) {
        let index = nameIndex.get(name);
        if (index === undefined) {
          if (names.length === MAX_NAMES)
            throw new RangeError(`more than ${MAX_NAMES} header names in one batch`);
          index = names.push(name) - 1;
          nameIndex.set(name, index);
        }
        const value = headers[name];
        if (Array.isArray(value)) {
          for (const v of value) {
            writer.uint16(index);
            writer.value(v);
          }
          count += value.length;
        } else {
          writer.uint16(index);
          writer.value(value);
          count++;
        }
      }
      if (count > 0xffff) throw new RangeError(`a record with ${count} headers (at most 65535)`);
      writer.data[countAt] = count & 0xff;
      writer.data[countAt + 1] = count >>> 8;
    }
    starts[length] = writer.at;
    return new PackedRecords({
      topic,
      partition,
      length,
      payloadBytes: payload,
      data: writer.data.subarray(0, writer.at),
      starts,
      offsets,
      timestamps,
      oddTimestamps,
      names,
    });
  }

  at(index: number): SourceRecord | undefined {
    const i = Math.trunc(index) < 0 ? this.length + Math.trunc(index) : Math.trunc(index);
    return i >= 0 && i < this.length ? this.#record(i) : undefined;
  }

  *[Symbol.iterator](): Iterator<SourceRecord> {
    for (let i = 0; i < this.length; i++) yield this.#record(i);
  }

  /** Where #read reads next in #data. */
  #at = 0;

  #read(): Buffer | string | null | undefined {
    const data = this.#data;
    const kind = data[this.#at++];
    if (kind === NULL) return null;
    if (kind === ABSENT) return undefined;
    const at = this.#at;
    const start = at + 4;
    const end = start + (data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16) | (data[at + 3]! << 24));
    this.#at = end;
    return kind === TEXT ? data.toString('utf8', start, end) : data.subarray(start, end);
  }

  #record(i: number): SourceRecord {
    this.#at = this.#starts[i]!;
    const key = this.#read() as Buffer | null;
    const value = this.#read() as Buffer | null;
    const data = this.#data;
    const count = data[this.#at]! | (data[this.#at + 1]! << 8);
    this.#at += 2;
    const headers: Headers = {};
    for (let h = 0; h < count; h++) {
      const name = this.#names[data[this.#at]! | (data[this.#at + 1]! << 8)]!;
      this.#at += 2;
      putHeader(headers, name, this.#read() as Buffer | string | undefined);
    }
    return {
      topic: this.topic,
      partition: this.partition,
      offset: this.#offsets[i]!,
      timestamp: this.#oddTimestamps?.get(i) ?? String(this.#timestamps[i]),
      key,
      value,
      headers,
    };
  }
}
