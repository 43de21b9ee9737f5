import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { LinkSummary as _geomesh_v1_LinkSummary, LinkSummary__Output as _geomesh_v1_LinkSummary__Output } from './geomesh/v1/LinkSummary.ts';
import type { OriginOffset as _geomesh_v1_OriginOffset, OriginOffset__Output as _geomesh_v1_OriginOffset__Output } from './geomesh/v1/OriginOffset.ts';
import type { PartitionFrontier as _geomesh_v1_PartitionFrontier, PartitionFrontier__Output as _geomesh_v1_PartitionFrontier__Output } from './geomesh/v1/PartitionFrontier.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  geomesh: {
    v1: {
      LinkSummary: MessageTypeDefinition<_geomesh_v1_LinkSummary, _geomesh_v1_LinkSummary__Output>
      OriginOffset: MessageTypeDefinition<_geomesh_v1_OriginOffset, _geomesh_v1_OriginOffset__Output>
      PartitionFrontier: MessageTypeDefinition<_geomesh_v1_PartitionFrontier, _geomesh_v1_PartitionFrontier__Output>
    }
  }
}

