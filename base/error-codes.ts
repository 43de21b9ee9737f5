/**
 * The closed list of geomesh error codes: `GEOMESH_<AREA>_<WHAT>`.
 * Each entry says whether the failure is worth retrying by default.
 */
export const ERROR_CODES = {
  GEOMESH_CONFIG_INVALID: { retryable: false, summary: 'configuration or topology failed validation' },
  GEOMESH_HARNESS_START_FAILED: { retryable: false, summary: 'a test server did not become ready' },
  GEOMESH_HARNESS_MISSING_DEPENDENCY: {
    retryable: false,
    summary: 'a tool the harness needs is not installed',
  },
  GEOMESH_KAFKA_CONNECTION: { retryable: true, summary: 'a Kafka cluster could not be reached' },
  GEOMESH_KAFKA_REQUEST: { retryable: false, summary: 'a Kafka request failed' },
  GEOMESH_KAFKA_RETRIABLE: { retryable: true, summary: 'a Kafka request failed with a retriable error' },
  GEOMESH_KAFKA_CODEC: { retryable: false, summary: 'a compressed batch could not be encoded or decoded' },
  GEOMESH_COORD_UNAVAILABLE: {
    retryable: true,
    summary: 'etcd could not be reached or did not answer in time',
  },
  GEOMESH_COORD_CONFLICT: { retryable: false, summary: 'a compare-and-swap in etcd lost: the key changed' },
  GEOMESH_COORD_LEASE_LOST: {
    retryable: false,
    summary: 'an etcd lease expired or could not be renewed in time',
  },
  GEOMESH_COORD_COMPACTED: {
    retryable: false,
    summary: 'a watch asked for a revision etcd has compacted away',
  },
  GEOMESH_COORD_REQUEST: {
    retryable: false,
    summary: 'etcd refused a request (permission, auth, bad argument)',
  },
  GEOMESH_COORD_CLOSED: {
    retryable: false,
    summary: 'the coordination client is not started or was stopped',
  },
  GEOMESH_COORD_WATCH_OVERFLOW: {
    retryable: true,
    summary: 'a watch consumer fell too far behind its buffer',
  },
  GEOMESH_COORD_CORRUPT: { retryable: false, summary: 'a value read from etcd could not be decoded' },
  GEOMESH_TOPOLOGY_INVALID: { retryable: false, summary: 'a topology file failed validation' },
  GEOMESH_TOPOLOGY_UNKNOWN_REGION: {
    retryable: false,
    summary: 'a query named a region the topology does not declare',
  },
  GEOMESH_TOPOLOGY_UNKNOWN_LINK: {
    retryable: false,
    summary: 'a query named a link the topology does not declare',
  },
  GEOMESH_TOPOLOGY_CONFLICT: {
    retryable: false,
    summary: 'a topology apply expected another version than the one current in etcd',
  },
  GEOMESH_CLI_INPUT: { retryable: false, summary: 'a file named on the command line cannot be read' },
  GEOMESH_REPLICATION_TOPIC_MISMATCH: {
    retryable: false,
    summary: 'a topic cannot be mirrored as it is (partition counts differ)',
  },
  GEOMESH_REPLICATION_RECORD_TOO_LARGE: {
    retryable: false,
    summary: 'the target cluster refused records as larger than its maximum message size',
  },
  GEOMESH_REPLICATION_UNKNOWN_KEY: {
    retryable: false,
    summary: 'a record carries a provenance tag of a mesh key this node does not hold (its partition halts)',
  },
  GEOMESH_REPLICATION_KEY_MISMATCH: {
    retryable: true,
    summary: "two nodes' provenance key sets do not agree (the links between them pause)",
  },
  GEOMESH_REPLICATION_NOT_OWNER: {
    retryable: false,
    summary:
      'a write into a target partition was refused: this instance does not own it (any more), or its lease is not certainly alive',
  },
  GEOMESH_REPLICATION_PARTITION_HALTED: {
    retryable: false,
    summary: 'a partition stopped replicating by its policy (record too large, source truncated)',
  },
  GEOMESH_LIFECYCLE_STOP_TIMEOUT: {
    retryable: false,
    summary: 'a component did not stop within its stop deadline (the error names the step still running)',
  },
  // RPC: what a gRPC call to another node failed with, one code per gRPC status class (node/rpc maps them,
  // in both directions, in status-codes.ts). The remote's own error code, if any, is in details.remoteCode.
  GEOMESH_RPC_INVALID_ARGUMENT: {
    retryable: false,
    summary: 'an RPC request was malformed or named impossible values (gRPC INVALID_ARGUMENT, OUT_OF_RANGE)',
  },
  GEOMESH_RPC_NOT_FOUND: {
    retryable: false,
    summary: 'an RPC named a thing the callee does not know: region, group, topic (gRPC NOT_FOUND)',
  },
  GEOMESH_RPC_CONFLICT: {
    retryable: false,
    summary: 'an RPC lost a race or would create something that exists (gRPC ABORTED, ALREADY_EXISTS)',
  },
  GEOMESH_RPC_FAILED_PRECONDITION: {
    retryable: false,
    summary: 'the callee is not in a state to do what an RPC asked (gRPC FAILED_PRECONDITION)',
  },
  GEOMESH_RPC_UNAUTHENTICATED: {
    retryable: false,
    summary: 'an RPC carried no valid credentials for a method that needs them (gRPC UNAUTHENTICATED)',
  },
  GEOMESH_RPC_PERMISSION_DENIED: {
    retryable: false,
    summary: 'an RPC caller was identified but is not allowed to call the method (gRPC PERMISSION_DENIED)',
  },
  GEOMESH_RPC_UNAVAILABLE: {
    retryable: true,
    summary: 'a node could not be reached, or its dependencies could not (gRPC UNAVAILABLE)',
  },
  GEOMESH_RPC_DEADLINE_EXCEEDED: {
    retryable: true,
    summary: 'an RPC did not complete before its deadline (gRPC DEADLINE_EXCEEDED)',
  },
  GEOMESH_RPC_CANCELLED: { retryable: false, summary: 'an RPC was cancelled by its caller (gRPC CANCELLED)' },
  GEOMESH_RPC_RESOURCE_EXHAUSTED: {
    retryable: false,
    summary: 'an RPC hit a limit: message size, a buffer, a quota (gRPC RESOURCE_EXHAUSTED)',
  },
  GEOMESH_RPC_UNIMPLEMENTED: {
    retryable: false,
    summary: 'the callee does not serve the method, e.g. an older version (gRPC UNIMPLEMENTED)',
  },
  GEOMESH_RPC_INTERNAL: {
    retryable: false,
    summary: 'the callee failed unexpectedly; its log has the details (gRPC INTERNAL, UNKNOWN, DATA_LOSS)',
  },
  GEOMESH_RPC_BIND_FAILED: {
    retryable: false,
    summary: 'the RPC server could not listen on its address (in use, not local, bad credentials)',
  },
  GEOMESH_RPC_CLOSED: { retryable: false, summary: 'the RPC server or client is stopped or not started' },
  GEOMESH_INTERNAL_INVARIANT: { retryable: false, summary: 'a bug: an invariant of geomesh was broken' },
} as const satisfies Record<string, { retryable: boolean; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;
