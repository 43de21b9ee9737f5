// Original file: proto/geomesh/v1/operator.proto

import type { NodeStatus as _geomesh_v1_NodeStatus, NodeStatus__Output as _geomesh_v1_NodeStatus__Output } from '../../geomesh/v1/NodeStatus.ts';

export interface GetStatusResponse {
  /**
   * The called node's status.
   */
  'node'?: (_geomesh_v1_NodeStatus | null);
}

export interface GetStatusResponse__Output {
  /**
   * The called node's status.
   */
  'node': (_geomesh_v1_NodeStatus__Output | null);
}
