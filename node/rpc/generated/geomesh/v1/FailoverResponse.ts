// Original file: proto/geomesh/v1/operator.proto

import type { GroupFailover as _geomesh_v1_GroupFailover, GroupFailover__Output as _geomesh_v1_GroupFailover__Output } from '../../geomesh/v1/GroupFailover.ts';
import type { RegionState as _geomesh_v1_RegionState, RegionState__Output as _geomesh_v1_RegionState__Output } from '../../geomesh/v1/RegionState.ts';

export interface FailoverResponse {
  /**
   * One entry per requested group, in request order.
   */
  'groups'?: (_geomesh_v1_GroupFailover)[];
  /**
   * The region state recorded in etcd by this call (the from_region of a failover, the to_region of a
   * failback); absent when the call recorded nothing (a dry run, every group refused, a node older than the
   * field).
   */
  'regionState'?: (_geomesh_v1_RegionState | null);
  /**
   * Set when a failback committed its groups but could not record the region active afterwards (etcd did
   * not answer): the groups are back; run the failback again to record it. "" otherwise.
   */
  'regionStateError'?: (string);
}

export interface FailoverResponse__Output {
  /**
   * One entry per requested group, in request order.
   */
  'groups': (_geomesh_v1_GroupFailover__Output)[];
  /**
   * The region state recorded in etcd by this call (the from_region of a failover, the to_region of a
   * failback); absent when the call recorded nothing (a dry run, every group refused, a node older than the
   * field).
   */
  'regionState': (_geomesh_v1_RegionState__Output | null);
  /**
   * Set when a failback committed its groups but could not record the region active afterwards (etcd did
   * not answer): the groups are back; run the failback again to record it. "" otherwise.
   */
  'regionStateError': (string);
}
