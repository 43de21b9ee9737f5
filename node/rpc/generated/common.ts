import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { LinkSummary as _geomesh_v1_LinkSummary, LinkSummary__Output as _geomesh_v1_LinkSummary__Output } from './geomesh/v1/LinkSummary.ts';
import type { OriginCount as _geomesh_v1_OriginCount, OriginCount__Output as _geomesh_v1_OriginCount__Output } from './geomesh/v1/OriginCount.ts';
import type { OriginOffset as _geomesh_v1_OriginOffset, OriginOffset__Output as _geomesh_v1_OriginOffset__Output } from './geomesh/v1/OriginOffset.ts';
import type { OriginRecords as _geomesh_v1_OriginRecords, OriginRecords__Output as _geomesh_v1_OriginRecords__Output } from './geomesh/v1/OriginRecords.ts';
import type { PartitionFrontier as _geomesh_v1_PartitionFrontier, PartitionFrontier__Output as _geomesh_v1_PartitionFrontier__Output } from './geomesh/v1/PartitionFrontier.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  geomesh: {
    v1: {
      LinkSummary: MessageTypeDefinition<_geomesh_v1_LinkSummary, _geomesh_v1_LinkSummary__Output>
      OriginCount: MessageTypeDefinition<_geomesh_v1_OriginCount, _geomesh_v1_OriginCount__Output>
      OriginOffset: MessageTypeDefinition<_geomesh_v1_OriginOffset, _geomesh_v1_OriginOffset__Output>
      OriginRecords: MessageTypeDefinition<_geomesh_v1_OriginRecords, _geomesh_v1_OriginRecords__Output>
      PartitionFrontier: MessageTypeDefinition<_geomesh_v1_PartitionFrontier, _geomesh_v1_PartitionFrontier__Output>
    }
  }
}

