/** The shapes of a link: its options, state, counters, observer, and a pending write. */
import type { Logger } from '../log/index.ts';
import type { DropReason, LinkContext } from './forward-decision.ts';
import type { Origin, ProvenanceKeys } from './origin-headers.ts';
import type { OriginHighwater } from './origin-highwater.ts';
import type { RecordSink, RecordSource, SinkRecord } from './ports.ts';
import type { RateLimiterClock } from './rate-limiter.ts';
import type { RecordSet } from './record-set.ts';

export type LinkState = 'idle' | 'running' | 'stopping' | 'stopped';

/** Counters a link keeps; metrics and status read them. */
export interface LinkStats {
  recordsWritten: number;
  bytesWritten: number;
  dropped: Record<DropReason, number>;
  /** Records read that carried geomesh headers without a valid provenance tag. */
  forgedHeaders: number;
  /** Per source partition `topic/partition`: records behind the high watermark after the last batch. */
  lagRecords: Map<string, number>;
  /** Milliseconds between a written record's timestamp and its acknowledgement, last batch. */
  lastLatencyMs: number;
  /** Records passed over by the `skip` policy because the target refused them as too large. */
  skippedTooLarge: number;
  /** Writes retried after a failure whose outcome was unknown. */
  writeRetries: number;
  /** Halted source partitions `topic/partition` → why. */
  halted: Map<string, string>;
  /**
   * Records deleted from a source partition before they were copied (retention, deleteRecords; for a
   * re-created partition, what the old one held beyond the copied part at the last fetch). An upper bound
   * where the deleted range held transaction markers or other origins' replicas; see `source-truncation.md`.
   */
  truncatedRecords: number;
  /** Times a source partition's offsets went back: re-created, or truncated from its end. */
  sourceResets: number;
  /** Records read whose tag was made by a mesh key this node does not hold (dropped, skipped or halted on). */
  unknownKeyRecords: number;
  /** Of those, records passed over by the `skip` policy (the link would have had to write them). */
  skippedUnknownKey: number;
  /**
   * Why the link does not read now because the two nodes' key sets do not agree (key ids only); '' when they
   * agree or nothing is known. See `setKeyMismatch`.
   */
  keyMismatch: string;
}

/** A link's counters before it has done anything. */
export function emptyLinkStats(): LinkStats {
  return {
    recordsWritten: 0,
    bytesWritten: 0,
    dropped: { loop: 0, 'not-forwarded': 0, duplicate: 0 },
    forgedHeaders: 0,
    lagRecords: new Map(),
    lastLatencyMs: 0,
    skippedTooLarge: 0,
    writeRetries: 0,
    halted: new Map(),
    truncatedRecords: 0,
    sourceResets: 0,
    unknownKeyRecords: 0,
    skippedUnknownKey: 0,
    keyMismatch: '',
  };
}

export interface LinkReplicatorOptions {
  mesh: string;
  link: LinkContext;
  topics: readonly string[];
  source: RecordSource;
  sink: RecordSink;
  /** Shared by every inbound link of the region: they write into the same partitions. */
  highwater: OriginHighwater;
  /**
   * The keys to verify with and (the current one) to tag with: a `ProvenanceKeySet`, or one key prepared
   * once with `provenanceKeyObject` (HMAC key setup per record is costly).
   */
  provenanceKey: ProvenanceKeys;
  /** The regions of the mesh (origin claims naming none of them are an application's); default: any. */
  meshRegions?: ReadonlySet<string>;
  /**
   * A record tagged by a mesh key this node does not hold, which the link would have to write: `halt` the
   * partition before it (default) or `skip` it (counted, logged, not written). Never written as local.
   */
  onUnknownProvenanceKey?: 'halt' | 'skip';
  logger: Logger;
  /** Told what the link does, for metrics. */
  observer?: LinkObserver;
  /** A record larger than the target accepts: `halt` the partition before it (default) or `skip` it. */
  onRecordTooLarge?: 'halt' | 'skip';
  /**
   * A source partition lost records before they were copied, or was re-created: `continue` (default) counts
   * and logs it and goes on (for a re-created partition, from its new records); `halt` also stops the
   * partition before the batch where it was noticed.
   */
  onSourceTruncated?: 'continue' | 'halt';
  /**
   * Least milliseconds between two log-start checks of one source partition after gaps in its offsets
   * (gaps are mostly compaction or transaction markers); default NODE_DEFAULTS.truncationCheckIntervalMs.
   * Gaps in between wait for the next.
   */
  truncationCheckIntervalMs?: number;
  /**
   * Told each acknowledged write: record i, of origin `origins[i]`, sits at target offset `baseOffset + i`
   * (the origin index is built from this).
   */
  onAcked?: (topic: string, partition: number, baseOffset: number, origins: readonly Origin[]) => void;
  /**
   * After a write whose outcome is unknown (timeout, broker restart), re-reads the target partition's tail
   * and raises the marks for whatever did land, so the retry writes nothing twice.
   */
  resync?: (topic: string, partition: number) => Promise<void>;
  /**
   * Most bytes (keys, values, headers) in one produce request (the link's `maxBatchBytes`). Origin headers add
   * ~80 bytes a record, so a full fetch of small records would exceed the broker's 1 MiB request limit unchunked.
   */
  maxBatchBytes: number;
  /** Most records a second the link writes (a token bucket of one second); default unlimited. */
  maxRecordsPerSecond?: number;
  /**
   * Most bytes of batches being handled at once (read, not yet written); a batch waits for room, which
   * pauses reading its partition. Default unlimited (the source's fetch size bounds it).
   */
  maxInflightBytes?: number;
  /** The limiter's clock, for tests. */
  rateLimiterClock?: RateLimiterClock;
  /**
   * Work sharing: which target partitions this instance owns now. Without it every partition is the link's.
   * With it the source reads only owned partitions (from where the target shows earlier runs got, see
   * `takePartitions`), a batch of a partition not owned is handed back unread, and a write the sink refuses
   * with GEOMESH_REPLICATION_NOT_OWNER ends the batch the same way.
   */
  ownership?: { owns(topic: string, partition: number): boolean };
  /** Backoff between write attempts (the link's `writeRetryBackoffMs`); default NODE_DEFAULTS. */
  retryBackoffMs?: { initial: number; max: number };
}

