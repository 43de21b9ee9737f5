/** Replication: the pure core of the data path (origin headers, idempotence marks, the per-record rule). */
export {
  ORIGIN_HEADER,
  ORIGIN_MAC_HEADER,
  ORIGIN_OFFSET_HEADER,
  computeOriginMac,
  computeOriginMacV2,
  provenanceKeyObject,
  toProvenanceKeySet,
  type ProvenanceKey,
  type ProvenanceKeys,
  decodeOriginHeaders,
  encodeOriginHeaders,
  putHeader,
  type HeaderValue,
  type Headers,
  type Origin,
  type Provenance,
  type RecordIdentity,
} from './origin-headers.ts';
export {
  KEY_ID_BYTES,
  isKeyId,
  ProvenanceKeySet,
  keyMismatch,
  provenanceKeyId,
  type HeldKey,
  type KeyFingerprints,
} from './provenance-keys.ts';
export { OriginHighwater, type HighwaterEntry } from './origin-highwater.ts';
export {
  decideForward,
  type DropReason,
  type ForwardDecision,
  type LinkContext,
} from './forward-decision.ts';
export type {
  BatchOutcome,
  PartitionOffsets,
  RecordList,
  RecordSink,
  RecordSource,
  SinkRecord,
  SourceBatch,
  SourceReadingState,
  SourceRecord,
  TopicPartition,
} from './ports.ts';
export { partitionKey } from './ports.ts';
export { PackedRecords, payloadBytes, recordsFrom, type DecodedRecord } from './packed-records.ts';
export { RecordSet, RecordSetBuilder } from './record-set.ts';
export {
  auditCoverage,
  CoverageTracker,
  UNCOVERED_REASONS,
  type CoverageChanges,
  type CoverageInput,
  type CoverageResult,
  type ReportedPartition,
  type UncoveredPartition,
  type UncoveredReason,
} from './coverage-audit.ts';
export { LinkReplicator } from './link-replicator.ts';
export {
  approximateBytes,
  emptyLinkStats,
  type LinkObserver,
  type LinkReplicatorOptions,
  type LinkState,
  type LinkStats,
} from './link-options.ts';
export { RateLimiter, type RateLimiterClock } from './rate-limiter.ts';
export { InflightWindow } from './inflight-window.ts';
