/**
 * How geomesh talks to etcd3: the client options made from a validated config (deadlines, keepalives,
 * reconnect backoff, TLS, auth), etcd's key-values as geomesh entries, and the checks of a put's options.
 */
import type { IOptions } from 'etcd3';
import { GeomeshError } from '../../base/index.ts';
import { toSafeInteger } from './abortable.ts';
import type { CoordinationConfig } from './coordination-options.ts';
import type { KeyValueEntry, PutOptions } from '../coordination-ports/index.ts';

type WatchBackoff = NonNullable<NonNullable<IOptions['faultHandling']>['watchBackoff']>;

/** Exponential backoff for re-opening watch streams: 100 ms doubling up to `maxMs` (etcd3's default is 30 s). */
export function watchBackoff(maxMs: number, durationMs = Math.min(100, maxMs)): WatchBackoff {
  return {
    duration: durationMs,
    next: () => watchBackoff(maxMs, Math.min(maxMs, durationMs * 2)),
  };
}

/** The etcd3 client options for a config; the password is passed to etcd3 and nowhere else. */
export function etcd3OptionsFor(config: CoordinationConfig): IOptions {
  const options: IOptions = {
    hosts: [...config.endpoints],
    dialTimeout: config.dialTimeoutMs,
    // Streams (watch, keepalive) live forever; every unary call gets a deadline so nothing hangs on a frozen etcd.
    defaultCallOptions: (context) =>
      context.isStream ? {} : { deadline: Date.now() + config.requestTimeoutMs },
    grpcOptions: {
      // Notice a dead or frozen etcd on idle streams; etcd accepts pings every 5 s by default.
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': 5_000,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': config.watchReconnectMaxMs,
    },
    faultHandling: { watchBackoff: watchBackoff(config.watchReconnectMaxMs) },
  };
  if (config.tls) {
    options.credentials = {
      rootCertificate: config.tls.ca ?? Buffer.alloc(0),
      ...(config.tls.key && { privateKey: config.tls.key }),
      ...(config.tls.cert && { certChain: config.tls.cert }),
    };
    // An empty root certificate would trust nothing: let gRPC use the system CAs instead.
    if (!config.tls.ca) delete (options.credentials as { rootCertificate?: Buffer }).rootCertificate;
  }
  if (config.auth) options.auth = { username: config.auth.username, password: config.auth.password };
  return options;
}

/** An etcd key-value as geomesh's entry (int64 revisions as safe integers). */
export function toEntry(
  kv: {
    key: Buffer;
    value: Buffer;
    mod_revision: string;
    create_revision: string;
    version: string;
    lease: string;
  },
  key = kv.key.toString('utf8'),
): KeyValueEntry {
  return {
    key,
    value: kv.value,
    modRevision: toSafeInteger(kv.mod_revision, 'mod_revision'),
    createRevision: toSafeInteger(kv.create_revision, 'create_revision'),
    version: toSafeInteger(kv.version, 'version'),
    leaseId: kv.lease && kv.lease !== '0' ? kv.lease : undefined,
  };
}

/** A put gives a revision to compare or asks that the key not exist, not both; its lease must be alive. */
export function checkPutOptions(key: string, options: PutOptions): void {
  const { expectedModRevision, mustNotExist, lease } = options;
  if (expectedModRevision !== undefined && mustNotExist) {
    throw new GeomeshError(
      'GEOMESH_INTERNAL_INVARIANT',
      `put ${key}: give expectedModRevision or mustNotExist, not both`,
    );
  }
  if (
    expectedModRevision !== undefined &&
    (!Number.isSafeInteger(expectedModRevision) || expectedModRevision < 1)
  ) {
    throw new GeomeshError(
      'GEOMESH_INTERNAL_INVARIANT',
      `put ${key}: expectedModRevision must be ≥ 1, got ${expectedModRevision}`,
    );
  }
  if (lease && lease.state !== 'alive') {
    throw new GeomeshError('GEOMESH_COORD_LEASE_LOST', `put ${key}: lease ${lease.id} is ${lease.state}`, {
      details: { key, leaseId: lease.id },
    });
  }
}
