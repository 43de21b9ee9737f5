// Original file: proto/geomesh/v1/peer.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { GetFrontiersRequest as _geomesh_v1_GetFrontiersRequest, GetFrontiersRequest__Output as _geomesh_v1_GetFrontiersRequest__Output } from '../../geomesh/v1/GetFrontiersRequest.ts';
import type { GetFrontiersResponse as _geomesh_v1_GetFrontiersResponse, GetFrontiersResponse__Output as _geomesh_v1_GetFrontiersResponse__Output } from '../../geomesh/v1/GetFrontiersResponse.ts';
import type { ListGroupsRequest as _geomesh_v1_ListGroupsRequest, ListGroupsRequest__Output as _geomesh_v1_ListGroupsRequest__Output } from '../../geomesh/v1/ListGroupsRequest.ts';
import type { ListGroupsResponse as _geomesh_v1_ListGroupsResponse, ListGroupsResponse__Output as _geomesh_v1_ListGroupsResponse__Output } from '../../geomesh/v1/ListGroupsResponse.ts';
import type { PingRequest as _geomesh_v1_PingRequest, PingRequest__Output as _geomesh_v1_PingRequest__Output } from '../../geomesh/v1/PingRequest.ts';
import type { PingResponse as _geomesh_v1_PingResponse, PingResponse__Output as _geomesh_v1_PingResponse__Output } from '../../geomesh/v1/PingResponse.ts';
import type { PushCheckpointsRequest as _geomesh_v1_PushCheckpointsRequest, PushCheckpointsRequest__Output as _geomesh_v1_PushCheckpointsRequest__Output } from '../../geomesh/v1/PushCheckpointsRequest.ts';
import type { PushCheckpointsResponse as _geomesh_v1_PushCheckpointsResponse, PushCheckpointsResponse__Output as _geomesh_v1_PushCheckpointsResponse__Output } from '../../geomesh/v1/PushCheckpointsResponse.ts';
import type { SeekRequest as _geomesh_v1_SeekRequest, SeekRequest__Output as _geomesh_v1_SeekRequest__Output } from '../../geomesh/v1/SeekRequest.ts';
import type { SeekResponse as _geomesh_v1_SeekResponse, SeekResponse__Output as _geomesh_v1_SeekResponse__Output } from '../../geomesh/v1/SeekResponse.ts';
import type { StreamRecordsBatch as _geomesh_v1_StreamRecordsBatch, StreamRecordsBatch__Output as _geomesh_v1_StreamRecordsBatch__Output } from '../../geomesh/v1/StreamRecordsBatch.ts';
import type { StreamRecordsRequest as _geomesh_v1_StreamRecordsRequest, StreamRecordsRequest__Output as _geomesh_v1_StreamRecordsRequest__Output } from '../../geomesh/v1/StreamRecordsRequest.ts';

/**
 * RPCs between the nodes of a mesh.
 */
