/**
 * One read of the serving node's own cluster fanned out to every stream (Peer.StreamRecords) that asks for
 * the same topic: each topic streamed has one reader (a consumer group of the node's cluster, deleted when
 * its last stream ends) whose batches go into a window per partition (fanout-partition.ts); every stream
 * takes its batches from the window at its own pace, with its own filter, position and flow control (its
 * `deliver` resolves when the batch was sent).
 *
 * - A stream whose position is before the window (it asked for older records, or it fell off) reads on its
 *   own — a reader of its own for the stream's partitions that are behind — until it reaches the window.
 * - The shared read goes at the pace of the fastest stream that follows it, keeping a window of what it read
 *   for the slower ones. A stream about to fall out of the window is waited for out of its grace
 *   (`slowStreamMs` per time it follows the shared read), then left to read on its own: a slow stream delays
 *   the others at most that long. A partition that no stream follows is paused until one does.
 * - Memory: per partition read shared, at most `windowBytes` plus one fetch of the partition
 *   (NODE_DEFAULTS.kafka.fetchMaxBytesPerPartition).
 * Each stream sees each of its partitions in offset order, every offset once (a batch, or the gap it covers).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../log/index.ts';
import {
  recordsFrom,
  type BatchOutcome,
  type RecordSource,
  type SourceBatch,
  type SourceRecord,
} from '../replication/index.ts';
import { FanoutPartition } from './fanout-partition.ts';
import { STREAM_DEFAULTS } from './stream-defaults.ts';

/** Records of one partition for a stream, and where its next batch starts (past gaps too). */
export interface FanoutBatch {
  partition: number;
  records: SourceRecord[];
  readEnd: number;
  highWatermark: number;
}

/** A stream as the shared reads serve it. */
export interface FanoutStream {
  /** The requesting region (logs). */
  to: string;
  topic: string;
  /** Each partition's first offset to send. */
  starts: ReadonlyMap<number, number>;
  /** Sends a batch; awaited before the partition's next one. */
  deliver(batch: FanoutBatch): Promise<void>;
  signal: AbortSignal;
}

/** Which read took records from the cluster: the shared one, or a stream's own (behind the window). */
export type FanoutRead = 'shared' | 'own';

export interface SharedReadsOptions {
  mesh: string;
  /** The serving region. */
  region: string;
  /** A reader of the node's own cluster through consumer group `groupId`. */
  openReader(groupId: string): RecordSource;
  /** Deletes a reader's consumer group once it stopped (best effort). */
  deleteReaderGroup?(groupId: string): Promise<void>;
  /** Bound of each partition's window; default STREAM_DEFAULTS.fanoutWindowBytes. */
  windowBytes?: number;
  /** How long the shared read waits for a slow stream before it falls off; default STREAM_DEFAULTS.slowStreamMs. */
  slowStreamMs?: number;
  /** Counts the records read from the cluster. */
  onRead?(topic: string, read: FanoutRead, records: number): void;
  logger: Logger;
}

