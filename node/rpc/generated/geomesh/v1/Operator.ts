// Original file: proto/geomesh/v1/operator.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { FailoverProgress as _geomesh_v1_FailoverProgress, FailoverProgress__Output as _geomesh_v1_FailoverProgress__Output } from '../../geomesh/v1/FailoverProgress.ts';
import type { FailoverRequest as _geomesh_v1_FailoverRequest, FailoverRequest__Output as _geomesh_v1_FailoverRequest__Output } from '../../geomesh/v1/FailoverRequest.ts';
import type { FailoverResponse as _geomesh_v1_FailoverResponse, FailoverResponse__Output as _geomesh_v1_FailoverResponse__Output } from '../../geomesh/v1/FailoverResponse.ts';
import type { GetFailoverProgressRequest as _geomesh_v1_GetFailoverProgressRequest, GetFailoverProgressRequest__Output as _geomesh_v1_GetFailoverProgressRequest__Output } from '../../geomesh/v1/GetFailoverProgressRequest.ts';
import type { GetStatusRequest as _geomesh_v1_GetStatusRequest, GetStatusRequest__Output as _geomesh_v1_GetStatusRequest__Output } from '../../geomesh/v1/GetStatusRequest.ts';
import type { GetStatusResponse as _geomesh_v1_GetStatusResponse, GetStatusResponse__Output as _geomesh_v1_GetStatusResponse__Output } from '../../geomesh/v1/GetStatusResponse.ts';
import type { TranslateOffsetsRequest as _geomesh_v1_TranslateOffsetsRequest, TranslateOffsetsRequest__Output as _geomesh_v1_TranslateOffsetsRequest__Output } from '../../geomesh/v1/TranslateOffsetsRequest.ts';
import type { TranslateOffsetsResponse as _geomesh_v1_TranslateOffsetsResponse, TranslateOffsetsResponse__Output as _geomesh_v1_TranslateOffsetsResponse__Output } from '../../geomesh/v1/TranslateOffsetsResponse.ts';

/**
 * Operators' RPCs served by every geomesh node.
 */
