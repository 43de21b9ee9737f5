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
  GEOMESH_REPLICATION_PARTITION_HALTED: {
    retryable: false,
    summary: 'a partition stopped replicating by its policy (record too large, source truncated)',
  },
  GEOMESH_INTERNAL_INVARIANT: { retryable: false, summary: 'a bug: an invariant of geomesh was broken' },
} as const satisfies Record<string, { retryable: boolean; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;
