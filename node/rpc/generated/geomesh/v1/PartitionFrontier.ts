// Original file: proto/geomesh/v1/common.proto

import type { OriginOffset as _geomesh_v1_OriginOffset, OriginOffset__Output as _geomesh_v1_OriginOffset__Output } from '../../geomesh/v1/OriginOffset.ts';
import type { OriginRecords as _geomesh_v1_OriginRecords, OriginRecords__Output as _geomesh_v1_OriginRecords__Output } from '../../geomesh/v1/OriginRecords.ts';
import type { Long } from '@grpc/proto-loader';

/**
 * What a consumer group has consumed of one partition in one region, expressed both as the region's own
 * committed offset and as the frontier: per origin region, the highest origin offset consumed.
 */
export interface PartitionFrontier {
  /**
   * Topic name (identical in every region).
   */
  'topic'?: (string);
  /**
   * Partition number (identical in every region).
   */
  'partition'?: (number);
  /**
   * The group's committed offset in the region the frontier was read in (the source region): the offset of
   * the next record the group will read there.
   */
  'committedOffset'?: (number | string | Long);
  /**
   * One entry per origin region seen in the partition: the highest origin offset of that origin's records
   * before committed_offset, -1 when the group has consumed none of them. Regions absent are treated as -1.
   */
  'frontier'?: (_geomesh_v1_OriginOffset)[];
  /**
   * Per origin region: the records the region held after the frontier when it was read (what the group had
   * not consumed there yet); origins with none are left out. Counted only when unconsumed_counted is set.
   */
  'unconsumed'?: (_geomesh_v1_OriginRecords)[];
  /**
   * Whether unconsumed was counted (false from a node older than the field: the count is unknown).
   */
  'unconsumedCounted'?: (boolean);
}

/**
 * What a consumer group has consumed of one partition in one region, expressed both as the region's own
 * committed offset and as the frontier: per origin region, the highest origin offset consumed.
 */
export interface PartitionFrontier__Output {
  /**
   * Topic name (identical in every region).
   */
  'topic': (string);
  /**
   * Partition number (identical in every region).
   */
  'partition': (number);
  /**
   * The group's committed offset in the region the frontier was read in (the source region): the offset of
   * the next record the group will read there.
   */
  'committedOffset': (number);
  /**
   * One entry per origin region seen in the partition: the highest origin offset of that origin's records
   * before committed_offset, -1 when the group has consumed none of them. Regions absent are treated as -1.
   */
  'frontier': (_geomesh_v1_OriginOffset__Output)[];
  /**
   * Per origin region: the records the region held after the frontier when it was read (what the group had
   * not consumed there yet); origins with none are left out. Counted only when unconsumed_counted is set.
   */
  'unconsumed': (_geomesh_v1_OriginRecords__Output)[];
  /**
   * Whether unconsumed was counted (false from a node older than the field: the count is unknown).
   */
  'unconsumedCounted': (boolean);
}
