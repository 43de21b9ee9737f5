/**
 * geomesh error codes ⇄ gRPC status codes, in one place.
 *
 * Server side, a handler's GeomeshError becomes the status of STATUS_OF_CODE with the error's message; the
 * error's code, retryable flag and details travel in the trailer `geomesh-error-bin` (JSON). Codes mapped to
 * INTERNAL, and every error that is not a GeomeshError, send a generic message with a reference that is
 * also logged with the full error: internals never leave the node.
 *
 * Client side, a failed call becomes a GeomeshError of CODE_OF_STATUS: always a GEOMESH_RPC_* code, so an
 * RPC failure never poses as a local one (a peer's GEOMESH_COORD_UNAVAILABLE is not ours). The callee's own
 * code is kept in `details.remoteCode`, its retryable flag replaces the default, and its details are merged.
 */
import { randomUUID } from 'node:crypto';
import { Metadata, status, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import { ERROR_CODES, GeomeshError, type ErrorCode, type ErrorDetails } from '../../base/index.ts';
import type { Logger } from '../log/index.ts';

/** gRPC status names but OK. */
export type GrpcStatusName = Exclude<keyof typeof status, 'OK'>;

/** The GEOMESH_RPC_* codes a client can see. */
export type RpcErrorCode = Extract<ErrorCode, `GEOMESH_RPC_${string}`>;

/** The status each geomesh error code is sent as when a handler throws it. */
export const STATUS_OF_CODE: Readonly<Record<ErrorCode, GrpcStatusName>> = Object.freeze({
  GEOMESH_CONFIG_INVALID: 'INVALID_ARGUMENT',
  GEOMESH_HARNESS_START_FAILED: 'INTERNAL',
  GEOMESH_HARNESS_MISSING_DEPENDENCY: 'INTERNAL',
  GEOMESH_KAFKA_CONNECTION: 'UNAVAILABLE',
  GEOMESH_KAFKA_REQUEST: 'UNKNOWN',
  GEOMESH_KAFKA_RETRIABLE: 'UNAVAILABLE',
  GEOMESH_KAFKA_CODEC: 'DATA_LOSS',
  GEOMESH_COORD_UNAVAILABLE: 'UNAVAILABLE',
  GEOMESH_COORD_CONFLICT: 'ABORTED',
  GEOMESH_COORD_LEASE_LOST: 'ABORTED',
  GEOMESH_COORD_COMPACTED: 'ABORTED',
  GEOMESH_COORD_REQUEST: 'UNKNOWN',
  GEOMESH_COORD_CLOSED: 'UNAVAILABLE',
  GEOMESH_COORD_WATCH_OVERFLOW: 'RESOURCE_EXHAUSTED',
  GEOMESH_COORD_CORRUPT: 'DATA_LOSS',
  GEOMESH_TOPOLOGY_INVALID: 'INVALID_ARGUMENT',
  GEOMESH_TOPOLOGY_UNKNOWN_REGION: 'NOT_FOUND',
  GEOMESH_TOPOLOGY_UNKNOWN_LINK: 'NOT_FOUND',
  GEOMESH_TOPOLOGY_CONFLICT: 'ABORTED',
  GEOMESH_CLI_INPUT: 'INVALID_ARGUMENT',
  GEOMESH_REPLICATION_TOPIC_MISMATCH: 'FAILED_PRECONDITION',
  GEOMESH_REPLICATION_RECORD_TOO_LARGE: 'FAILED_PRECONDITION',
  GEOMESH_REPLICATION_UNKNOWN_KEY: 'FAILED_PRECONDITION',
  GEOMESH_REPLICATION_KEY_MISMATCH: 'FAILED_PRECONDITION',
  GEOMESH_REPLICATION_NOT_OWNER: 'FAILED_PRECONDITION',
  GEOMESH_REPLICATION_PARTITION_HALTED: 'FAILED_PRECONDITION',
  GEOMESH_LIFECYCLE_STOP_TIMEOUT: 'DEADLINE_EXCEEDED',
  GEOMESH_RPC_INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  GEOMESH_RPC_NOT_FOUND: 'NOT_FOUND',
  GEOMESH_RPC_CONFLICT: 'ABORTED',
  GEOMESH_RPC_FAILED_PRECONDITION: 'FAILED_PRECONDITION',
  GEOMESH_RPC_UNAUTHENTICATED: 'UNAUTHENTICATED',
  GEOMESH_RPC_PERMISSION_DENIED: 'PERMISSION_DENIED',
  GEOMESH_RPC_UNAVAILABLE: 'UNAVAILABLE',
  GEOMESH_RPC_DEADLINE_EXCEEDED: 'DEADLINE_EXCEEDED',
  GEOMESH_RPC_CANCELLED: 'CANCELLED',
  GEOMESH_RPC_RESOURCE_EXHAUSTED: 'RESOURCE_EXHAUSTED',
  GEOMESH_RPC_UNIMPLEMENTED: 'UNIMPLEMENTED',
  GEOMESH_RPC_INTERNAL: 'INTERNAL',
  GEOMESH_RPC_BIND_FAILED: 'INTERNAL',
  GEOMESH_RPC_CLOSED: 'UNAVAILABLE',
  GEOMESH_INTERNAL_INVARIANT: 'INTERNAL',
});

/** The code a client raises for each status it receives. */
export const CODE_OF_STATUS: Readonly<Record<GrpcStatusName, RpcErrorCode>> = Object.freeze({
  CANCELLED: 'GEOMESH_RPC_CANCELLED',
  UNKNOWN: 'GEOMESH_RPC_INTERNAL',
  INVALID_ARGUMENT: 'GEOMESH_RPC_INVALID_ARGUMENT',
  DEADLINE_EXCEEDED: 'GEOMESH_RPC_DEADLINE_EXCEEDED',
  NOT_FOUND: 'GEOMESH_RPC_NOT_FOUND',
  ALREADY_EXISTS: 'GEOMESH_RPC_CONFLICT',
  PERMISSION_DENIED: 'GEOMESH_RPC_PERMISSION_DENIED',
  RESOURCE_EXHAUSTED: 'GEOMESH_RPC_RESOURCE_EXHAUSTED',
  FAILED_PRECONDITION: 'GEOMESH_RPC_FAILED_PRECONDITION',
  ABORTED: 'GEOMESH_RPC_CONFLICT',
  OUT_OF_RANGE: 'GEOMESH_RPC_INVALID_ARGUMENT',
  UNIMPLEMENTED: 'GEOMESH_RPC_UNIMPLEMENTED',
  INTERNAL: 'GEOMESH_RPC_INTERNAL',
  UNAVAILABLE: 'GEOMESH_RPC_UNAVAILABLE',
  DATA_LOSS: 'GEOMESH_RPC_INTERNAL',
  UNAUTHENTICATED: 'GEOMESH_RPC_UNAUTHENTICATED',
});

/** The trailer that carries a GeomeshError's code, retryable flag and details to the caller. */
export const ERROR_TRAILER = 'geomesh-error-bin';

/** The name of a gRPC status number (`5` → `NOT_FOUND`); UNKNOWN for numbers outside the list. */
export function statusName(code: number): GrpcStatusName | 'OK' {
  const name = (status as unknown as Record<number, string | undefined>)[code];
  return name !== undefined && name in status ? (name as GrpcStatusName | 'OK') : 'UNKNOWN';
}

/** What the server logs and answers for a failed call. */
export interface ServerFailure {
  /** Status, message and trailer to answer with. */
  readonly status: Partial<StatusObject>;
  /** Set when the message was withheld: the reference the caller sees and the log line carries. */
  readonly reference: string | undefined;
}

/**
 * The status a handler's error is answered with, and logs it: errors answered INTERNAL at `error` level
 * (with their stack, under a reference the caller also gets), the others at `debug`.
 */
export function toServerFailure(err: unknown, method: string, logger: Logger): ServerFailure {
  const geomesh = err instanceof GeomeshError ? err : undefined;
  const name = geomesh ? STATUS_OF_CODE[geomesh.code] : 'INTERNAL';
  if (name === 'INTERNAL') {
    const reference = randomUUID();
    logger.error({ err, method, reference }, 'RPC handler failed');
    const metadata = new Metadata();
    metadata.set(
      ERROR_TRAILER,
      Buffer.from(
        JSON.stringify({
          code: geomesh?.code ?? 'GEOMESH_RPC_INTERNAL',
          retryable: false,
          details: { reference },
        }),
      ),
    );
    return {
      status: {
        code: status.INTERNAL,
        details: `internal error (server log reference ${reference})`,
        metadata,
      },
      reference,
    };
  }
  logger.debug({ code: geomesh?.code, method, status: name, message: geomesh?.message }, 'RPC call refused');
  const metadata = new Metadata();
  metadata.set(
    ERROR_TRAILER,
    Buffer.from(
      JSON.stringify({ code: geomesh?.code, retryable: geomesh?.retryable, details: geomesh?.details }),
    ),
  );
  return { status: { code: status[name], details: geomesh?.message ?? '', metadata }, reference: undefined };
}

/** The callee's error as carried by the trailer, when present and well formed. */
function remoteErrorOf(metadata: Metadata | undefined): {
  code?: string;
  retryable?: boolean;
  details: ErrorDetails;
} {
  const raw = metadata?.get(ERROR_TRAILER)[0];
  if (!Buffer.isBuffer(raw)) return { details: {} };
  try {
    const parsed = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    const details: ErrorDetails = {};
    if (parsed['details'] !== null && typeof parsed['details'] === 'object') {
      for (const [key, value] of Object.entries(parsed['details'] as Record<string, unknown>)) {
        if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
          details[key] = value;
      }
    }
    return {
      ...(typeof parsed['code'] === 'string' && { code: parsed['code'] }),
      ...(typeof parsed['retryable'] === 'boolean' && { retryable: parsed['retryable'] }),
      details,
    };
  } catch {
    return { details: {} };
  }
}

/** Where a client call went, for error messages and details. */
export interface CallSite {
  /** Full method name, e.g. `geomesh.v1.Peer/Ping`. */
  readonly method: string;
  /** `host:port` called. */
  readonly target: string;
}

/** The GeomeshError for a failed call, keeping grpc-js's error as `cause`. */
export function fromServiceError(err: ServiceError, site: CallSite): GeomeshError {
  const name = statusName(err.code);
  const code: RpcErrorCode = name === 'OK' ? 'GEOMESH_RPC_INTERNAL' : CODE_OF_STATUS[name];
  const remote = remoteErrorOf(err.metadata);
  const remoteCode =
    remote.code !== undefined && Object.hasOwn(ERROR_CODES, remote.code) ? remote.code : undefined;
  // grpc-js ends connection failures with an empty "Resolution note: " when name resolution had nothing to say.
  const detail = (err.details || err.message).replace(/\.?\s*Resolution note:\s*$/, '');
  return new GeomeshError(code, `${site.method} at ${site.target}: ${name}: ${detail}`, {
    cause: err,
    ...(remote.retryable !== undefined && { retryable: remote.retryable }),
    details: {
      ...remote.details,
      method: site.method,
      target: site.target,
      status: name,
      ...(remoteCode !== undefined && { remoteCode }),
    },
  });
}

/**
 * Whether a failed call never reached a serving node: no connection could be made (refused: nothing listens
 * yet), or the node answered that it is not running (it is starting or stopping). Nothing was done then, so
 * the call can be made again once the node serves.
 */
export function isNodeNotServing(err: unknown): boolean {
  if (!(err instanceof GeomeshError) || err.code !== 'GEOMESH_RPC_UNAVAILABLE') return false;
  const remoteCode = err.details['remoteCode'];
  if (remoteCode !== undefined) return remoteCode === 'GEOMESH_RPC_UNAVAILABLE';
  return /ECONNREFUSED/.test(err.message);
}