/** A record's size in a produce request, near enough for chunking: key, value, headers, ~20 bytes framing. */
export function approximateBytes(record: SinkRecord): number {
  let bytes = 20 + (record.key?.length ?? 0) + (record.value?.length ?? 0);
  const headers = record.headers;
  // No arrays made per record (this runs for every record written).
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) bytes += name.length + v.length + 2;
    else bytes += name.length + value.length + 2;
  }
  return bytes;
}

/**
 * One write of a link: its records encoded, and per record its origin (region and offset, in two arrays: an
 * origin object per record lived until the write was acknowledged, and was promoted) and its source offset.
 */
export interface PendingWrites {
  records: RecordSet;
  regions: readonly string[];
  originOffsets: readonly number[];
  sourceOffsets: readonly number[];
  /** When the node had the records in hand (SourceBatch.receivedAtMs), if the source said. */
  receivedAtMs?: number;
}

/** The write of records `indices` (ascending) of `writes`. */
export function pickWrites(writes: PendingWrites, indices: readonly number[]): PendingWrites {
  return {
    records: writes.records.pick(indices),
    regions: indices.map((i) => writes.regions[i]!),
    originOffsets: indices.map((i) => writes.originOffsets[i]!),
    sourceOffsets: indices.map((i) => writes.sourceOffsets[i]!),
    ...(writes.receivedAtMs !== undefined && { receivedAtMs: writes.receivedAtMs }),
  };
}

/** The origins of `writes`' records, in order. */
export function originsOf(writes: PendingWrites): Origin[] {
  return writes.regions.map((region, i) => ({ region, offset: writes.originOffsets[i]! }));
}

/** The write of records `start`..`end` (exclusive) of `writes`. */
export function sliceWrites(writes: PendingWrites, start: number, end: number): PendingWrites {
  const count = writes.regions.length;
  if (start === 0 && end >= count) return writes;
  const indices: number[] = [];
  for (let i = start; i < Math.min(end, count); i++) indices.push(i);
  return pickWrites(writes, indices);
}

/** Receives what a link does, batch by batch (metrics live behind it). */
export interface LinkObserver {
  written(info: {
    topic: string;
    partition: number;
    records: number;
    bytes: number;
    /** Per record: from its timestamp to the acknowledgement. */
    latenciesMs: number[];
    /**
     * Per write told of (a link tells one at a time): from when the node had its records in hand
     * (SourceBatch.receivedAtMs) to the acknowledgement, that is the wait behind the partition's write before,
     * the link's work and the produce round trip. Absent when the source did not say.
     */
    heldMs?: readonly number[];
  }): void;
  dropped(reason: DropReason, count: number): void;
  forged(count: number): void;
  lag(topic: string, partition: number, records: number): void;
  tooLarge(topic: string): void;
  halted(topic: string, partition: number): void;
  /** A source partition lost `records` before they were copied (0: re-created, nothing known lost). */
  truncated(topic: string, partition: number, records: number): void;
  /** Records tagged by a mesh key this node does not hold were read. */
  unknownKey?(count: number): void;
}
