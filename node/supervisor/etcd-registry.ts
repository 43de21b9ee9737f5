/**
 * The etcd connection a node registers through: an EtcdCoordinator for the topology's `etcd` section, used
 * only for membership. (The CLI's node/cli/etcd-connection.ts builds the same options for its verbs; the
 * supervisor cannot import the CLI, which imports it.)
 */
import type { TopologyConfig } from '../../topology/index.ts';
import { EtcdCoordinator, type CoordinationOptions } from '../coordination/index.ts';
import type { Logger } from '../log/index.ts';
import type { RegistryConnection } from './node-registration.ts';

/** Coordination options from `config.etcd`; the password is revealed only into the etcd client's options. */
export function registryCoordinationOptions(
  config: TopologyConfig,
  logger: Logger,
  timeouts: { dialTimeoutMs: number; requestTimeoutMs: number; leaseTtlMs?: number },
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

/** Connects a fresh coordinator to the topology's etcd (it fails after its dial timeout, 5 s). */
export function connectEtcdRegistry(
  config: TopologyConfig,
  logger: Logger,
): (signal: AbortSignal) => Promise<RegistryConnection> {
  return async (signal) => {
    const coordinator = new EtcdCoordinator(
      registryCoordinationOptions(config, logger, { dialTimeoutMs: 5_000, requestTimeoutMs: 3_000 }),
    );
    try {
      await coordinator.start(signal);
    } catch (err) {
      await coordinator.stop();
      throw err;
    }
    return {
      registry: coordinator,
      isUsable: () => coordinator.state === 'ready',
      close: () => coordinator.stop(),
    };
  };
}
