/**
 * The serving side of Peer.StreamRecords: region X's node reads its OWN cluster for a requesting region R
 * and sends R only the records R's forwarding tree needs from X (stream-filter.ts), in batches of at most
 * `maxBatchBytes` before compression, each carrying its source offsets and where the partition's next batch
 * starts (`nextOffset`, past the records filtered out too), compressed as the request asks.
 *
 * Flow control: each partition's read waits for its batches to be sent, and a send waits while gRPC's
 * buffer towards R is full, so X reads no faster than R takes. A batch the reader delivers whose records R
 * needs none of is still sent, empty, so R learns how far X read (its position and lag move on).
 *
 * One read for every stream: the records come from X's shared read of the topic (shared-reads.ts), fanned out
 * to every region that streams it; a stream behind the shared read's window reads on its own until it
 * reaches it.
 *
 * The request is checked before (node/rpc-checks); this class trusts it.
 */
import type { Logger } from '../log/index.ts';
import type { LinkContext, ProvenanceKeys, SourceRecord } from '../replication/index.ts';
import type { RpcCallContext, StreamRecordsBatch, StreamRecordsRequest } from '../rpc/index.ts';
import { compressRecords, streamCompressionOf, type StreamCompression } from './stream-compression.ts';
import { recordBytes } from './fanout-partition.ts';
import type { FanoutBatch, SharedReads } from './shared-reads.ts';
import { neededRecords } from './stream-filter.ts';
import { encodeStreamRecordsV1 } from './stream-record-codec.ts';
import { STREAM_DEFAULTS } from './stream-defaults.ts';

/** What the serving node gives its streamer. */
export interface RecordStreamerOptions {
  mesh: string;
  /** The serving region X. */
  region: string;
  /** The mesh's regions. */
  meshRegions?: ReadonlySet<string>;
  /** The serving node's keys (current + accepted), read at each batch (they may rotate). */
  provenanceKeys(): ProvenanceKeys;
  /** The link X → `to` as `to`'s node runs it; the request was checked to name one. */
  linkTo(to: string): LinkContext;
  /** X's shared reads of its own cluster (one per node, for every stream). */
  reads: Pick<SharedReads, 'serve'>;
  /** How often an idle stream gets an empty batch; default STREAM_DEFAULTS.heartbeatMs. */
  heartbeatMs?: number;
  /** Counts what each stream read and sent. */
  onBatchSent?(to: string, read: number, sent: number, wireBytes: number): void;
  logger: Logger;
}

/** Splits records into runs of at most `maxBytes` (a larger record is a run of its own). */
export function chunkByBytes(records: readonly SourceRecord[], maxBytes: number): SourceRecord[][] {
  const chunks: SourceRecord[][] = [];
  let chunk: SourceRecord[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = recordBytes(record);
    if (chunk.length > 0 && bytes + size > maxBytes) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(record);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/** Serves Peer.StreamRecords from the serving node's own cluster. */
export class RecordStreamer {
  readonly #options: RecordStreamerOptions;
  readonly #logger: Logger;
  readonly #heartbeatMs: number;

  constructor(options: RecordStreamerOptions) {
    this.#options = options;
    this.#heartbeatMs = options.heartbeatMs ?? STREAM_DEFAULTS.heartbeatMs;
    this.#logger = options.logger.child({ component: 'record-streamer' });
  }

  /** Streams until the caller goes away (`context.signal`), or rejects when the read fails for good. */
  async streamRecords(
    request: StreamRecordsRequest,
    context: RpcCallContext,
    send: (batch: StreamRecordsBatch) => Promise<void>,
  ): Promise<void> {
    const { mesh } = this.#options;
    const compression = streamCompressionOf(request.compression) ?? 'zstd';
    const maxBatchBytes = request.maxBatchBytes || STREAM_DEFAULTS.maxBatchBytes;
    const starts = new Map(request.partitions.map((p) => [p.partition, p.fromOffset]));
    const link = this.#options.linkTo(request.region);
    const { signal } = context;
    const log = { to: request.region, topic: request.topic, partitions: [...starts.keys()], compression };
    this.#logger.info(log, 'record stream opened');
    let lastSentAtMs = Date.now();
    const sendCounted = async (wire: StreamRecordsBatch): Promise<void> => {
      await send(wire);
      lastSentAtMs = Date.now();
    };
    // Nothing to send for a while: an empty batch says the stream is alive (the caller falls back on silence).
    const [first] = request.partitions;
    const heartbeat = setInterval(
      () => {
        if (signal.aborted || Date.now() - lastSentAtMs < this.#heartbeatMs || !first) return;
        const at = starts.get(first.partition)!;
        const empty = { partition: first.partition, records: [], readEnd: at, highWatermark: 0 };
        sendCounted(this.#encode(request.topic, empty, [], at, 0, compression)).catch(() => undefined);
      },
      Math.max(10, Math.floor(this.#heartbeatMs / 4)),
    );
    const deliver = async (batch: FanoutBatch): Promise<void> => {
      if (signal.aborted) return;
      const needed = neededRecords(batch.records, {
        mesh,
        link,
        provenanceKeys: this.#options.provenanceKeys(),
        ...(this.#options.meshRegions && { meshRegions: this.#options.meshRegions }),
      });
      const chunks = chunkByBytes(needed, maxBatchBytes);
      if (chunks.length === 0) chunks.push([]);
      let readFrom = 0;
      try {
        for (const [i, chunk] of chunks.entries()) {
          const nextOffset = i === chunks.length - 1 ? batch.readEnd : chunk[chunk.length - 1]!.offset + 1;
          // Every record read is counted once: a run's records and those filtered out before it.
          let readTo = readFrom;
          while (readTo < batch.records.length && batch.records[readTo]!.offset < nextOffset) readTo++;
          const wire = this.#encode(request.topic, batch, chunk, nextOffset, readTo - readFrom, compression);
          readFrom = readTo;
          await sendCounted(wire);
          this.#options.onBatchSent?.(request.region, wire.readCount, chunk.length, wire.records.length);
        }
      } catch (err) {
        if (signal.aborted) return;
        throw err;
      }
      starts.set(batch.partition, batch.readEnd);
    };
    try {
      const stream = { to: request.region, topic: request.topic, starts: new Map(starts), deliver, signal };
      await this.#options.reads.serve(stream);
    } finally {
      clearInterval(heartbeat);
      this.#logger.info(log, 'record stream closed');
    }
  }

  #encode(
    topic: string,
    batch: FanoutBatch,
    records: readonly SourceRecord[],
    nextOffset: number,
    readCount: number,
    compression: StreamCompression,
  ): StreamRecordsBatch {
    const encoded = encodeStreamRecordsV1(records);
    return {
      topic,
      partition: batch.partition,
      nextOffset,
      highWatermark: batch.highWatermark,
      compression,
      records: compressRecords(encoded, compression),
      recordCount: records.length,
      readCount,
      uncompressedBytes: encoded.length,
    };
  }
}
