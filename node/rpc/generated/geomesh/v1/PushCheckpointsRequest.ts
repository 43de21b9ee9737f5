// Original file: proto/geomesh/v1/peer.proto

import type { Checkpoint as _geomesh_v1_Checkpoint, Checkpoint__Output as _geomesh_v1_Checkpoint__Output } from '../../geomesh/v1/Checkpoint.ts';

export interface PushCheckpointsRequest {
  /**
   * The pushing node's region.
   */
  'fromRegion'?: (string);
  /**
   * Checkpoints of the pushing region's consumer groups.
   */
  'checkpoints'?: (_geomesh_v1_Checkpoint)[];
}

export interface PushCheckpointsRequest__Output {
  /**
   * The pushing node's region.
   */
  'fromRegion': (string);
  /**
   * Checkpoints of the pushing region's consumer groups.
   */
  'checkpoints': (_geomesh_v1_Checkpoint__Output)[];
}
