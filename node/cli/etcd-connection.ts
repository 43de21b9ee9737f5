/** The etcd connection a topology file declares, for CLI verbs and the node. */
import type { CoordinationOptions } from '../coordination/index.ts';
import type { Logger } from '../log/index.ts';
import type { TopologyConfig } from '../../topology/index.ts';

/** Coordination options from `config.etcd`; the password is revealed only into the etcd client's options. */
export function coordinationOptionsFor(
  config: TopologyConfig,
  logger: Logger,
  timeouts: { dialTimeoutMs: number; requestTimeoutMs: number },
): CoordinationOptions {
  const { tls, auth } = config.etcd;
  return {
    endpoints: config.etcd.endpoints,
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
