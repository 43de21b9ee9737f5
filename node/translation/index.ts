/**
 * Offset translation: the origin index (runs of replicated records per partition), its persisted records,
 * group checkpoints, the pure translation algorithms and the consumer-side frontier filter. See
 * `translation-protocol.md`. No I/O here; the region node feeds and persists it.
 */
export { PartitionRuns, type AddOutcome, type Run } from './partition-runs.ts';
export { OriginIndex, BYTES_PER_RUN, type IndexView } from './origin-index.ts';
export {
  decodeIndexRecordV1,
  encodeIndexRecordV1,
  indexTopicName,
  type CheckpointPartition,
  type EncodedIndexRecord,
  type GroupCheckpoint,
  type IndexRecord,
} from './index-codec.ts';
export { CheckpointStore } from './checkpoint-store.ts';
export {
  frontierAt,
  frontierEntries,
  isConsumed,
  seek,
  type Frontier,
  type LogRange,
  type SeekResult,
} from './translate.ts';
export {
  missingOf,
  totalRecords,
  unconsumedAfter,
  type OriginCount,
  type OriginRecords,
} from './replication-gap.ts';
export { FrontierFilter, type ConsumedRecord, type FrontierFilterOptions } from './frontier-filter.ts';
