/**
 * A fetched partition's records read where they were fetched: the consumer's `fetchedRecords` mode (patched
 * into kafkajs, `recordBatch/v0/fetchedRecords.js`) locates each data record in the fetch response's bytes;
 * this list decodes a record's key, value and headers when the link reads it, one write at a time.
 *
 * Why: decoded by kafkajs, every record became a record object, offset and timestamp strings, a view per key
 * and value and a headers object, all made for a whole partition at once and then copied again into a packed
 * batch (node/replication/packed-records.ts); most of them outlived a young-generation collection and were
 * promoted, to die in V8's old generation (docs/benchmarks.md, "Memory"). Read in place, a waiting batch is
 * the response's bytes and four typed arrays, and a record's objects die young with its write.
 */
import type { FetchedRecords as FetchedLayout } from 'kafkajs';
import { putHeader, type Headers, type RecordList, type SourceRecord } from '../replication/index.ts';

/** Header names a list remembers (by their bytes) rather than decoding them again for every record. */
const MAX_REMEMBERED_NAMES = 32;

export class FetchedRecords implements RecordList {
  readonly topic: string;
  readonly partition: number;
  readonly length: number;
  readonly payloadBytes: number;
  readonly #layout: FetchedLayout;
  /** Header names met so far: where their bytes are (in the buffer) and the name. */
  readonly #names: { start: number; end: number; name: string }[] = [];
  /** Where the last read ended. */
  #at = 0;
  #isReleased = false;

  /**
   * `layout`'s bytes are a view of the fetch response, which the list keeps alive until it is released (then
   * the response is given back once no other batch of it holds it: kafkajs' `responseBuffers.js`) or dropped.
   * That stays bounded: kafkajs fetches from a broker again only once every batch of its last response was
   * handed over (eachBatch returned), and the link hands a partition's batch over when the write before it
   * has ended, so a broker has at most two responses alive, one being written and one waiting (a fetch's
   * `maxBytes` each). Copying each partition's part out instead cost 2 workers ~50 MiB more peak at 100 B
   * (docs/benchmarks.md, "Fifth round").
   */
  constructor(topic: string, partition: number, layout: FetchedLayout) {
    this.topic = topic;
    this.partition = partition;
    this.length = layout.count;
    this.payloadBytes = layout.payloadBytes;
    this.#layout = layout;
  }

  at(index: number): SourceRecord | undefined {
    const i = Math.trunc(index) < 0 ? this.length + Math.trunc(index) : Math.trunc(index);
    return i >= 0 && i < this.length ? this.#record(i) : undefined;
  }

  *[Symbol.iterator](): Iterator<SourceRecord> {
    for (let i = 0; i < this.length; i++) yield this.#record(i);
  }

  /**
   * The link is done with the records: the fetch response may be given back once no other batch read from it
   * holds it (kafkajs' `release`, which detaches its buffer: the keys and values read from it are then empty).
   * Reading the list after throws.
   */
  release(): void {
    if (this.#isReleased) return;
    this.#isReleased = true;
    this.#layout.release();
  }

  #record(i: number): SourceRecord {
    if (this.#isReleased)
      throw new Error(
        `fetched records of ${this.topic}/${this.partition} read after they were released (their batch was handled)`,
      );
    const { keyStarts, ends, offsets, timestamps } = this.#layout;
    const end = ends[i]!;
    this.#at = keyStarts[i]!;
    const key = this.#bytes(end);
    const value = this.#bytes(end);
    const headers: Headers = {};
    const count = this.#varInt(end);
    for (let h = 0; h < count; h++) {
      const nameLength = this.#varInt(end);
      if (nameLength < 0) throw this.#malformed(i, 'a header without a name');
      const name = this.#name(this.#at, this.#at + nameLength, end, i);
      this.#at += nameLength;
      // A header value of length -1 is null, as kafkajs decodes it (the packed batch kept it so too).
      putHeader(headers, name, this.#bytes(end) as Buffer);
    }
    if (this.#at > end) throw this.#malformed(i, 'it reads past its end');
    return {
      topic: this.topic,
      partition: this.partition,
      offset: offsets[i]!,
      timestamp: String(timestamps[i]!),
      key,
      value,
      headers,
    };
  }

  /** A zigzag varint (int32) at #at. */
  #varInt(end: number): number {
    const buffer = this.#layout.buffer;
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.#at >= end) break;
      const byte = buffer[this.#at++]!;
      value |= (byte & 0x7f) << shift;
      if (byte < 0x80) return (value >>> 1) ^ -(value & 1);
    }
    throw new RangeError(
      `fetched record of ${this.topic}/${this.partition}: a varint runs past the record's end`,
    );
  }

  /** Bytes with a varint length at #at: null for a negative length, else a view of the fetched bytes. */
  #bytes(end: number): Buffer | null {
    const length = this.#varInt(end);
    if (length < 0) return null;
    const start = this.#at;
    this.#at += length;
    if (this.#at > end)
      throw new RangeError(
        `fetched record of ${this.topic}/${this.partition}: a field runs past the record's end`,
      );
    return this.#layout.buffer.subarray(start, this.#at);
  }

  /** The header name in bytes [start, stop): one met before is not decoded again. */
  #name(start: number, stop: number, end: number, i: number): string {
    if (stop > end) throw this.#malformed(i, 'a header name runs past its end');
    const buffer = this.#layout.buffer;
    const length = stop - start;
    for (const known of this.#names) {
      if (known.end - known.start !== length) continue;
      let same = true;
      for (let k = 0; k < length; k++) {
        if (buffer[known.start + k] !== buffer[start + k]) {
          same = false;
          break;
        }
      }
      if (same) return known.name;
    }
    const name = buffer.toString('utf8', start, stop);
    if (this.#names.length < MAX_REMEMBERED_NAMES) this.#names.push({ start, end: stop, name });
    return name;
  }

  #malformed(i: number, why: string): RangeError {
    return new RangeError(
      `fetched record ${this.topic}/${this.partition}@${this.#layout.offsets[i]} is malformed: ${why}`,
    );
  }
}
