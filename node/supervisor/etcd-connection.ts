/**
 * The etcd connection of a topology's `etcd` section: the node's one session opened from its coordination
 * options, what tells two sections apart (a reload keeps the session when its section is unchanged), and the
 * region state records of a Failover call on that session.
 */
import { createHash } from 'node:crypto';
import type { TopologyConfig } from '../../topology/index.ts';
import { EtcdSession, coordinationOptionsFor } from '../coordination/index.ts';
import type { CoordinationSession } from '../coordination-ports/index.ts';
import { NODE_DEFAULTS } from '../config/index.ts';
import type { Logger } from '../log/index.ts';
import { FailoverOperationClaims, FailoverOperationStore, RegionStateStore } from '../region-state/index.ts';
import type { RegionStateConnection } from '../failover/index.ts';

/**
 * What identifies the etcd a topology connects to (mesh, endpoints, TLS, credentials): equal for two
 * topologies that can share one session. A digest, so the password is never kept in the clear.
 * `endpointsOverride` as in `coordinationOptionsFor`'s `endpoints`.
 */
export function etcdSectionKey(config: TopologyConfig, endpointsOverride?: readonly string[]): string {
  const { tls, auth } = config.etcd;
  const endpoints = endpointsOverride ?? config.etcd.endpoints;
  return createHash('sha256')
    .update(
      JSON.stringify({
        mesh: config.mesh,
        endpoints,
        tls: tls ?? null,
        auth: auth ? { username: auth.username, password: auth.password.reveal() } : null,
      }),
    )
    .digest('hex');
}

/**
 * The node's session to the topology's etcd (not started): one retry pace, NODE_DEFAULTS.etcdRetryMs;
 * `endpoints`: this node's own, instead of the topology's (`geomesh node --etcd-endpoints`).
 */
export function openEtcdSession(
  config: TopologyConfig,
  logger: Logger,
  endpoints?: readonly string[],
): EtcdSession {
  return new EtcdSession({
    coordination: coordinationOptionsFor(config, logger, { endpoints }),
    retryMs: NODE_DEFAULTS.etcdRetryMs,
  });
}

/**
 * A Failover call's region state records and failover operations on the node's session: waits for the session while `signal` allows
 * (the call's per-step deadline bounds every request too); closing it leaves the session open.
 */
export function regionStatesOn(
  session: CoordinationSession,
  /** Who the call's claims name: the node instance. */
  holder: string,
): (signal: AbortSignal) => Promise<RegionStateConnection> {
  return async (signal) => {
    const store = await session.ready(signal);
    return {
      states: new RegionStateStore({ store }),
      operations: new FailoverOperationStore({ store }),
      claims: new FailoverOperationClaims({ store, holder, ttlMs: NODE_DEFAULTS.failover.claimTtlMs }),
      close: () => Promise.resolve(),
    };
  };
}
