/**
 * The etcd connection of a topology's `etcd` section: its coordination options (the CLI's verbs use them
 * too), the connection a node registers through (membership, and reading region states for the status
 * page), and the short-lived one a Failover call records region states through.
 */
import type { TopologyConfig } from '../../topology/index.ts';
import { EtcdCoordinator, type CoordinationOptions } from '../coordination/index.ts';
import type { RegionStateConnection } from '../failover/index.ts';
import type { Logger } from '../log/index.ts';
import { RegionStateStore } from '../region-state/index.ts';
import type { RegistryConnection } from './node-registration.ts';

/**
 * Coordination options from `config.etcd`; the password is revealed only into the etcd client's options.
 * Timeouts not given take the coordination adapter's defaults (COORDINATION_DEFAULTS).
 */
export function coordinationOptionsFor(
  config: TopologyConfig,
  logger: Logger,
  timeouts: { dialTimeoutMs?: number; requestTimeoutMs?: number; leaseTtlMs?: number } = {},
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
    const coordinator = new EtcdCoordinator(coordinationOptionsFor(config, logger));
    try {
      await coordinator.start(signal);
    } catch (err) {
      await coordinator.stop();
      throw err;
    }
    return {
      registry: coordinator,
      documents: coordinator,
      isUsable: () => coordinator.state === 'ready',
      close: () => coordinator.stop(),
    };
  };
}

/**
 * Connects a fresh coordinator for one Failover call's region state records: a 3 s dial timeout and 2 s
 * request deadline, so an unreachable etcd fails the call well within an operator's deadline.
 */
export function connectRegionStates(
  config: TopologyConfig,
  logger: Logger,
): (signal: AbortSignal) => Promise<RegionStateConnection> {
  return async (signal) => {
    const coordinator = new EtcdCoordinator(
      coordinationOptionsFor(config, logger, { dialTimeoutMs: 3_000, requestTimeoutMs: 2_000 }),
    );
    try {
      await coordinator.start(signal);
    } catch (err) {
      await coordinator.stop();
      throw err;
    }
    return { states: new RegionStateStore({ store: coordinator }), close: () => coordinator.stop() };
  };
}
