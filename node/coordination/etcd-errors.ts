/**
 * Translates etcd3's errors into GeomeshErrors, once, here, keeping the original as `cause`:
 *
 * - network and server trouble (etcd3's recoverable errors: unavailable, deadline exceeded, cancelled, …) and
 *   an open circuit breaker → GEOMESH_COORD_UNAVAILABLE (retryable)
 * - an unknown or expired lease → GEOMESH_COORD_LEASE_LOST
 * - a compacted revision → GEOMESH_COORD_COMPACTED
 * - a client already closed → GEOMESH_COORD_CLOSED
 * - anything else (permission, authentication, bad argument) → GEOMESH_COORD_REQUEST
 */
import etcd3 from 'etcd3';
import { GeomeshError, type ErrorDetails } from '../../base/index.ts';

// etcd3 is CommonJS: take its classes off the default export.
const { ClientClosedError, EtcdLeaseInvalidError, isRecoverableError } = etcd3;

/** cockatiel's BrokenCircuitError (etcd3's per-host circuit breaker) carries this flag; it is not re-exported. */
function isBrokenCircuit(err: unknown): boolean {
  return (
    typeof err === 'object' &&
    err !== null &&
    (err as { isBrokenCircuitError?: unknown }).isBrokenCircuitError === true
  );
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** True when `err` says the requested revision was compacted away. */
export function isCompactedError(err: unknown): boolean {
  return /required revision has been compacted/.test(messageOf(err));
}

/** The GeomeshError for an etcd3 failure during `context` (e.g. `put regions/eu-west/state`). */
export function translateEtcdError(err: unknown, context: string, details: ErrorDetails = {}): GeomeshError {
  if (err instanceof GeomeshError) return err;
  const message = `${context}: ${messageOf(err)}`;
  const name = err instanceof Error ? err.constructor.name : typeof err;
  const withCause = (extra: ErrorDetails = {}) => ({
    cause: err,
    details: { ...details, ...extra, etcdError: name },
  });
  if (err instanceof EtcdLeaseInvalidError)
    return new GeomeshError('GEOMESH_COORD_LEASE_LOST', message, withCause());
  if (err instanceof ClientClosedError) return new GeomeshError('GEOMESH_COORD_CLOSED', message, withCause());
  if (isCompactedError(err)) return new GeomeshError('GEOMESH_COORD_COMPACTED', message, withCause());
  if (isBrokenCircuit(err)) {
    return new GeomeshError(
      'GEOMESH_COORD_UNAVAILABLE',
      `${context}: etcd failed repeatedly and is not being called for a few seconds (circuit open)`,
      withCause(),
    );
  }
  if (err instanceof Error && isRecoverableError(err)) {
    return new GeomeshError('GEOMESH_COORD_UNAVAILABLE', message, withCause());
  }
  return new GeomeshError('GEOMESH_COORD_REQUEST', message, withCause());
}
