/**
 * The peer record stream (Peer.StreamRecords): the serving side that reads a region's own cluster once per
 * partition (shared reads) and sends each requesting region only the records its forwarding tree needs,
 * compressed, under gRPC flow control; the receiving side; and the codecs both sides share. See docs/record-stream.md.
 */
export { RecordStreamer, chunkByBytes, type RecordStreamerOptions } from './record-streamer.ts';
export {
  SharedReads,
  type FanoutBatch,
  type FanoutRead,
  type FanoutStream,
  type SharedReadsOptions,
} from './shared-reads.ts';
export { FanoutPartition, recordBytes, type FanoutNext } from './fanout-partition.ts';
export { neededRecords, type StreamFilterContext } from './stream-filter.ts';
export {
  STREAM_COMPRESSIONS,
  compressRecords,
  decompressRecords,
  streamCompressionOf,
  type StreamCompression,
} from './stream-compression.ts';
export { decodeStreamRecordsV1, encodeStreamRecordsV1, type StreamedRecord } from './stream-record-codec.ts';
export { STREAM_DEFAULTS } from './stream-defaults.ts';
export {
  StreamRecordSource,
  type LinkPath,
  type LinkPathObserver,
  type PeerRecordStreams,
  type StreamRecordSourceOptions,
} from './stream-record-source.ts';
