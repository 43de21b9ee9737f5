// Original file: proto/geomesh/v1/peer.proto

import type { PartitionFrontier as _geomesh_v1_PartitionFrontier, PartitionFrontier__Output as _geomesh_v1_PartitionFrontier__Output } from '../../geomesh/v1/PartitionFrontier.ts';
import type { Long } from '@grpc/proto-loader';

export interface GetFrontiersResponse {
  /**
   * The called node's region: the region the frontiers were read in.
   */
  'region'?: (string);
  /**
   * When the frontiers were computed, in milliseconds since the Unix epoch.
   */
  'computedAtMs'?: (number | string | Long);
  /**
   * One entry per partition the group has a committed offset for, sorted by topic then partition.
   */
  'partitions'?: (_geomesh_v1_PartitionFrontier)[];
  /**
   * How many members the group has in the called node's cluster now (consumers running there), when
   * active_members_known; a node older than the field leaves both unset.
   */
  'activeMembers'?: (number);
  'activeMembersKnown'?: (boolean);
}

export interface GetFrontiersResponse__Output {
  /**
   * The called node's region: the region the frontiers were read in.
   */
  'region': (string);
  /**
   * When the frontiers were computed, in milliseconds since the Unix epoch.
   */
  'computedAtMs': (number);
  /**
   * One entry per partition the group has a committed offset for, sorted by topic then partition.
   */
  'partitions': (_geomesh_v1_PartitionFrontier__Output)[];
  /**
   * How many members the group has in the called node's cluster now (consumers running there), when
   * active_members_known; a node older than the field leaves both unset.
   */
  'activeMembers': (number);
  'activeMembersKnown': (boolean);
}
