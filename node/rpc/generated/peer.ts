import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { Checkpoint as _geomesh_v1_Checkpoint, Checkpoint__Output as _geomesh_v1_Checkpoint__Output } from './geomesh/v1/Checkpoint.ts';
import type { GetFrontiersRequest as _geomesh_v1_GetFrontiersRequest, GetFrontiersRequest__Output as _geomesh_v1_GetFrontiersRequest__Output } from './geomesh/v1/GetFrontiersRequest.ts';
import type { GetFrontiersResponse as _geomesh_v1_GetFrontiersResponse, GetFrontiersResponse__Output as _geomesh_v1_GetFrontiersResponse__Output } from './geomesh/v1/GetFrontiersResponse.ts';
import type { LinkSummary as _geomesh_v1_LinkSummary, LinkSummary__Output as _geomesh_v1_LinkSummary__Output } from './geomesh/v1/LinkSummary.ts';
import type { ListGroupsRequest as _geomesh_v1_ListGroupsRequest, ListGroupsRequest__Output as _geomesh_v1_ListGroupsRequest__Output } from './geomesh/v1/ListGroupsRequest.ts';
import type { ListGroupsResponse as _geomesh_v1_ListGroupsResponse, ListGroupsResponse__Output as _geomesh_v1_ListGroupsResponse__Output } from './geomesh/v1/ListGroupsResponse.ts';
import type { OriginCount as _geomesh_v1_OriginCount, OriginCount__Output as _geomesh_v1_OriginCount__Output } from './geomesh/v1/OriginCount.ts';
import type { OriginOffset as _geomesh_v1_OriginOffset, OriginOffset__Output as _geomesh_v1_OriginOffset__Output } from './geomesh/v1/OriginOffset.ts';
import type { OriginRecords as _geomesh_v1_OriginRecords, OriginRecords__Output as _geomesh_v1_OriginRecords__Output } from './geomesh/v1/OriginRecords.ts';
import type { PartitionFrontier as _geomesh_v1_PartitionFrontier, PartitionFrontier__Output as _geomesh_v1_PartitionFrontier__Output } from './geomesh/v1/PartitionFrontier.ts';
import type { PartitionSeek as _geomesh_v1_PartitionSeek, PartitionSeek__Output as _geomesh_v1_PartitionSeek__Output } from './geomesh/v1/PartitionSeek.ts';
import type { PeerClient as _geomesh_v1_PeerClient, PeerDefinition as _geomesh_v1_PeerDefinition } from './geomesh/v1/Peer.ts';
import type { PingRequest as _geomesh_v1_PingRequest, PingRequest__Output as _geomesh_v1_PingRequest__Output } from './geomesh/v1/PingRequest.ts';
import type { PingResponse as _geomesh_v1_PingResponse, PingResponse__Output as _geomesh_v1_PingResponse__Output } from './geomesh/v1/PingResponse.ts';
import type { PushCheckpointsRequest as _geomesh_v1_PushCheckpointsRequest, PushCheckpointsRequest__Output as _geomesh_v1_PushCheckpointsRequest__Output } from './geomesh/v1/PushCheckpointsRequest.ts';
import type { PushCheckpointsResponse as _geomesh_v1_PushCheckpointsResponse, PushCheckpointsResponse__Output as _geomesh_v1_PushCheckpointsResponse__Output } from './geomesh/v1/PushCheckpointsResponse.ts';
import type { SeekRequest as _geomesh_v1_SeekRequest, SeekRequest__Output as _geomesh_v1_SeekRequest__Output } from './geomesh/v1/SeekRequest.ts';
import type { SeekResponse as _geomesh_v1_SeekResponse, SeekResponse__Output as _geomesh_v1_SeekResponse__Output } from './geomesh/v1/SeekResponse.ts';
import type { StreamRecordsBatch as _geomesh_v1_StreamRecordsBatch, StreamRecordsBatch__Output as _geomesh_v1_StreamRecordsBatch__Output } from './geomesh/v1/StreamRecordsBatch.ts';
import type { StreamRecordsRequest as _geomesh_v1_StreamRecordsRequest, StreamRecordsRequest__Output as _geomesh_v1_StreamRecordsRequest__Output } from './geomesh/v1/StreamRecordsRequest.ts';
import type { StreamStart as _geomesh_v1_StreamStart, StreamStart__Output as _geomesh_v1_StreamStart__Output } from './geomesh/v1/StreamStart.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  geomesh: {
    v1: {
      Checkpoint: MessageTypeDefinition<_geomesh_v1_Checkpoint, _geomesh_v1_Checkpoint__Output>
      GetFrontiersRequest: MessageTypeDefinition<_geomesh_v1_GetFrontiersRequest, _geomesh_v1_GetFrontiersRequest__Output>
      GetFrontiersResponse: MessageTypeDefinition<_geomesh_v1_GetFrontiersResponse, _geomesh_v1_GetFrontiersResponse__Output>
      LinkSummary: MessageTypeDefinition<_geomesh_v1_LinkSummary, _geomesh_v1_LinkSummary__Output>
      ListGroupsRequest: MessageTypeDefinition<_geomesh_v1_ListGroupsRequest, _geomesh_v1_ListGroupsRequest__Output>
      ListGroupsResponse: MessageTypeDefinition<_geomesh_v1_ListGroupsResponse, _geomesh_v1_ListGroupsResponse__Output>
      OriginCount: MessageTypeDefinition<_geomesh_v1_OriginCount, _geomesh_v1_OriginCount__Output>
      OriginOffset: MessageTypeDefinition<_geomesh_v1_OriginOffset, _geomesh_v1_OriginOffset__Output>
      OriginRecords: MessageTypeDefinition<_geomesh_v1_OriginRecords, _geomesh_v1_OriginRecords__Output>
      PartitionFrontier: MessageTypeDefinition<_geomesh_v1_PartitionFrontier, _geomesh_v1_PartitionFrontier__Output>
      PartitionSeek: MessageTypeDefinition<_geomesh_v1_PartitionSeek, _geomesh_v1_PartitionSeek__Output>
      /**
       * RPCs between the nodes of a mesh.
       */
      Peer: SubtypeConstructor<typeof grpc.Client, _geomesh_v1_PeerClient> & { service: _geomesh_v1_PeerDefinition }
      PingRequest: MessageTypeDefinition<_geomesh_v1_PingRequest, _geomesh_v1_PingRequest__Output>
      PingResponse: MessageTypeDefinition<_geomesh_v1_PingResponse, _geomesh_v1_PingResponse__Output>
      PushCheckpointsRequest: MessageTypeDefinition<_geomesh_v1_PushCheckpointsRequest, _geomesh_v1_PushCheckpointsRequest__Output>
      PushCheckpointsResponse: MessageTypeDefinition<_geomesh_v1_PushCheckpointsResponse, _geomesh_v1_PushCheckpointsResponse__Output>
      SeekRequest: MessageTypeDefinition<_geomesh_v1_SeekRequest, _geomesh_v1_SeekRequest__Output>
      SeekResponse: MessageTypeDefinition<_geomesh_v1_SeekResponse, _geomesh_v1_SeekResponse__Output>
      StreamRecordsBatch: MessageTypeDefinition<_geomesh_v1_StreamRecordsBatch, _geomesh_v1_StreamRecordsBatch__Output>
      StreamRecordsRequest: MessageTypeDefinition<_geomesh_v1_StreamRecordsRequest, _geomesh_v1_StreamRecordsRequest__Output>
      StreamStart: MessageTypeDefinition<_geomesh_v1_StreamStart, _geomesh_v1_StreamStart__Output>
    }
  }
}