export interface PeerClient extends grpc.Client {
  /**
   * The live frontiers of a consumer group in the called node's region (step 1 of offset translation).
   */
  GetFrontiers(argument: _geomesh_v1_GetFrontiersRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_geomesh_v1_GetFrontiersResponse__Output>): grpc.ClientUnaryCall;
  GetFrontiers(argument: _geomesh_v1_GetFrontiersRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_geomesh_v1_GetFrontiersResponse__Output>): grpc.ClientUnaryCall;
  GetFrontiers(argument: _geomesh_v1_GetFrontiersRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_geomesh_v1_GetFrontiersResponse__Output>): grpc.ClientUnaryCall;
  GetFrontiers(argument: _geomesh_v1_GetFrontiersRequest, callback: grpc.requestCallback<_geomesh_v1_GetFrontiersResponse__Output>): grpc.ClientUnaryCall;
  /**
   * The live frontiers of a consumer group in the called node's region (step 1 of offset translation).
   */
  getFrontiers(argument: _geomesh_v1_GetFrontiersRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_geomesh_v1_GetFrontiersResponse__Output>): grpc.ClientUnaryCall;
  getFrontiers(argument: _geomesh_v1_GetFrontiersRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_geomesh_v1_GetFrontiersResponse__Output>): grpc.ClientUnaryCall;
  getFrontiers(argument: _geomesh_v1_GetFrontiersRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_geomesh_v1_GetFrontiersResponse__Output>): grpc.ClientUnaryCall;
  getFrontiers(argument: _geomesh_v1_GetFrontiersRequest, callback: grpc.requestCallback<_geomesh_v1_GetFrontiersResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * The consumer groups of the called node's Kafka cluster (for a failover that selects every group).
   */
  ListGroups(argument: _geomesh_v1_ListGroupsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_geomesh_v1_ListGroupsResponse__Output>): grpc.ClientUnaryCall;
  ListGroups(argument: _geomesh_v1_ListGroupsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_geomesh_v1_ListGroupsResponse__Output>): grpc.ClientUnaryCall;
  ListGroups(argument: _geomesh_v1_ListGroupsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_geomesh_v1_ListGroupsResponse__Output>): grpc.ClientUnaryCall;
  ListGroups(argument: _geomesh_v1_ListGroupsRequest, callback: grpc.requestCallback<_geomesh_v1_ListGroupsResponse__Output>): grpc.ClientUnaryCall;
  /**
   * The consumer groups of the called node's Kafka cluster (for a failover that selects every group).
   */
  listGroups(argument: _geomesh_v1_ListGroupsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_geomesh_v1_ListGroupsResponse__Output>): grpc.ClientUnaryCall;
  listGroups(argument: _geomesh_v1_ListGroupsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_geomesh_v1_ListGroupsResponse__Output>): grpc.ClientUnaryCall;
  listGroups(argument: _geomesh_v1_ListGroupsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_geomesh_v1_ListGroupsResponse__Output>): grpc.ClientUnaryCall;
  listGroups(argument: _geomesh_v1_ListGroupsRequest, callback: grpc.requestCallback<_geomesh_v1_ListGroupsResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Liveness and identity of the called node instance.
   */
  Ping(argument: _geomesh_v1_PingRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_geomesh_v1_PingResponse__Output>): grpc.ClientUnaryCall;
  Ping(argument: _geomesh_v1_PingRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_geomesh_v1_PingResponse__Output>): grpc.ClientUnaryCall;
  Ping(argument: _geomesh_v1_PingRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_geomesh_v1_PingResponse__Output>): grpc.ClientUnaryCall;
  Ping(argument: _geomesh_v1_PingRequest, callback: grpc.requestCallback<_geomesh_v1_PingResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Liveness and identity of the called node instance.
   */
  ping(argument: _geomesh_v1_PingRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_geomesh_v1_PingResponse__Output>): grpc.ClientUnaryCall;
  ping(argument: _geomesh_v1_PingRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_geomesh_v1_PingResponse__Output>): grpc.ClientUnaryCall;
  ping(argument: _geomesh_v1_PingRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_geomesh_v1_PingResponse__Output>): grpc.ClientUnaryCall;
  ping(argument: _geomesh_v1_PingRequest, callback: grpc.requestCallback<_geomesh_v1_PingResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Stores checkpoints of consumer groups' frontiers pushed by the groups' home region, so translations
   * still work while that region is down.
   */
  PushCheckpoints(argument: _geomesh_v1_PushCheckpointsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_geomesh_v1_PushCheckpointsResponse__Output>): grpc.ClientUnaryCall;
  PushCheckpoints(argument: _geomesh_v1_PushCheckpointsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_geomesh_v1_PushCheckpointsResponse__Output>): grpc.ClientUnaryCall;
  PushCheckpoints(argument: _geomesh_v1_PushCheckpointsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_geomesh_v1_PushCheckpointsResponse__Output>): grpc.ClientUnaryCall;
  PushCheckpoints(argument: _geomesh_v1_PushCheckpointsRequest, callback: grpc.requestCallback<_geomesh_v1_PushCheckpointsResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Stores checkpoints of consumer groups' frontiers pushed by the groups' home region, so translations
   * still work while that region is down.
   */
  pushCheckpoints(argument: _geomesh_v1_PushCheckpointsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_geomesh_v1_PushCheckpointsResponse__Output>): grpc.ClientUnaryCall;
  pushCheckpoints(argument: _geomesh_v1_PushCheckpointsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_geomesh_v1_PushCheckpointsResponse__Output>): grpc.ClientUnaryCall;
  pushCheckpoints(argument: _geomesh_v1_PushCheckpointsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_geomesh_v1_PushCheckpointsResponse__Output>): grpc.ClientUnaryCall;
  pushCheckpoints(argument: _geomesh_v1_PushCheckpointsRequest, callback: grpc.requestCallback<_geomesh_v1_PushCheckpointsResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * The resume offsets in the called node's region for frontiers read elsewhere (step 2 of offset
   * translation). Read-only: it computes offsets and commits nothing.
   */
  Seek(argument: _geomesh_v1_SeekRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_geomesh_v1_SeekResponse__Output>): grpc.ClientUnaryCall;
  Seek(argument: _geomesh_v1_SeekRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_geomesh_v1_SeekResponse__Output>): grpc.ClientUnaryCall;
  Seek(argument: _geomesh_v1_SeekRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_geomesh_v1_SeekResponse__Output>): grpc.ClientUnaryCall;
  Seek(argument: _geomesh_v1_SeekRequest, callback: grpc.requestCallback<_geomesh_v1_SeekResponse__Output>): grpc.ClientUnaryCall;
  /**
   * The resume offsets in the called node's region for frontiers read elsewhere (step 2 of offset
   * translation). Read-only: it computes offsets and commits nothing.
   */
  seek(argument: _geomesh_v1_SeekRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_geomesh_v1_SeekResponse__Output>): grpc.ClientUnaryCall;
  seek(argument: _geomesh_v1_SeekRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_geomesh_v1_SeekResponse__Output>): grpc.ClientUnaryCall;
  seek(argument: _geomesh_v1_SeekRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_geomesh_v1_SeekResponse__Output>): grpc.ClientUnaryCall;
  seek(argument: _geomesh_v1_SeekRequest, callback: grpc.requestCallback<_geomesh_v1_SeekResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * The records of the called node's own cluster that the calling region's forwarding tree needs from the
   * called region (by verified origin), read from the given offsets on, in compressed batches with their
   * source offsets. Server-streaming and flow-controlled: the called node reads no further than the caller
   * consumes. Read-only: it commits nothing the caller's links use.
   */
  StreamRecords(argument: _geomesh_v1_StreamRecordsRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_geomesh_v1_StreamRecordsBatch__Output>;
  StreamRecords(argument: _geomesh_v1_StreamRecordsRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_geomesh_v1_StreamRecordsBatch__Output>;
  /**
   * The records of the called node's own cluster that the calling region's forwarding tree needs from the
   * called region (by verified origin), read from the given offsets on, in compressed batches with their
   * source offsets. Server-streaming and flow-controlled: the called node reads no further than the caller
   * consumes. Read-only: it commits nothing the caller's links use.
   */
  streamRecords(argument: _geomesh_v1_StreamRecordsRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_geomesh_v1_StreamRecordsBatch__Output>;
  streamRecords(argument: _geomesh_v1_StreamRecordsRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_geomesh_v1_StreamRecordsBatch__Output>;
  
}

/**
 * RPCs between the nodes of a mesh.
 */
export interface PeerHandlers extends grpc.UntypedServiceImplementation {
  /**
   * The live frontiers of a consumer group in the called node's region (step 1 of offset translation).
   */
  GetFrontiers: grpc.handleUnaryCall<_geomesh_v1_GetFrontiersRequest__Output, _geomesh_v1_GetFrontiersResponse>;
  
  /**
   * The consumer groups of the called node's Kafka cluster (for a failover that selects every group).
   */
  ListGroups: grpc.handleUnaryCall<_geomesh_v1_ListGroupsRequest__Output, _geomesh_v1_ListGroupsResponse>;
  
  /**
   * Liveness and identity of the called node instance.
   */
  Ping: grpc.handleUnaryCall<_geomesh_v1_PingRequest__Output, _geomesh_v1_PingResponse>;
  
  /**
   * Stores checkpoints of consumer groups' frontiers pushed by the groups' home region, so translations
   * still work while that region is down.
   */
  PushCheckpoints: grpc.handleUnaryCall<_geomesh_v1_PushCheckpointsRequest__Output, _geomesh_v1_PushCheckpointsResponse>;
  
  /**
   * The resume offsets in the called node's region for frontiers read elsewhere (step 2 of offset
   * translation). Read-only: it computes offsets and commits nothing.
   */
  Seek: grpc.handleUnaryCall<_geomesh_v1_SeekRequest__Output, _geomesh_v1_SeekResponse>;
  
  /**
   * The records of the called node's own cluster that the calling region's forwarding tree needs from the
   * called region (by verified origin), read from the given offsets on, in compressed batches with their
   * source offsets. Server-streaming and flow-controlled: the called node reads no further than the caller
   * consumes. Read-only: it commits nothing the caller's links use.
   */
  StreamRecords: grpc.handleServerStreamingCall<_geomesh_v1_StreamRecordsRequest__Output, _geomesh_v1_StreamRecordsBatch>;
  
}

export interface PeerDefinition extends grpc.ServiceDefinition {
  GetFrontiers: MethodDefinition<_geomesh_v1_GetFrontiersRequest, _geomesh_v1_GetFrontiersResponse, _geomesh_v1_GetFrontiersRequest__Output, _geomesh_v1_GetFrontiersResponse__Output>
  ListGroups: MethodDefinition<_geomesh_v1_ListGroupsRequest, _geomesh_v1_ListGroupsResponse, _geomesh_v1_ListGroupsRequest__Output, _geomesh_v1_ListGroupsResponse__Output>
  Ping: MethodDefinition<_geomesh_v1_PingRequest, _geomesh_v1_PingResponse, _geomesh_v1_PingRequest__Output, _geomesh_v1_PingResponse__Output>
  PushCheckpoints: MethodDefinition<_geomesh_v1_PushCheckpointsRequest, _geomesh_v1_PushCheckpointsResponse, _geomesh_v1_PushCheckpointsRequest__Output, _geomesh_v1_PushCheckpointsResponse__Output>
  Seek: MethodDefinition<_geomesh_v1_SeekRequest, _geomesh_v1_SeekResponse, _geomesh_v1_SeekRequest__Output, _geomesh_v1_SeekResponse__Output>
  StreamRecords: MethodDefinition<_geomesh_v1_StreamRecordsRequest, _geomesh_v1_StreamRecordsBatch, _geomesh_v1_StreamRecordsRequest__Output, _geomesh_v1_StreamRecordsBatch__Output>
}
