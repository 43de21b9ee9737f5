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
  /**
   * The operation recorded in etcd (`failover-operations/<id>`) that this call ran: its groups and each
   * group's progress. A call that is interrupted (the caller cancels or goes away, the node stops) leaves it
   * running; the same request (same regions, failback step, groups and patterns) completes it: groups
   * committed earlier are not translated again, groups translated earlier are committed with that
   * translation, the others are translated and committed. While it runs, another request for the same
   * regions and step is FAILED_PRECONDITION. "" for a dry run, a failback's "start", or an older node.
   */
  'operation'?: (string);
  /**
   * Whether this call completed an operation an interrupted call had started.
   */
  'resumed'?: (boolean);
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
  /**
   * The operation recorded in etcd (`failover-operations/<id>`) that this call ran: its groups and each
   * group's progress. A call that is interrupted (the caller cancels or goes away, the node stops) leaves it
   * running; the same request (same regions, failback step, groups and patterns) completes it: groups
   * committed earlier are not translated again, groups translated earlier are committed with that
   * translation, the others are translated and committed. While it runs, another request for the same
   * regions and step is FAILED_PRECONDITION. "" for a dry run, a failback's "start", or an older node.
   */
  'operation': (string);
  /**
   * Whether this call completed an operation an interrupted call had started.
   */
  'resumed': (boolean);
}
