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
  GEOMESH_INTERNAL_INVARIANT: { retryable: false, summary: 'a bug: an invariant of geomesh was broken' },
} as const satisfies Record<string, { retryable: boolean; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;
