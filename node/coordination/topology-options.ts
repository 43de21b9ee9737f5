/**
 * Coordination options from a topology's `etcd` section, for the node's session and the CLI's verbs alike.
 * Here, beside the adapter, so a CLI verb that only needs etcd loads etcd3 and not the node's runtime.
 */
import type { TopologyConfig } from '../../topology/index.ts';
import type { Logger } from '../log/index.ts';
import type { CoordinationOptions } from './coordination-options.ts';

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
