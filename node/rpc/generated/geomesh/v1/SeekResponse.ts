// Original file: proto/geomesh/v1/peer.proto

import type { PartitionSeek as _geomesh_v1_PartitionSeek, PartitionSeek__Output as _geomesh_v1_PartitionSeek__Output } from '../../geomesh/v1/PartitionSeek.ts';

export interface SeekResponse {
  /**
   * The called node's region: the region the offsets belong to.
   */
  'region'?: (string);
  /**
   * One entry per requested partition, in the request's order.
   */
  'partitions'?: (_geomesh_v1_PartitionSeek)[];
}

export interface SeekResponse__Output {
  /**
   * The called node's region: the region the offsets belong to.
   */
  'region': (string);
  /**
   * One entry per requested partition, in the request's order.
   */
  'partitions': (_geomesh_v1_PartitionSeek__Output)[];
}
