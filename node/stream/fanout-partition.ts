/**
 * One partition of the serving node's own cluster as its shared read serves every stream that asks for it:
 * a window of the batches read most recently (bounded in bytes) and the position of each stream. Pure: the
 * reading, waiting and sending are in shared-reads.ts.
 *
 * The window holds the batches between `start` and `head` (the next offset the shared read delivers). Each
 * batch covers the offsets from the head before it to its read end, so the gaps a partition may hold
 * (compaction, transaction markers) are covered too. A stream at `position` is, for this partition:
 * - **following** when `start <= position`: it takes its next batch from the window (`next`), or waits for the
 *   shared read when `position >= head` (a stream ahead of the shared read waits for it the same way);
 * - **behind** when `position < start`: the window no longer holds what it needs; it reads on its own until
 *   its position reaches `start`, then follows again.
 * The shared read appends a batch, then evicts the oldest batches down to `maxBytes` (the newest batch always
 * stays). Before evicting it may wait for the followers the eviction would leave behind (`wouldFallBehind`),
 * up to a bound: a slow stream falls off onto its own read instead of stalling the others.
 * Memory: at most `maxBytes` plus the largest batch the reader delivers, per partition read shared.
 */
import { recordsFrom, type SourceBatch, type SourceRecord } from '../replication/index.ts';

/** Bytes a record takes before compression (as the batch bound and the window count it). */
export function recordBytes(record: SourceRecord): number {
  let size = 40 + (record.key?.length ?? 0) + (record.value?.length ?? 0);
  for (const [name, value] of Object.entries(record.headers)) {
    for (const v of Array.isArray(value) ? value : [value]) size += 9 + name.length + (v?.length ?? 0);
  }
  return size;
}

/** A batch as the window holds it: the offsets [from, readEnd) it covers. */
interface WindowBatch {
  from: number;
  readEnd: number;
  records: SourceRecord[];
  highWatermark: number;
  bytes: number;
}

/** What a stream reads next of the partition. */
export type FanoutNext =
  /** Records of one batch from the stream's position on (maybe none: a gap), and where the next starts. */
  | { kind: 'batch'; records: SourceRecord[]; readEnd: number; highWatermark: number }
  /** Nothing newer than the stream's position was read yet: wait for the shared read. */
  | { kind: 'wait' }
  /** The window starts past the stream's position: read on its own up to `start`. */
  | { kind: 'behind'; start: number };

/** One partition's window and its streams' positions. */
export class FanoutPartition {
  readonly maxBytes: number;
  #batches: WindowBatch[] = [];
  #bytes = 0;
  #head: number;
  readonly #positions = new Map<string, number>();

  /** `head`: where the shared read starts (the first stream's position). */
  constructor(head: number, maxBytes: number) {
    if (!Number.isSafeInteger(head) || head < 0) throw new RangeError(`head ${head}: not an offset`);
    if (!(maxBytes > 0)) throw new RangeError(`maxBytes ${maxBytes}: must be positive`);
    this.#head = head;
    this.maxBytes = maxBytes;
  }

  /** The next offset the shared read delivers. */
  get head(): number {
    return this.#head;
  }

  /** The first offset the window serves (the head when it is empty). */
  get start(): number {
    return this.#batches[0]?.from ?? this.#head;
  }

  /** Bytes of the records the window holds. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The streams reading the partition. */
  get streams(): number {
    return this.#positions.size;
  }

  /** Adds a stream at `position` (or moves it there). */
  join(stream: string, position: number): void {
    this.#positions.set(stream, position);
  }

  /** Removes a stream; true when none is left. */
  leave(stream: string): boolean {
    this.#positions.delete(stream);
    return this.#positions.size === 0;
  }

  /** The stream's position: the next offset it needs. */
  positionOf(stream: string): number | undefined {
    return this.#positions.get(stream);
  }

  /** The stream handled everything before `position` (it never moves back). */
  advance(stream: string, position: number): void {
    const at = this.#positions.get(stream);
    if (at !== undefined && position > at) this.#positions.set(stream, position);
  }

  /** Whether the stream takes its next records from the window (else it reads on its own). */
  isFollowing(stream: string): boolean {
    const at = this.#positions.get(stream);
    return at !== undefined && at >= this.start;
  }

  /** Whether any stream takes its records from the window. */
  hasFollowers(): boolean {
    return this.followerCount() > 0;
  }

  /** How many streams take their records from the window. */
  followerCount(): number {
    const start = this.start;
    let n = 0;
    for (const at of this.#positions.values()) if (at >= start) n++;
    return n;
  }

  /**
   * Appends what the shared read delivered; records before the head (a batch read again) are left out.
   * Returns how many records were added (what the shared read read anew).
   */
  append(batch: Pick<SourceBatch, 'records' | 'highWatermark' | 'lastOffset'>): number {
    const records = recordsFrom(batch.records, this.#head);
    const last = batch.records.at(-1);
    const readEnd = Math.max(last ? last.offset + 1 : 0, (batch.lastOffset ?? -1) + 1, this.#head);
    if (readEnd === this.#head) return 0;
    let bytes = 0;
    for (const r of records) bytes += recordBytes(r);
    this.#batches.push({ from: this.#head, readEnd, records, highWatermark: batch.highWatermark, bytes });
    this.#bytes += bytes;
    this.#head = readEnd;
    return records.length;
  }

  /** Where the window would start after evicting down to `maxBytes` (the newest batch always stays). */
  #startAfterEviction(): number {
    let bytes = this.#bytes;
    let i = 0;
    while (i < this.#batches.length - 1 && bytes > this.maxBytes) bytes -= this.#batches[i++]!.bytes;
    return this.#batches[i]?.from ?? this.#head;
  }

  /** The following streams that evicting now would leave behind (slower than the window is long). */
  wouldFallBehind(): string[] {
    const start = this.start;
    const after = this.#startAfterEviction();
    const slow: string[] = [];
    for (const [stream, at] of this.#positions) if (at >= start && at < after) slow.push(stream);
    return slow;
  }

  /** Drops the oldest batches while the window holds more than `maxBytes` (the newest stays). */
  evict(): void {
    while (this.#batches.length > 1 && this.#bytes > this.maxBytes)
      this.#bytes -= this.#batches.shift()!.bytes;
  }

  /** Empties the window and moves the head to `head` (the shared read reads from there on). */
  reset(head: number): void {
    this.#batches = [];
    this.#bytes = 0;
    this.#head = head;
  }

  /** What the stream reads next: one batch of the window from its position on, a wait, or its own read. */
  next(stream: string): FanoutNext {
    const at = this.#positions.get(stream);
    if (at === undefined) throw new RangeError(`stream ${stream} does not read this partition`);
    if (at < this.start) return { kind: 'behind', start: this.start };
    if (at >= this.#head) return { kind: 'wait' };
    const batch = this.#batches.find((b) => b.readEnd > at)!;
    return {
      kind: 'batch',
      records: batch.from >= at ? batch.records : batch.records.filter((r) => r.offset >= at),
      readEnd: batch.readEnd,
      highWatermark: batch.highWatermark,
    };
  }
}