/** Wakes whoever waits for a change (a batch read, a stream moved, joined or left). */
class Changes {
  readonly #waiters = new Set<() => void>();
  notify(): void {
    for (const wake of [...this.#waiters]) wake();
  }
  /** Resolves at the next change, or after `ms`. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(1, ms));
      this.#waiters.add(wake);
    });
  }
}

/** The read end of a batch: past its last record and any entries after it, never before `at`. */
function readEndOf(batch: Pick<SourceBatch, 'records' | 'lastOffset'>, at: number): number {
  const last = batch.records.at(-1);
  return Math.max(last ? last.offset + 1 : 0, (batch.lastOffset ?? -1) + 1, at);
}

/** Stops a reader (if one was opened) and deletes its consumer group, both best effort. */
async function stopReader(
  reader: RecordSource | undefined,
  groupId: string,
  options: SharedReadsOptions,
  what: string,
): Promise<void> {
  if (!reader) return;
  await reader.stop().catch((err: unknown) => options.logger.warn({ err }, `${what} stop failed`));
  await options
    .deleteReaderGroup?.(groupId)
    .catch((err: unknown) => options.logger.debug({ err }, `${what} group not deleted`));
}

/** The shared read of one topic. */
class TopicRead {
  readonly partitions = new Map<number, FanoutPartition>();
  readonly changes = new Changes();
  /** How long the shared read waited for each slow stream since it last started to follow (its grace used). */
  readonly #waitedMs = new Map<string, number>();
  /** Partitions paused because no stream follows them. */
  readonly #idle = new Set<number>();
  readonly #topic: string;
  readonly #options: SharedReadsOptions;
  readonly #groupId: string;
  #reader: RecordSource | undefined;
  #failure: Error | undefined;
  #isStopped = false;

  constructor(topic: string, options: SharedReadsOptions) {
    this.#topic = topic;
    this.#options = options;
    this.#groupId = `geomesh.${options.mesh}.${options.region}.fanout.${topic}.${randomUUID().slice(0, 8)}`;
  }

  /** The error the shared read failed with, thrown to every stream. */
  throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure;
  }

  join(stream: string, partition: number, position: number): void {
    let part = this.partitions.get(partition);
    if (!part) {
      part = new FanoutPartition(position, this.#options.windowBytes ?? STREAM_DEFAULTS.fanoutWindowBytes);
      this.partitions.set(partition, part);
      this.#readFrom(partition, position);
    }
    part.join(stream, position);
    if (part.isFollowing(stream)) this.followed(partition, stream);
    else this.changes.notify();
  }

  leave(stream: string, partition: number): void {
    this.#waitedMs.delete(stream);
    if (this.partitions.get(partition)?.leave(stream)) {
      this.partitions.delete(partition);
      this.#idle.delete(partition);
      this.#reader?.pausePartitions([{ topic: this.#topic, partition }]);
    }
    this.changes.notify();
  }

  /** A stream follows the partition again (its grace renewed): a paused shared read reads on. */
  followed(partition: number, stream?: string): void {
    if (stream !== undefined) this.#waitedMs.delete(stream);
    const part = this.partitions.get(partition);
    if (part && this.#idle.delete(partition)) this.#readFrom(partition, part.head);
    this.changes.notify();
  }

  #readFrom(partition: number, position: number): void {
    if (this.#reader) {
      this.#reader.resumePartition({ topic: this.#topic, partition }, position);
      return;
    }
    const reader = this.#options.openReader(this.#groupId);
    this.#reader = reader;
    reader
      .start(
        [this.#topic],
        (tp) => this.partitions.get(tp.partition)?.head,
        (batch) => this.#onBatch(batch),
        (tp) =>
          tp.topic === this.#topic && this.partitions.has(tp.partition) && !this.#idle.has(tp.partition),
      )
      .catch((err: unknown) => {
        this.#failure = err instanceof Error ? err : new Error(String(err));
        this.changes.notify();
      });
  }

  async #onBatch(batch: SourceBatch): Promise<BatchOutcome> {
    const part = this.partitions.get(batch.partition);
    if (!part || this.#isStopped) return { kind: 'released' };
    const added = part.append(batch);
    this.#options.onRead?.(this.#topic, 'shared', added);
    this.changes.notify();
    const slowStreamMs = this.#options.slowStreamMs ?? STREAM_DEFAULTS.slowStreamMs;
    // The read goes at the pace of the fastest stream that follows it: it waits while evicting would leave
    // every follower behind. A slower follower is waited for out of its grace (slowStreamMs per time it
    // follows), then left behind: it reads on its own, the others go on.
    for (;;) {
      const slow = part.wouldFallBehind();
      if (slow.length === 0) break;
      const isPacing = slow.length === part.followerCount();
      const graceMs = Math.min(...slow.map((s) => slowStreamMs - (this.#waitedMs.get(s) ?? 0)));
      if (!isPacing && graceMs <= 0) {
        this.#options.logger.info(
          { topic: this.#topic, partition: batch.partition, streams: slow, slowStreamMs },
          'streams slower than the shared read fall off onto their own reads',
        );
        break;
      }
      const waitMs = isPacing ? 1_000 : Math.min(1_000, graceMs);
      const waitedFrom = Date.now();
      await batch.heartbeat?.().catch(() => undefined);
      await this.changes.wait(waitMs);
      if (!isPacing)
        for (const s of slow) this.#waitedMs.set(s, (this.#waitedMs.get(s) ?? 0) + Date.now() - waitedFrom);
      if (this.partitions.get(batch.partition) !== part || this.#isStopped) return { kind: 'released' };
    }
    part.evict();
    if (part.hasFollowers()) return { kind: 'done' };
    // Nobody follows (every stream reads behind the window): pause until one catches up (`followed`).
    this.#idle.add(batch.partition);
    return { kind: 'released' };
  }

  async stop(): Promise<void> {
    this.#isStopped = true;
    this.changes.notify();
    await stopReader(this.#reader, this.#groupId, this.#options, 'shared read');
  }
}

/** A stream's own read of its partitions that are behind the window, each until it reaches the window. */
class OwnRead {
  readonly #stream: FanoutStream;
  readonly #id: string;
  readonly #read: TopicRead;
  readonly #options: SharedReadsOptions;
  readonly #groupId: string;
  readonly #targets = new Map<number, { resolve(): void; reject(err: unknown): void }>();
  #reader: RecordSource | undefined;

  constructor(stream: FanoutStream, id: string, read: TopicRead, options: SharedReadsOptions) {
    this.#stream = stream;
    this.#id = id;
    this.#read = read;
    this.#options = options;
    this.#groupId = `geomesh.${options.mesh}.${options.region}.stream.${stream.to}.${id}`;
  }

  /** Reads the partition on its own until the stream's position reaches the shared read's window. */
  readUpToWindow(partition: number): Promise<void> {
    const position = this.#read.partitions.get(partition)!.positionOf(this.#id)!;
    return new Promise((resolve, reject) => {
      this.#targets.set(partition, { resolve, reject });
      if (this.#reader) {
        this.#reader.resumePartition({ topic: this.#stream.topic, partition }, position);
        return;
      }
      this.#reader = this.#options.openReader(this.#groupId);
      this.#reader
        .start(
          [this.#stream.topic],
          (tp) => this.#read.partitions.get(tp.partition)?.positionOf(this.#id),
          (batch) => this.#onBatch(batch),
          (tp) => tp.topic === this.#stream.topic && this.#targets.has(tp.partition),
        )
        .catch((err: unknown) => {
          for (const target of this.#targets.values()) target.reject(err);
          this.#targets.clear();
        });
    });
  }

  async #onBatch(batch: SourceBatch): Promise<BatchOutcome> {
    const target = this.#targets.get(batch.partition);
    const part = this.#read.partitions.get(batch.partition);
    const at = part?.positionOf(this.#id);
    if (!target || !part || at === undefined || this.#stream.signal.aborted) return { kind: 'released' };
    const readEnd = readEndOf(batch, at);
    if (readEnd > at) {
      const records = recordsFrom(batch.records, at);
      this.#options.onRead?.(this.#stream.topic, 'own', records.length);
      try {
        await this.#stream.deliver({
          partition: batch.partition,
          records,
          readEnd,
          highWatermark: batch.highWatermark,
        });
      } catch (err) {
        this.#targets.delete(batch.partition);
        target.reject(err);
        return { kind: 'released' };
      }
      part.advance(this.#id, readEnd);
    }
    if (!part.isFollowing(this.#id)) return { kind: 'done' };
    this.#targets.delete(batch.partition);
    target.resolve();
    return { kind: 'released' };
  }

  async stop(): Promise<void> {
    for (const target of this.#targets.values()) target.resolve();
    this.#targets.clear();
    await stopReader(this.#reader, this.#groupId, this.#options, 'own read');
  }
}

/** The serving node's shared reads, one per topic streamed. */
export class SharedReads {
  readonly #options: SharedReadsOptions;
  readonly #topics = new Map<string, TopicRead>();

  constructor(options: SharedReadsOptions) {
    this.#options = { ...options, logger: options.logger.child({ component: 'shared-reads' }) };
  }

  /** Topics read shared now, with their partitions' streams (status, tests). */
  reading(): { topic: string; partition: number; streams: number; windowBytes: number }[] {
    return [...this.#topics].flatMap(([topic, read]) =>
      [...read.partitions].map(([partition, part]) => ({
        topic,
        partition,
        streams: part.streams,
        windowBytes: part.bytes,
      })),
    );
  }

  /** Serves the stream until its signal aborts; rejects when a read or a send fails. */
  async serve(stream: FanoutStream): Promise<void> {
    const id = randomUUID().slice(0, 8);
    let read = this.#topics.get(stream.topic);
    if (!read) {
      read = new TopicRead(stream.topic, this.#options);
      this.#topics.set(stream.topic, read);
    }
    const own = new OwnRead(stream, id, read, this.#options);
    const done = new AbortController();
    const signal = AbortSignal.any([stream.signal, done.signal]);
    const wake = (): void => read.changes.notify();
    signal.addEventListener('abort', wake, { once: true });
    for (const [partition, position] of stream.starts) read.join(id, partition, position);
    const pump = async (partition: number): Promise<void> => {
      const part = read.partitions.get(partition)!;
      while (!signal.aborted) {
        read.throwIfFailed();
        const next = part.next(id);
        if (next.kind === 'wait') {
          await read.changes.wait(1_000);
        } else if (next.kind === 'behind') {
          await own.readUpToWindow(partition);
          read.followed(partition, id);
        } else {
          await stream.deliver({ partition, ...next });
          part.advance(id, next.readEnd);
          read.changes.notify();
        }
      }
    };
    try {
      const ended = await Promise.allSettled(
        [...stream.starts.keys()].map((p) =>
          pump(p).catch((err: unknown) => {
            done.abort();
            throw err;
          }),
        ),
      );
      const failed = ended.find((e) => e.status === 'rejected');
      if (failed && !stream.signal.aborted) throw failed.reason;
    } finally {
      signal.removeEventListener('abort', wake);
      for (const partition of stream.starts.keys()) read.leave(id, partition);
      await own.stop();
      if (read.partitions.size === 0 && this.#topics.get(stream.topic) === read) {
        this.#topics.delete(stream.topic);
        await read.stop();
      }
    }
  }
}
