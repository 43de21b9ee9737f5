/**
 * The etcd connection of a topology's `etcd` section: its coordination options (the CLI's verbs use them
 * too), the node's one session opened from them, what tells two sections apart (a reload keeps the session
 * when its section is unchanged), and the region state records of a Failover call on that session.
 */
import { createHash } from 'node:crypto';
import type { TopologyConfig } from '../../topology/index.ts';
import { EtcdSession, type CoordinationOptions } from '../coordination/index.ts';
import type { CoordinationSession } from '../coordination-ports/index.ts';
import { NODE_DEFAULTS } from '../config/index.ts';
import type { Logger } from '../log/index.ts';
import { RegionStateStore } from '../region-state/index.ts';
import type { RegionStateConnection } from '../failover/index.ts';

/**
 * Coordination options from `config.etcd`; the password is revealed only into the etcd client's options.
 * Timeouts not given take the coordination adapter's defaults (COORDINATION_DEFAULTS); `endpoints`, when
 * given, replace the topology's (a node reaching etcd at an address of its own: `geomesh node --etcd-endpoints`).
 */
export function coordinationOptionsFor(
  config: TopologyConfig,
  logger: Logger,
  overrides: {
    dialTimeoutMs?: number;
    requestTimeoutMs?: number;
    leaseTtlMs?: number;
    endpoints?: readonly string[] | undefined;
  } = {},
): CoordinationOptions {
  const { tls, auth } = config.etcd;
  const { endpoints, ...timeouts } = overrides;
  return {
    endpoints: endpoints ?? config.etcd.endpoints,
    mesh: config.mesh,
    logger,
    ...timeouts,
    ...(tls && {
      tls: {
        ...(tls.ca !== null && { ca: tls.ca }),
        ...(tls.cert !== null && { cert: tls.cert }),
        ...(tls.key !== null && { key: tls.key }),
      },
    }),
    ...(auth && { auth: { username: auth.username, password: auth.password.reveal() } }),
  };
}

/**
 * What identifies the etcd a topology connects to (mesh, endpoints, TLS, credentials): equal for two
 * topologies that can share one session. A digest, so the password is never kept in the clear.
 * `endpoints` as in `coordinationOptionsFor`.
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
 * `endpoints` as in `coordinationOptionsFor`.
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
 * A Failover call's region state records on the node's session: waits for the session while `signal` allows
 * (the call's per-step deadline bounds every request too); closing it leaves the session open.
 */
export function regionStatesOn(
  session: CoordinationSession,
): (signal: AbortSignal) => Promise<RegionStateConnection> {
  return async (signal) => {
    const store = await session.ready(signal);
    return { states: new RegionStateStore({ store }), close: () => Promise.resolve() };
  };
}
