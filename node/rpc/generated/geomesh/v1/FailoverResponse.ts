// Original file: proto/geomesh/v1/operator.proto

import type { GroupFailover as _geomesh_v1_GroupFailover, GroupFailover__Output as _geomesh_v1_GroupFailover__Output } from '../../geomesh/v1/GroupFailover.ts';

export interface FailoverResponse {
  /**
   * One entry per requested group, in request order.
   */
  'groups'?: (_geomesh_v1_GroupFailover)[];
}

export interface FailoverResponse__Output {
  /**
   * One entry per requested group, in request order.
   */
  'groups': (_geomesh_v1_GroupFailover__Output)[];
}
