/**
 * A write's records, encoded once as a Kafka record batch (v2) holds them (pure): the link encodes each record
 * as it decides it, and the sink hands the bytes to the producer, which adds the batch header and sends them.
 *
 * Why: a write's records live until the target acknowledges them. As objects (a record, its headers object,
 * the origin header values, the producer's message and its own copies) each lived through several
 * young-generation collections and was promoted to V8's old generation, the most of a node's peak memory
 * (docs/benchmarks.md, "Memory"), and the producer measured and encoded every header again. Encoded, a write
 * in flight is one buffer and a few arrays.
 *
 * Layout (Kafka's DefaultRecord): per record a zigzag varint length, then attributes (0), timestamp delta
 * (zigzag varlong, from the set's base timestamp: the first record's), offset delta (zigzag varint, 0..n-1),
 * key and value (zigzag varint length, -1 for null, then the bytes), the header count and the headers (name,
 * value; a header value that is absent is written as null).
 */
import { putHeader, type Headers } from './origin-headers.ts';

/** A record to write into the target cluster (same topic, same partition); its timestamp decimal text, ms. */
export interface SinkRecord {
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Headers;
}

/** Deltas up to this size take the number path (their zigzag stays a safe integer). */
const SMALL_DELTA = 2 ** 51;

const zigZag32 = (value: number): number => ((value << 1) ^ (value >> 31)) >>> 0;
const zigZag64 = (value: number): number => (value >= 0 ? value * 2 : -value * 2 - 1);
const zigZagBig = (value: bigint): bigint => (value >= 0n ? value * 2n : -value * 2n - 1n);

function sizeOfUVarInt(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  let bytes = 1;
  while (value >= 0x80) {
    bytes++;
    value = Math.floor(value / 0x80);
  }
  return bytes;
}

function sizeOfUVarBig(value: bigint): number {
  let bytes = 1;
  while (value >= 0x80n) {
    bytes++;
    value >>= 7n;
  }
  return bytes;
}

/** Bytes of a header value, a key or a value: -1 for null or absent. */
function lengthOf(value: Buffer | string | null | undefined): number {
  if (value === null || value === undefined) return -1;
  return typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : value.length;
}

const sizeOfField = (length: number): number => (length < 0 ? 1 : sizeOfUVarInt(zigZag32(length)) + length);

/** A decimal timestamp as a number when it is a safe integer, else as a bigint (never lossy). */
function parseTimestamp(text: string): number | bigint {
  const n = Number(text);
  if (Number.isSafeInteger(n)) return n;
  try {
    return BigInt(text.trim());
  } catch {
    throw new RangeError(`record timestamp ${JSON.stringify(text)} is not a whole number of milliseconds`);
  }
}

const NO_BYTES = Buffer.alloc(0);

