// Original file: proto/geomesh/v1/peer.proto

import type { PartitionFrontier as _geomesh_v1_PartitionFrontier, PartitionFrontier__Output as _geomesh_v1_PartitionFrontier__Output } from '../../geomesh/v1/PartitionFrontier.ts';

export interface SeekRequest {
  /**
   * Frontiers read in another region (committed_offset is the offset there, for reference): the called node
   * finds, per partition, where its region's log resumes after them.
   */
  'partitions'?: (_geomesh_v1_PartitionFrontier)[];
}

export interface SeekRequest__Output {
  /**
   * Frontiers read in another region (committed_offset is the offset there, for reference): the called node
   * finds, per partition, where its region's log resumes after them.
   */
  'partitions': (_geomesh_v1_PartitionFrontier__Output)[];
}
