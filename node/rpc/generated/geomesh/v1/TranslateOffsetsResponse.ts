// Original file: proto/geomesh/v1/operator.proto

import type { FrontierSource as _geomesh_v1_FrontierSource, FrontierSource__Output as _geomesh_v1_FrontierSource__Output } from '../../geomesh/v1/FrontierSource.ts';
import type { PartitionTranslation as _geomesh_v1_PartitionTranslation, PartitionTranslation__Output as _geomesh_v1_PartitionTranslation__Output } from '../../geomesh/v1/PartitionTranslation.ts';
import type { Long } from '@grpc/proto-loader';

export interface TranslateOffsetsResponse {
  /**
   * Consumer group id, as requested.
   */
  'group'?: (string);
  /**
   * Source region, as requested.
   */
  'fromRegion'?: (string);
  /**
   * Target region, as requested.
   */
  'toRegion'?: (string);
  /**
   * Whether the frontier was read live or taken from a checkpoint.
   */
  'source'?: (_geomesh_v1_FrontierSource);
  /**
   * When the frontier data was read (live) or computed (checkpoint), in milliseconds since the Unix epoch.
   */
  'frontierTimeMs'?: (number | string | Long);
  /**
   * One entry per translated partition, sorted by topic then partition.
   */
  'partitions'?: (_geomesh_v1_PartitionTranslation)[];
  /**
   * Live frontiers only: how many members the group has in from_region's cluster now (consumers running
   * there), when source_active_members_known; unknown for a checkpoint or a node older than the field. A
   * planned switchover waits for 0.
   */
  'sourceActiveMembers'?: (number);
  'sourceActiveMembersKnown'?: (boolean);
}

export interface TranslateOffsetsResponse__Output {
  /**
   * Consumer group id, as requested.
   */
  'group': (string);
  /**
   * Source region, as requested.
   */
  'fromRegion': (string);
  /**
   * Target region, as requested.
   */
  'toRegion': (string);
  /**
   * Whether the frontier was read live or taken from a checkpoint.
   */
  'source': (_geomesh_v1_FrontierSource__Output);
  /**
   * When the frontier data was read (live) or computed (checkpoint), in milliseconds since the Unix epoch.
   */
  'frontierTimeMs': (number);
  /**
   * One entry per translated partition, sorted by topic then partition.
   */
  'partitions': (_geomesh_v1_PartitionTranslation__Output)[];
  /**
   * Live frontiers only: how many members the group has in from_region's cluster now (consumers running
   * there), when source_active_members_known; unknown for a checkpoint or a node older than the field. A
   * planned switchover waits for 0.
   */
  'sourceActiveMembers': (number);
  'sourceActiveMembersKnown': (boolean);
}
