/**
 * The small interfaces the replication logic speaks to. The Kafka adapter implements them; tests can fake
 * them. Offsets are JavaScript numbers (exact to 2^53).
 */
import type { SourceReadingState } from './coverage-audit.ts';
import type { Headers } from './origin-headers.ts';
import type { RecordSet } from './record-set.ts';

export type { SourceReadingState };

/** A record read from a source cluster. */
export interface SourceRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Headers;
}

/**
 * Records of a batch in offset order, as the link reads them: an array is one, so is a PackedRecords (one
 * buffer for a batch waiting its turn, packed-records.ts). A record read twice may be two objects.
 */
export interface RecordList extends Iterable<SourceRecord> {
  readonly length: number;
  /** Bytes of the records' keys and values, when the list knows them without reading its records. */
  readonly payloadBytes?: number;
  /** The record at `index`; a negative index counts from the end (as Array.prototype.at). */
  at(index: number): SourceRecord | undefined;
  /**
   * Says the reader is done with the records: none of them, nor any key, value or header read from them, is
   * read after. A list whose memory can be given back early does so; reading it after throws.
   */
  release?(): void;
}

/** Consecutive records of one source partition, in offset order. */
export interface SourceBatch {
  topic: string;
  partition: number;
  records: RecordList;
  /** The source partition's high watermark when the batch was fetched (for lag). */
  highWatermark: number;
  /**
   * The offset of the last entry fetched, when the source knows it: past the last record when the fetch ended
   * in entries that are not records (a transaction's commit marker, aborted records). Lag counts from it.
   */
  lastOffset?: number;
  /** Keeps the source's group membership alive during a long (e.g. rate-limited) batch. */
  heartbeat?: () => Promise<void>;
  /**
   * When the node had the batch in hand (its fetch response or stream message arrived, `Date.now()`): from
   * here to the target's acknowledgement is the node's part of a record's latency (geomesh_node_latency_seconds).
   */
  receivedAtMs?: number;
}

export type { SinkRecord } from './record-set.ts';

/** `topic\0partition`: the key of a partition in the node's maps. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

/**
 * What the consumer of a batch did with it: everything handled, or the partition must halt (by policy) with
 * `resumeAt` the first offset not handled; the source then pauses that partition and does not move past it.
 */
export type BatchOutcome =
  | { kind: 'done' }
  | { kind: 'halted'; resumeAt: number }
  /** This instance does not own the target partition (any more): pause reading it, resolve nothing. */
  | { kind: 'released' };

/** A source partition's offsets as the source cluster reports them now. */
export interface PartitionOffsets {
  /** The first offset still stored (records below it were deleted by retention or deleteRecords). */
  logStart: number;
  /** The offset the next record written will get (the high watermark). */
  logEnd: number;
}

/** Reads a source cluster's topics, partition by partition, from positions the caller chooses. */
export interface RecordSource {
  /**
   * Starts reading `topics`; `positionOf` gives the next offset to read of a partition (undefined: from the
   * earliest). A partition's `onBatch` calls never overlap and come in order: the next starts once the one
   * before has resolved (backpressure); the source may fetch that next batch meanwhile. With `isReadable`,
   * partitions it refuses are paused as soon as they are assigned, until `resumePartition`.
   */
  start(
    topics: readonly string[],
    positionOf: (tp: TopicPartition) => number | undefined,
    onBatch: (batch: SourceBatch) => Promise<BatchOutcome>,
    isReadable?: (tp: TopicPartition) => boolean,
  ): Promise<void>;
  /** Stops reading these partitions (no more batches after those in flight). */
  pausePartitions(tps: readonly TopicPartition[]): void;
  /** Reads a paused partition again from `position` (undefined: where the consumer stands). */
  resumePartition(tp: TopicPartition, position: number | undefined): void;
  /** Reads `topics` from now on (after start). */
  update(topics: readonly string[]): Promise<void>;
  /** What the source reads now: whether it is in its group, its assignment and paused partitions (audit). */
  readingState(): SourceReadingState;
  /**
   * When the source cluster last answered one of this reader's fetches (epoch ms; an idle reader is answered
   * every fetch wait, ~100 ms), undefined before the first answer. A reader without it never reports a stall.
   */
  lastAnswerAtMs?(): number | undefined;
  /** How it gets the records now, for a source that can stream (docs/record-stream.md); absent: `pull`. */
  path?(): 'stream' | 'pull';
  /**
   * The partition's log start and end offsets, asked of the source cluster now. Used to tell a truncated or
   * re-created partition from gaps that are legitimate; callers rate-limit it.
   */
  partitionOffsets(topic: string, partition: number): Promise<PartitionOffsets>;
  /** Every partition's offsets of `topic`, in one request (for lag). */
  topicOffsets(topic: string): Promise<ReadonlyMap<number, PartitionOffsets>>;
  /**
   * The offset an earlier run committed for the partition, as read when reading (re)started, before this run
   * moved it: where that run stopped. Undefined when there is none (never read, or reset to the earliest).
   */
  committedOffset(topic: string, partition: number): number | undefined;
  stop(): Promise<void>;
}

/** Writes records into one partition of the target cluster, in order, acknowledged by every replica. */
export interface RecordSink {
  /**
   * Resolves with the target offset of the first record once all are durable. The records come encoded
   * (record-set.ts): the producer sends their bytes as they are.
   */
  write(topic: string, partition: number, records: RecordSet): Promise<{ baseOffset: number }>;
  stop(): Promise<void>;
}
