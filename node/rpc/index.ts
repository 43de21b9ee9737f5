/**
 * gRPC: the only folder that imports @grpc/grpc-js, @grpc/proto-loader and grpc-health-check. It serves the
 * Operator and Peer services of proto/geomesh/v1/ through handler objects of our own, serves standard health
 * checking, and offers promise-based clients. Callers see plain messages (messages.ts) and GeomeshErrors,
 * never a gRPC type. See docs/rpc.md.
 */
export { RpcServer, type HealthServiceName, type RpcServerState } from './rpc-server.ts';
export { createHealthClient, createOperatorClient, createPeerClient } from './rpc-clients.ts';
export {
  GEOMESH_METHODS,
  RPC_DEFAULTS,
  type AuthorizationOptions,
  type ClientTransportOptions,
  type PemSource,
  type RpcClientOptions,
  type RpcServerConfig,
  type RpcServerOptions,
  type SecretSource,
  type ServerTransportOptions,
} from './rpc-options.ts';
export {
  CODE_OF_STATUS,
  ERROR_TRAILER,
  STATUS_OF_CODE,
  isNodeNotServing,
  type GrpcStatusName,
  type RpcErrorCode,
} from './status-codes.ts';
export { PROTO_FILES, PROTO_GEN_TYPES_FLAGS, PROTO_LOADER_OPTIONS, PROTO_ROOT } from './proto-layout.ts';
export type * from './messages.ts';
