// Original file: proto/geomesh/v1/peer.proto

import type { PartitionFrontier as _geomesh_v1_PartitionFrontier, PartitionFrontier__Output as _geomesh_v1_PartitionFrontier__Output } from '../../geomesh/v1/PartitionFrontier.ts';
import type { Long } from '@grpc/proto-loader';

/**
 * The frontiers of one consumer group in its home region at one moment.
 */
export interface Checkpoint {
  /**
   * The group's home region: the region the frontiers were read in.
   */
  'region'?: (string);
  /**
   * Consumer group id.
   */
  'group'?: (string);
  /**
   * When the frontiers were computed, in milliseconds since the Unix epoch.
   */
  'computedAtMs'?: (number | string | Long);
  /**
   * One entry per partition the group has a committed offset for.
   */
  'partitions'?: (_geomesh_v1_PartitionFrontier)[];
}

/**
 * The frontiers of one consumer group in its home region at one moment.
 */
export interface Checkpoint__Output {
  /**
   * The group's home region: the region the frontiers were read in.
   */
  'region': (string);
  /**
   * Consumer group id.
   */
  'group': (string);
  /**
   * When the frontiers were computed, in milliseconds since the Unix epoch.
   */
  'computedAtMs': (number);
  /**
   * One entry per partition the group has a committed offset for.
   */
  'partitions': (_geomesh_v1_PartitionFrontier__Output)[];
}
