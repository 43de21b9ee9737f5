import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { FailoverProgress as _geomesh_v1_FailoverProgress, FailoverProgress__Output as _geomesh_v1_FailoverProgress__Output } from './geomesh/v1/FailoverProgress.ts';
import type { FailoverRequest as _geomesh_v1_FailoverRequest, FailoverRequest__Output as _geomesh_v1_FailoverRequest__Output } from './geomesh/v1/FailoverRequest.ts';
import type { FailoverResponse as _geomesh_v1_FailoverResponse, FailoverResponse__Output as _geomesh_v1_FailoverResponse__Output } from './geomesh/v1/FailoverResponse.ts';
import type { GetFailoverProgressRequest as _geomesh_v1_GetFailoverProgressRequest, GetFailoverProgressRequest__Output as _geomesh_v1_GetFailoverProgressRequest__Output } from './geomesh/v1/GetFailoverProgressRequest.ts';
import type { GetStatusRequest as _geomesh_v1_GetStatusRequest, GetStatusRequest__Output as _geomesh_v1_GetStatusRequest__Output } from './geomesh/v1/GetStatusRequest.ts';
import type { GetStatusResponse as _geomesh_v1_GetStatusResponse, GetStatusResponse__Output as _geomesh_v1_GetStatusResponse__Output } from './geomesh/v1/GetStatusResponse.ts';
import type { GroupFailover as _geomesh_v1_GroupFailover, GroupFailover__Output as _geomesh_v1_GroupFailover__Output } from './geomesh/v1/GroupFailover.ts';
import type { HaltedPartition as _geomesh_v1_HaltedPartition, HaltedPartition__Output as _geomesh_v1_HaltedPartition__Output } from './geomesh/v1/HaltedPartition.ts';
import type { LinkStatus as _geomesh_v1_LinkStatus, LinkStatus__Output as _geomesh_v1_LinkStatus__Output } from './geomesh/v1/LinkStatus.ts';
import type { LinkSummary as _geomesh_v1_LinkSummary, LinkSummary__Output as _geomesh_v1_LinkSummary__Output } from './geomesh/v1/LinkSummary.ts';
import type { NodeStatus as _geomesh_v1_NodeStatus, NodeStatus__Output as _geomesh_v1_NodeStatus__Output } from './geomesh/v1/NodeStatus.ts';
import type { OperatorClient as _geomesh_v1_OperatorClient, OperatorDefinition as _geomesh_v1_OperatorDefinition } from './geomesh/v1/Operator.ts';
import type { OriginCount as _geomesh_v1_OriginCount, OriginCount__Output as _geomesh_v1_OriginCount__Output } from './geomesh/v1/OriginCount.ts';
import type { OriginOffset as _geomesh_v1_OriginOffset, OriginOffset__Output as _geomesh_v1_OriginOffset__Output } from './geomesh/v1/OriginOffset.ts';
import type { OriginRecords as _geomesh_v1_OriginRecords, OriginRecords__Output as _geomesh_v1_OriginRecords__Output } from './geomesh/v1/OriginRecords.ts';
import type { PartitionFrontier as _geomesh_v1_PartitionFrontier, PartitionFrontier__Output as _geomesh_v1_PartitionFrontier__Output } from './geomesh/v1/PartitionFrontier.ts';
import type { PartitionTranslation as _geomesh_v1_PartitionTranslation, PartitionTranslation__Output as _geomesh_v1_PartitionTranslation__Output } from './geomesh/v1/PartitionTranslation.ts';
import type { PeerKeys as _geomesh_v1_PeerKeys, PeerKeys__Output as _geomesh_v1_PeerKeys__Output } from './geomesh/v1/PeerKeys.ts';
import type { PeerStatus as _geomesh_v1_PeerStatus, PeerStatus__Output as _geomesh_v1_PeerStatus__Output } from './geomesh/v1/PeerStatus.ts';
import type { ProvenanceStatus as _geomesh_v1_ProvenanceStatus, ProvenanceStatus__Output as _geomesh_v1_ProvenanceStatus__Output } from './geomesh/v1/ProvenanceStatus.ts';
import type { RegionState as _geomesh_v1_RegionState, RegionState__Output as _geomesh_v1_RegionState__Output } from './geomesh/v1/RegionState.ts';
import type { TopicPartitions as _geomesh_v1_TopicPartitions, TopicPartitions__Output as _geomesh_v1_TopicPartitions__Output } from './geomesh/v1/TopicPartitions.ts';
import type { TranslateOffsetsRequest as _geomesh_v1_TranslateOffsetsRequest, TranslateOffsetsRequest__Output as _geomesh_v1_TranslateOffsetsRequest__Output } from './geomesh/v1/TranslateOffsetsRequest.ts';
import type { TranslateOffsetsResponse as _geomesh_v1_TranslateOffsetsResponse, TranslateOffsetsResponse__Output as _geomesh_v1_TranslateOffsetsResponse__Output } from './geomesh/v1/TranslateOffsetsResponse.ts';
import type { UnreplicatedPartition as _geomesh_v1_UnreplicatedPartition, UnreplicatedPartition__Output as _geomesh_v1_UnreplicatedPartition__Output } from './geomesh/v1/UnreplicatedPartition.ts';
import type { WorkSharingStatus as _geomesh_v1_WorkSharingStatus, WorkSharingStatus__Output as _geomesh_v1_WorkSharingStatus__Output } from './geomesh/v1/WorkSharingStatus.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  geomesh: {
    v1: {
      FailoverProgress: MessageTypeDefinition<_geomesh_v1_FailoverProgress, _geomesh_v1_FailoverProgress__Output>
      FailoverRequest: MessageTypeDefinition<_geomesh_v1_FailoverRequest, _geomesh_v1_FailoverRequest__Output>
      FailoverResponse: MessageTypeDefinition<_geomesh_v1_FailoverResponse, _geomesh_v1_FailoverResponse__Output>
      FrontierSource: EnumTypeDefinition
      GetFailoverProgressRequest: MessageTypeDefinition<_geomesh_v1_GetFailoverProgressRequest, _geomesh_v1_GetFailoverProgressRequest__Output>
      GetStatusRequest: MessageTypeDefinition<_geomesh_v1_GetStatusRequest, _geomesh_v1_GetStatusRequest__Output>
      GetStatusResponse: MessageTypeDefinition<_geomesh_v1_GetStatusResponse, _geomesh_v1_GetStatusResponse__Output>
      GroupFailover: MessageTypeDefinition<_geomesh_v1_GroupFailover, _geomesh_v1_GroupFailover__Output>
      HaltedPartition: MessageTypeDefinition<_geomesh_v1_HaltedPartition, _geomesh_v1_HaltedPartition__Output>
      LinkStatus: MessageTypeDefinition<_geomesh_v1_LinkStatus, _geomesh_v1_LinkStatus__Output>
      LinkSummary: MessageTypeDefinition<_geomesh_v1_LinkSummary, _geomesh_v1_LinkSummary__Output>
      NodeStatus: MessageTypeDefinition<_geomesh_v1_NodeStatus, _geomesh_v1_NodeStatus__Output>
      /**
       * Operators' RPCs served by every geomesh node.
       */
      Operator: SubtypeConstructor<typeof grpc.Client, _geomesh_v1_OperatorClient> & { service: _geomesh_v1_OperatorDefinition }
      OriginCount: MessageTypeDefinition<_geomesh_v1_OriginCount, _geomesh_v1_OriginCount__Output>
      OriginOffset: MessageTypeDefinition<_geomesh_v1_OriginOffset, _geomesh_v1_OriginOffset__Output>
      OriginRecords: MessageTypeDefinition<_geomesh_v1_OriginRecords, _geomesh_v1_OriginRecords__Output>
      PartitionFrontier: MessageTypeDefinition<_geomesh_v1_PartitionFrontier, _geomesh_v1_PartitionFrontier__Output>
      PartitionTranslation: MessageTypeDefinition<_geomesh_v1_PartitionTranslation, _geomesh_v1_PartitionTranslation__Output>
      PeerKeys: MessageTypeDefinition<_geomesh_v1_PeerKeys, _geomesh_v1_PeerKeys__Output>
      PeerStatus: MessageTypeDefinition<_geomesh_v1_PeerStatus, _geomesh_v1_PeerStatus__Output>
      ProvenanceStatus: MessageTypeDefinition<_geomesh_v1_ProvenanceStatus, _geomesh_v1_ProvenanceStatus__Output>
      RegionState: MessageTypeDefinition<_geomesh_v1_RegionState, _geomesh_v1_RegionState__Output>
      TopicPartitions: MessageTypeDefinition<_geomesh_v1_TopicPartitions, _geomesh_v1_TopicPartitions__Output>
      TranslateOffsetsRequest: MessageTypeDefinition<_geomesh_v1_TranslateOffsetsRequest, _geomesh_v1_TranslateOffsetsRequest__Output>
      TranslateOffsetsResponse: MessageTypeDefinition<_geomesh_v1_TranslateOffsetsResponse, _geomesh_v1_TranslateOffsetsResponse__Output>
      UnreplicatedPartition: MessageTypeDefinition<_geomesh_v1_UnreplicatedPartition, _geomesh_v1_UnreplicatedPartition__Output>
      WorkSharingStatus: MessageTypeDefinition<_geomesh_v1_WorkSharingStatus, _geomesh_v1_WorkSharingStatus__Output>
    }
  }
}