/** Encodes into a buffer of `bytes` taken at the first write (a write that never gets a record allocates none). */
class Writer {
  data: Buffer = NO_BYTES;
  at = 0;
  readonly #initial: number;
  constructor(bytes: number) {
    this.#initial = Math.max(256, bytes);
  }
  /** Whether `data` is a whole memory of its own, not a part of Node's shared pool of small buffers. */
  get ownsData(): boolean {
    return (
      this.data.length > 0 && this.data.byteOffset === 0 && this.data.buffer.byteLength === this.data.length
    );
  }
  room(bytes: number): void {
    if (this.at + bytes <= this.data.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.data.length * 2, this.#initial, this.at + bytes));
    this.data.copy(grown, 0, 0, this.at);
    this.data = grown;
  }
  uvarint(value: number): void {
    const data = this.data;
    if (value < 0x80000000) {
      while (value >= 0x80) {
        data[this.at++] = (value & 0x7f) | 0x80;
        value >>>= 7;
      }
      data[this.at++] = value;
      return;
    }
    while (value >= 0x80) {
      data[this.at++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    data[this.at++] = value;
  }
  uvarbig(value: bigint): void {
    while (value >= 0x80n) {
      this.data[this.at++] = Number(value & 0x7fn) | 0x80;
      value >>= 7n;
    }
    this.data[this.at++] = Number(value);
  }
  field(value: Buffer | string | null | undefined, length: number): void {
    this.uvarint(zigZag32(length));
    if (length <= 0) return;
    if (typeof value === 'string') this.at += this.data.write(value, this.at, length, 'utf8');
    else this.at += value!.copy(this.data, this.at);
  }
}

const hasOwn = (o: object, name: string): boolean => Object.prototype.hasOwnProperty.call(o, name);

/** Bytes of one header (name and value, each with its length). */
const sizeOfHeader = (name: string, value: Buffer | string | undefined): number =>
  sizeOfField(Buffer.byteLength(name, 'utf8')) + sizeOfField(lengthOf(value));

/** Builds a RecordSet one record at a time. */
export class RecordSetBuilder {
  readonly #writer: Writer;
  readonly #starts: number[] = [];
  readonly #timestamps: number[] = [];
  #base: number | bigint | undefined;
  #max: number | bigint | undefined;
  #payloadBytes = 0;

  constructor(initialBytes = 4096) {
    this.#writer = new Writer(initialBytes);
  }

  get length(): number {
    return this.#starts.length;
  }

  /** Bytes encoded so far (the records section, without the batch header). */
  get byteLength(): number {
    return this.#writer.at;
  }

  append(record: SinkRecord): void {
    const timestamp = parseTimestamp(record.timestamp);
    this.#base ??= timestamp;
    if (this.#max === undefined || timestamp > this.#max) this.#max = timestamp;
    const base = this.#base;
    // Numbers while the delta is small (exact, and its zigzag stays a safe integer), else bigints.
    let delta: number | bigint =
      typeof timestamp === 'number' && typeof base === 'number'
        ? timestamp - base
        : BigInt(timestamp) - BigInt(base);
    if (typeof delta === 'number' && !(delta > -SMALL_DELTA && delta < SMALL_DELTA))
      delta = BigInt(timestamp) - BigInt(base);
    else if (typeof delta === 'bigint' && delta > -SMALL_DELTA && delta < SMALL_DELTA) delta = Number(delta);
    const deltaZigZag = typeof delta === 'number' ? zigZag64(delta) : zigZagBig(delta);

    const offsetDelta = this.#starts.length;
    const keyLength = lengthOf(record.key);
    const valueLength = lengthOf(record.value);
    // Every header value in order, a repeated name's values one by one (own properties), as kafkajs encodes;
    // loops rather than a callback: this runs for every record written.
    const headers = record.headers;
    let headerCount = 0;
    let headerBytes = 0;
    for (const name in headers) {
      if (!hasOwn(headers, name)) continue;
      const value = headers[name];
      if (Array.isArray(value)) {
        for (const v of value) headerBytes += sizeOfHeader(name, v);
        headerCount += value.length;
      } else {
        headerBytes += sizeOfHeader(name, value);
        headerCount++;
      }
    }
    const body =
      1 +
      (typeof deltaZigZag === 'number' ? sizeOfUVarInt(deltaZigZag) : sizeOfUVarBig(deltaZigZag)) +
      sizeOfUVarInt(zigZag32(offsetDelta)) +
      sizeOfField(keyLength) +
      sizeOfField(valueLength) +
      sizeOfUVarInt(zigZag32(headerCount)) +
      headerBytes;

    const w = this.#writer;
    w.room(5 + body);
    this.#starts.push(w.at);
    this.#timestamps.push(Number(timestamp));
    w.uvarint(zigZag32(body));
    const bodyStart = w.at;
    w.data[w.at++] = 0;
    if (typeof deltaZigZag === 'number') w.uvarint(deltaZigZag);
    else w.uvarbig(deltaZigZag);
    w.uvarint(zigZag32(offsetDelta));
    w.field(record.key, keyLength);
    w.field(record.value, valueLength);
    w.uvarint(zigZag32(headerCount));
    for (const name in headers) {
      if (!hasOwn(headers, name)) continue;
      const value = headers[name];
      const nameBytes = Buffer.byteLength(name, 'utf8');
      if (Array.isArray(value)) {
        for (const v of value) {
          w.field(name, nameBytes);
          w.field(v, lengthOf(v));
        }
      } else {
        w.field(name, nameBytes);
        w.field(value, lengthOf(value));
      }
    }
    if (w.at - bodyStart !== body) throw new Error(`record set: wrote ${w.at - bodyStart} bytes of ${body}`);
    this.#payloadBytes += Math.max(0, keyLength) + Math.max(0, valueLength);
  }

  /** The records appended, as a set; the builder is not used after. */
  build(): RecordSet {
    const starts = Uint32Array.from(this.#starts);
    return new RecordSet({
      buffer: this.#writer.data.subarray(0, this.#writer.at),
      owned: this.#writer.ownsData,
      starts,
      timestamps: Float64Array.from(this.#timestamps),
      base: this.#base ?? 0,
      max: this.#max ?? 0,
      payloadBytes: this.#payloadBytes,
    });
  }
}

/** Reads a zigzag varint (or varlong, as a number when safe) at `at`; returns it and where it ended. */
function readVar(data: Buffer, at: number): { value: number | bigint; end: number } {
  let zigZag = 0n;
  let shift = 0n;
  for (;;) {
    const byte = data[at++];
    if (byte === undefined) throw new RangeError('record set: a varint runs past the end');
    zigZag |= BigInt(byte & 0x7f) << shift;
    if (byte < 0x80) break;
    shift += 7n;
  }
  const value = (zigZag & 1n) === 0n ? zigZag >> 1n : -(zigZag >> 1n) - 1n;
  const small = Number(value);
  return { value: Number.isSafeInteger(small) ? small : value, end: at };
}

function readVarInt(data: Buffer, at: number): { value: number; end: number } {
  const { value, end } = readVar(data, at);
  return { value: Number(value), end };
}

/**
 * Encoded records (see the file's head), what a RecordSink writes: `buffer`, `count`, `firstTimestamp` and
 * `maxTimestamp` are what the producer's batch header needs. Readable as records again (`at`, iteration),
 * for tests and for what is logged of a record; `pick` makes the set of some of them (a retry, a split).
 */
export class RecordSet {
  #buffer: Buffer | undefined;
  /** Whether the memory under `#buffer` is the set's alone (and so may be given back by `release`). */
  readonly #owned: boolean;
  /** The first record's timestamp: the batch's base (a bigint only beyond safe integers). */
  readonly firstTimestamp: number | bigint;
  readonly maxTimestamp: number | bigint;
  /** Bytes of the records' keys and values. */
  readonly payloadBytes: number;
  readonly #starts: Uint32Array;
  readonly #timestamps: Float64Array;

  constructor(fields: {
    buffer: Buffer;
    starts: Uint32Array;
    timestamps: Float64Array;
    base: number | bigint;
    max: number | bigint;
    payloadBytes: number;
    owned: boolean;
  }) {
    this.#buffer = fields.buffer;
    this.#owned = fields.owned;
    this.#starts = fields.starts;
    this.#timestamps = fields.timestamps;
    this.firstTimestamp = fields.base;
    this.maxTimestamp = fields.max;
    this.payloadBytes = fields.payloadBytes;
  }

  /** A set of `records`, in order. */
  static of(records: Iterable<SinkRecord>): RecordSet {
    const builder = new RecordSetBuilder();
    for (const r of records) builder.append(r);
    return builder.build();
  }

  /** The records, encoded (the records section of a v2 batch, without its header). */
  get buffer(): Buffer {
    if (!this.#buffer) throw new Error('record set read after it was released (its write had ended)');
    return this.#buffer;
  }

  /**
   * Gives the bytes back at once: for a write that has ended, which nothing reads again. A write's buffer
   * lives until the target acknowledges it, long enough to be promoted to V8's old generation, where its
   * memory would wait for a full collection; V8 starts one only after 64 MiB more of such memory
   * (docs/benchmarks.md, "Memory"). Memory the set shares (Node's pool of small buffers) is left to the collector.
   */
  release(): void {
    const buffer = this.#buffer;
    this.#buffer = undefined;
    if (buffer && this.#owned) (buffer.buffer as ArrayBuffer).transfer(0);
  }

  get count(): number {
    return this.#starts.length;
  }

  get length(): number {
    return this.#starts.length;
  }

  /** Record `i`'s timestamp, ms (approximate beyond safe integers): for latency figures. */
  timestampAt(i: number): number {
    return this.#timestamps[i]!;
  }

  /** Bytes of the key and value that start at `at`. */
  #payloadAfter(at: number): number {
    const key = readVarInt(this.buffer, at);
    const value = readVarInt(this.buffer, key.end + Math.max(0, key.value));
    return Math.max(0, key.value) + Math.max(0, value.value);
  }

  /**
   * The set of records `indices` (ascending) of this one: each record's bytes copied, its offset delta
   * renumbered; the base timestamp stays, so the timestamp deltas are kept as they are.
   */
  pick(indices: readonly number[]): RecordSet {
    const w = new Writer(this.buffer.length);
    const starts = new Uint32Array(indices.length);
    const timestamps = new Float64Array(indices.length);
    let max: number | bigint | undefined;
    let payloadBytes = 0;
    indices.forEach((i, n) => {
      const { bodyStart, end } = this.#bounds(i);
      const data = this.buffer;
      // attributes, timestamp delta, then the offset delta to renumber, then the rest as it is.
      const delta = readVar(data, bodyStart + 1);
      const offsetDelta = readVarInt(data, delta.end);
      const head = delta.end - bodyStart;
      const rest = end - offsetDelta.end;
      const body = head + sizeOfUVarInt(zigZag32(n)) + rest;
      w.room(5 + body);
      starts[n] = w.at;
      w.uvarint(zigZag32(body));
      w.at += data.copy(w.data, w.at, bodyStart, delta.end);
      w.uvarint(zigZag32(n));
      w.at += data.copy(w.data, w.at, offsetDelta.end, end);
      timestamps[n] = this.#timestamps[i]!;
      const timestamp = this.#timestampOf(delta.value);
      if (max === undefined || timestamp > max) max = timestamp;
      payloadBytes += this.#payloadAfter(offsetDelta.end);
    });
    return new RecordSet({
      buffer: w.data.subarray(0, w.at),
      owned: w.ownsData,
      starts,
      timestamps,
      base: this.firstTimestamp,
      max: max ?? this.firstTimestamp,
      payloadBytes,
    });
  }

  at(index: number): SinkRecord | undefined {
    const i = Math.trunc(index) < 0 ? this.count + Math.trunc(index) : Math.trunc(index);
    return i >= 0 && i < this.count ? this.#decode(i) : undefined;
  }

  *[Symbol.iterator](): Iterator<SinkRecord> {
    for (let i = 0; i < this.count; i++) yield this.#decode(i);
  }

  #timestampOf(delta: number | bigint): number | bigint {
    const base = this.firstTimestamp;
    if (typeof base === 'number' && typeof delta === 'number' && Number.isSafeInteger(base + delta))
      return base + delta;
    const big = BigInt(base) + BigInt(delta);
    return Number.isSafeInteger(Number(big)) ? Number(big) : big;
  }

  #bounds(i: number): { bodyStart: number; end: number } {
    const { value: length, end: bodyStart } = readVarInt(this.buffer, this.#starts[i]!);
    return { bodyStart, end: bodyStart + length };
  }

  #decode(i: number): SinkRecord {
    const data = this.buffer;
    const { bodyStart } = this.#bounds(i);
    const delta = readVar(data, bodyStart + 1);
    let at = readVarInt(data, delta.end).end;
    const bytes = (): Buffer | null => {
      const { value: length, end } = readVarInt(data, at);
      at = end + Math.max(0, length);
      return length < 0 ? null : Buffer.from(data.subarray(end, at));
    };
    const key = bytes();
    const value = bytes();
    const { value: count, end } = readVarInt(data, at);
    at = end;
    const headers: Headers = {};
    for (let h = 0; h < count; h++) {
      const name = bytes()!.toString('utf8');
      // A null value reads as null, as kafkajs decodes it (absent and null are both written as null).
      putHeader(headers, name, bytes() as Buffer);
    }
    return { timestamp: String(this.#timestampOf(delta.value)), key, value, headers };
  }
}