export interface OperatorClient extends grpc.Client {
  /**
   * Moves consumer groups from one region to another (changes state: needs an authorised caller). For each
   * group: translates its committed offsets from from_region to to_region (as TranslateOffsets does) and,
   * unless dry_run, commits them in to_region, where the group must have no active members. Served by the
   * node of to_region. Interruptible (see FailoverResponse.operation); once an operation is done, a repeated
   * call is a new operation and commits the offsets translated then. Errors: INVALID_ARGUMENT (no
   * group, same regions), NOT_FOUND (unknown region), FAILED_PRECONDITION (not to_region's node),
   * UNAUTHENTICATED / PERMISSION_DENIED (caller), UNAVAILABLE (etcd did not record the region state: nothing
   * was committed), FAILED_PRECONDITION (the region state forbids it, e.g. from_region is failed over to
   * another region). The region state is recorded before any commit (see FailoverRequest.failback).
   * Per-group problems are reported in the group's outcome.
   * Without groups, the groups are selected: every group the topology's link from_region → to_region
   * selects (its `groups` patterns) that from_region's node lists (or, when it does not answer, that its
   * last checkpoints name), narrowed by group_patterns and exclude_group_patterns; a pattern that matches no
   * such group is NOT_FOUND.
   */
  Failover(argument: _geomesh_v1_FailoverRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_geomesh_v1_FailoverResponse__Output>): grpc.ClientUnaryCall;
  Failover(argument: _geomesh_v1_FailoverRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_geomesh_v1_FailoverResponse__Output>): grpc.ClientUnaryCall;
  Failover(argument: _geomesh_v1_FailoverRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_geomesh_v1_FailoverResponse__Output>): grpc.ClientUnaryCall;
  Failover(argument: _geomesh_v1_FailoverRequest, callback: grpc.requestCallback<_geomesh_v1_FailoverResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Moves consumer groups from one region to another (changes state: needs an authorised caller). For each
   * group: translates its committed offsets from from_region to to_region (as TranslateOffsets does) and,
   * unless dry_run, commits them in to_region, where the group must have no active members. Served by the
   * node of to_region. Interruptible (see FailoverResponse.operation); once an operation is done, a repeated
   * call is a new operation and commits the offsets translated then. Errors: INVALID_ARGUMENT (no
   * group, same regions), NOT_FOUND (unknown region), FAILED_PRECONDITION (not to_region's node),
   * UNAUTHENTICATED / PERMISSION_DENIED (caller), UNAVAILABLE (etcd did not record the region state: nothing
   * was committed), FAILED_PRECONDITION (the region state forbids it, e.g. from_region is failed over to
   * another region). The region state is recorded before any commit (see FailoverRequest.failback).
   * Per-group problems are reported in the group's outcome.
   * Without groups, the groups are selected: every group the topology's link from_region → to_region
   * selects (its `groups` patterns) that from_region's node lists (or, when it does not answer, that its
   * last checkpoints name), narrowed by group_patterns and exclude_group_patterns; a pattern that matches no
   * such group is NOT_FOUND.
   */
  failover(argument: _geomesh_v1_FailoverRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_geomesh_v1_FailoverResponse__Output>): grpc.ClientUnaryCall;
  failover(argument: _geomesh_v1_FailoverRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_geomesh_v1_FailoverResponse__Output>): grpc.ClientUnaryCall;
  failover(argument: _geomesh_v1_FailoverRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_geomesh_v1_FailoverResponse__Output>): grpc.ClientUnaryCall;
  failover(argument: _geomesh_v1_FailoverRequest, callback: grpc.requestCallback<_geomesh_v1_FailoverResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * How far a Failover call given progress_id has got (read-only; needs the same authorised caller as
   * Failover). NOT_FOUND when this node serves no such call (never started, or ended over a minute ago).
   */
  GetFailoverProgress(argument: _geomesh_v1_GetFailoverProgressRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_geomesh_v1_FailoverProgress__Output>): grpc.ClientUnaryCall;
  GetFailoverProgress(argument: _geomesh_v1_GetFailoverProgressRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_geomesh_v1_FailoverProgress__Output>): grpc.ClientUnaryCall;
  GetFailoverProgress(argument: _geomesh_v1_GetFailoverProgressRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_geomesh_v1_FailoverProgress__Output>): grpc.ClientUnaryCall;
  GetFailoverProgress(argument: _geomesh_v1_GetFailoverProgressRequest, callback: grpc.requestCallback<_geomesh_v1_FailoverProgress__Output>): grpc.ClientUnaryCall;
  /**
   * How far a Failover call given progress_id has got (read-only; needs the same authorised caller as
   * Failover). NOT_FOUND when this node serves no such call (never started, or ended over a minute ago).
   */
  getFailoverProgress(argument: _geomesh_v1_GetFailoverProgressRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_geomesh_v1_FailoverProgress__Output>): grpc.ClientUnaryCall;
  getFailoverProgress(argument: _geomesh_v1_GetFailoverProgressRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_geomesh_v1_FailoverProgress__Output>): grpc.ClientUnaryCall;
  getFailoverProgress(argument: _geomesh_v1_GetFailoverProgressRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_geomesh_v1_FailoverProgress__Output>): grpc.ClientUnaryCall;
  getFailoverProgress(argument: _geomesh_v1_GetFailoverProgressRequest, callback: grpc.requestCallback<_geomesh_v1_FailoverProgress__Output>): grpc.ClientUnaryCall;
  
  /**
   * The called node's own status (read-only): its identity, state, etcd registration, and per inbound link
   * the state, lag, rate and halted partitions. `geomesh status` and the status page of every node call it
   * on each region's node. No errors of its own: a node that serves RPCs answers.
   */
  GetStatus(argument: _geomesh_v1_GetStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_geomesh_v1_GetStatusResponse__Output>): grpc.ClientUnaryCall;
  GetStatus(argument: _geomesh_v1_GetStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_geomesh_v1_GetStatusResponse__Output>): grpc.ClientUnaryCall;
  GetStatus(argument: _geomesh_v1_GetStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_geomesh_v1_GetStatusResponse__Output>): grpc.ClientUnaryCall;
  GetStatus(argument: _geomesh_v1_GetStatusRequest, callback: grpc.requestCallback<_geomesh_v1_GetStatusResponse__Output>): grpc.ClientUnaryCall;
  /**
   * The called node's own status (read-only): its identity, state, etcd registration, and per inbound link
   * the state, lag, rate and halted partitions. `geomesh status` and the status page of every node call it
   * on each region's node. No errors of its own: a node that serves RPCs answers.
   */
  getStatus(argument: _geomesh_v1_GetStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_geomesh_v1_GetStatusResponse__Output>): grpc.ClientUnaryCall;
  getStatus(argument: _geomesh_v1_GetStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_geomesh_v1_GetStatusResponse__Output>): grpc.ClientUnaryCall;
  getStatus(argument: _geomesh_v1_GetStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_geomesh_v1_GetStatusResponse__Output>): grpc.ClientUnaryCall;
  getStatus(argument: _geomesh_v1_GetStatusRequest, callback: grpc.requestCallback<_geomesh_v1_GetStatusResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Translates a consumer group's committed offsets from one region to another (read-only): the frontier
   * of the group in from_region (live, or from the last checkpoint when from_region does not answer) and,
   * for every partition, the offset in to_region from which the group resumes without losing a record.
   * Errors: INVALID_ARGUMENT (empty group, same regions), NOT_FOUND (unknown region or group), UNAVAILABLE
   * (neither the source region nor a checkpoint answered).
   */
  TranslateOffsets(argument: _geomesh_v1_TranslateOffsetsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_geomesh_v1_TranslateOffsetsResponse__Output>): grpc.ClientUnaryCall;
  TranslateOffsets(argument: _geomesh_v1_TranslateOffsetsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_geomesh_v1_TranslateOffsetsResponse__Output>): grpc.ClientUnaryCall;
  TranslateOffsets(argument: _geomesh_v1_TranslateOffsetsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_geomesh_v1_TranslateOffsetsResponse__Output>): grpc.ClientUnaryCall;
  TranslateOffsets(argument: _geomesh_v1_TranslateOffsetsRequest, callback: grpc.requestCallback<_geomesh_v1_TranslateOffsetsResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Translates a consumer group's committed offsets from one region to another (read-only): the frontier
   * of the group in from_region (live, or from the last checkpoint when from_region does not answer) and,
   * for every partition, the offset in to_region from which the group resumes without losing a record.
   * Errors: INVALID_ARGUMENT (empty group, same regions), NOT_FOUND (unknown region or group), UNAVAILABLE
   * (neither the source region nor a checkpoint answered).
   */
  translateOffsets(argument: _geomesh_v1_TranslateOffsetsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_geomesh_v1_TranslateOffsetsResponse__Output>): grpc.ClientUnaryCall;
  translateOffsets(argument: _geomesh_v1_TranslateOffsetsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_geomesh_v1_TranslateOffsetsResponse__Output>): grpc.ClientUnaryCall;
  translateOffsets(argument: _geomesh_v1_TranslateOffsetsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_geomesh_v1_TranslateOffsetsResponse__Output>): grpc.ClientUnaryCall;
  translateOffsets(argument: _geomesh_v1_TranslateOffsetsRequest, callback: grpc.requestCallback<_geomesh_v1_TranslateOffsetsResponse__Output>): grpc.ClientUnaryCall;
  
}

/**
 * Operators' RPCs served by every geomesh node.
 */
export interface OperatorHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Moves consumer groups from one region to another (changes state: needs an authorised caller). For each
   * group: translates its committed offsets from from_region to to_region (as TranslateOffsets does) and,
   * unless dry_run, commits them in to_region, where the group must have no active members. Served by the
   * node of to_region. Interruptible (see FailoverResponse.operation); once an operation is done, a repeated
   * call is a new operation and commits the offsets translated then. Errors: INVALID_ARGUMENT (no
   * group, same regions), NOT_FOUND (unknown region), FAILED_PRECONDITION (not to_region's node),
   * UNAUTHENTICATED / PERMISSION_DENIED (caller), UNAVAILABLE (etcd did not record the region state: nothing
   * was committed), FAILED_PRECONDITION (the region state forbids it, e.g. from_region is failed over to
   * another region). The region state is recorded before any commit (see FailoverRequest.failback).
   * Per-group problems are reported in the group's outcome.
   * Without groups, the groups are selected: every group the topology's link from_region → to_region
   * selects (its `groups` patterns) that from_region's node lists (or, when it does not answer, that its
   * last checkpoints name), narrowed by group_patterns and exclude_group_patterns; a pattern that matches no
   * such group is NOT_FOUND.
   */
  Failover: grpc.handleUnaryCall<_geomesh_v1_FailoverRequest__Output, _geomesh_v1_FailoverResponse>;
  
  /**
   * How far a Failover call given progress_id has got (read-only; needs the same authorised caller as
   * Failover). NOT_FOUND when this node serves no such call (never started, or ended over a minute ago).
   */
  GetFailoverProgress: grpc.handleUnaryCall<_geomesh_v1_GetFailoverProgressRequest__Output, _geomesh_v1_FailoverProgress>;
  
  /**
   * The called node's own status (read-only): its identity, state, etcd registration, and per inbound link
   * the state, lag, rate and halted partitions. `geomesh status` and the status page of every node call it
   * on each region's node. No errors of its own: a node that serves RPCs answers.
   */
  GetStatus: grpc.handleUnaryCall<_geomesh_v1_GetStatusRequest__Output, _geomesh_v1_GetStatusResponse>;
  
  /**
   * Translates a consumer group's committed offsets from one region to another (read-only): the frontier
   * of the group in from_region (live, or from the last checkpoint when from_region does not answer) and,
   * for every partition, the offset in to_region from which the group resumes without losing a record.
   * Errors: INVALID_ARGUMENT (empty group, same regions), NOT_FOUND (unknown region or group), UNAVAILABLE
   * (neither the source region nor a checkpoint answered).
   */
  TranslateOffsets: grpc.handleUnaryCall<_geomesh_v1_TranslateOffsetsRequest__Output, _geomesh_v1_TranslateOffsetsResponse>;
  
}

export interface OperatorDefinition extends grpc.ServiceDefinition {
  Failover: MethodDefinition<_geomesh_v1_FailoverRequest, _geomesh_v1_FailoverResponse, _geomesh_v1_FailoverRequest__Output, _geomesh_v1_FailoverResponse__Output>
  GetFailoverProgress: MethodDefinition<_geomesh_v1_GetFailoverProgressRequest, _geomesh_v1_FailoverProgress, _geomesh_v1_GetFailoverProgressRequest__Output, _geomesh_v1_FailoverProgress__Output>
  GetStatus: MethodDefinition<_geomesh_v1_GetStatusRequest, _geomesh_v1_GetStatusResponse, _geomesh_v1_GetStatusRequest__Output, _geomesh_v1_GetStatusResponse__Output>
  TranslateOffsets: MethodDefinition<_geomesh_v1_TranslateOffsetsRequest, _geomesh_v1_TranslateOffsetsResponse, _geomesh_v1_TranslateOffsetsRequest__Output, _geomesh_v1_TranslateOffsetsResponse__Output>
}
