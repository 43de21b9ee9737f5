// Original file: proto/geomesh/v1/operator.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { GetStatusRequest as _geomesh_v1_GetStatusRequest, GetStatusRequest__Output as _geomesh_v1_GetStatusRequest__Output } from '../../geomesh/v1/GetStatusRequest.ts';
import type { GetStatusResponse as _geomesh_v1_GetStatusResponse, GetStatusResponse__Output as _geomesh_v1_GetStatusResponse__Output } from '../../geomesh/v1/GetStatusResponse.ts';
import type { TranslateOffsetsRequest as _geomesh_v1_TranslateOffsetsRequest, TranslateOffsetsRequest__Output as _geomesh_v1_TranslateOffsetsRequest__Output } from '../../geomesh/v1/TranslateOffsetsRequest.ts';
import type { TranslateOffsetsResponse as _geomesh_v1_TranslateOffsetsResponse, TranslateOffsetsResponse__Output as _geomesh_v1_TranslateOffsetsResponse__Output } from '../../geomesh/v1/TranslateOffsetsResponse.ts';

/**
 * Operators' RPCs served by every geomesh node.
 */
export interface OperatorClient extends grpc.Client {
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
  GetStatus: MethodDefinition<_geomesh_v1_GetStatusRequest, _geomesh_v1_GetStatusResponse, _geomesh_v1_GetStatusRequest__Output, _geomesh_v1_GetStatusResponse__Output>
  TranslateOffsets: MethodDefinition<_geomesh_v1_TranslateOffsetsRequest, _geomesh_v1_TranslateOffsetsResponse, _geomesh_v1_TranslateOffsetsRequest__Output, _geomesh_v1_TranslateOffsetsResponse__Output>
}
