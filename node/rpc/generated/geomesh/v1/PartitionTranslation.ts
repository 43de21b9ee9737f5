// Original file: proto/geomesh/v1/operator.proto

import type { OriginOffset as _geomesh_v1_OriginOffset, OriginOffset__Output as _geomesh_v1_OriginOffset__Output } from '../../geomesh/v1/OriginOffset.ts';
import type { OriginCount as _geomesh_v1_OriginCount, OriginCount__Output as _geomesh_v1_OriginCount__Output } from '../../geomesh/v1/OriginCount.ts';
import type { Long } from '@grpc/proto-loader';

/**
 * The translation of one partition's committed offset.
 */
export interface PartitionTranslation {
  /**
   * Topic name (identical in every region).
   */
  'topic'?: (string);
  /**
   * Partition number (identical in every region).
   */
  'partition'?: (number);
  /**
   * The group's committed offset in from_region.
   */
  'sourceOffset'?: (number | string | Long);
  /**
   * The offset in to_region to resume from: every record before it was consumed in from_region.
   */
  'targetOffset'?: (number | string | Long);
  /**
   * The group's frontier in from_region: per origin region, the highest origin offset consumed (-1 none).
   */
  'frontier'?: (_geomesh_v1_OriginOffset)[];
  /**
   * How many records at or after target_offset in to_region the group already consumed in from_region
   * (the duplicates a consumer that ignores the frontier would see).
   */
  'alreadySeen'?: (number | string | Long);
  /**
   * The log end offset of the partition in to_region when the translation was made.
   */
  'targetLogEnd'?: (number | string | Long);
  /**
   * The replication gap: per origin region, the records from_region held after the group's frontier (live,
   * or at its checkpoint: see source) that to_region does not hold yet; the group would not get them if it
   * moved now. Origins with none missing are left out. For from_region's own records an upper bound on
   * transactional topics (a marker counts).
   */
  'notReplicated'?: (_geomesh_v1_OriginCount)[];
  /**
   * Whether not_replicated was counted (false when a node involved is older than the field: unknown).
   */
  'notReplicatedCounted'?: (boolean);
}

/**
 * The translation of one partition's committed offset.
 */
export interface PartitionTranslation__Output {
  /**
   * Topic name (identical in every region).
   */
  'topic': (string);
  /**
   * Partition number (identical in every region).
   */
  'partition': (number);
  /**
   * The group's committed offset in from_region.
   */
  'sourceOffset': (number);
  /**
   * The offset in to_region to resume from: every record before it was consumed in from_region.
   */
  'targetOffset': (number);
  /**
   * The group's frontier in from_region: per origin region, the highest origin offset consumed (-1 none).
   */
  'frontier': (_geomesh_v1_OriginOffset__Output)[];
  /**
   * How many records at or after target_offset in to_region the group already consumed in from_region
   * (the duplicates a consumer that ignores the frontier would see).
   */
  'alreadySeen': (number);
  /**
   * The log end offset of the partition in to_region when the translation was made.
   */
  'targetLogEnd': (number);
  /**
   * The replication gap: per origin region, the records from_region held after the group's frontier (live,
   * or at its checkpoint: see source) that to_region does not hold yet; the group would not get them if it
   * moved now. Origins with none missing are left out. For from_region's own records an upper bound on
   * transactional topics (a marker counts).
   */
  'notReplicated': (_geomesh_v1_OriginCount__Output)[];
  /**
   * Whether not_replicated was counted (false when a node involved is older than the field: unknown).
   */
  'notReplicatedCounted': (boolean);
}
