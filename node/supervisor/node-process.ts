/**
 * The process of one region's node (`geomesh node`): the composition root that owns SIGTERM/SIGINT, the
 * topology source (a file, compared once with etcd's version; or etcd's version, followed), the process's
 * etcd session and the stop deadline. It starts the RegionSupervisor, and on a signal stops it in named steps
 * within `stopDeadlineMs`.
 *
 * etcd: one session per etcd section, opened once and stopped last (etcd-sessions.ts). The topology's
 * comparison or watch and the supervisor (registration, peer directory, work sharing, region states) share
 * it; a topology version that restarts the supervisor keeps it unless the version's `etcd` section differs.
 *
 * Exit: `run()` resolves with the outcome; the caller maps it to an exit code. A stop that passes its deadline
 * names the step still running and resolves `stop-timeout`. A process that stopped but still holds open
 * handles a little later is a bug: they are logged (kind and peer address) and the process exits anyway, so
 * an orchestrator never waits on it.
 */
import type { TopologyConfig } from '../../topology/index.ts';
import { COORDINATION_DEFAULTS } from '../coordination/index.ts';
import type { Coordination, CoordinationSession } from '../coordination-ports/index.ts';
import { GeomeshError, isGeomeshError } from '../../base/index.ts';
import { runStopSteps } from '../lifecycle/index.ts';
import { openKafkaClients } from '../kafka/index.ts';
import type { Logger } from '../log/index.ts';
import { assertDistinctClusters } from '../region/index.ts';
import { TopologyStore, compareTopologyWithStore, watchTopology } from '../topology-store/index.ts';
import { etcdSectionKey, openEtcdSession } from './etcd-connection.ts';
import { EtcdSessions } from './etcd-sessions.ts';
import { RegionSupervisor } from './region-supervisor.ts';
import { regionFingerprint, unrunnable } from './runnable-topology.ts';
import { NODE_DEFAULTS, compileNodeConfig } from '../config/index.ts';

export interface NodeProcessOptions {
  /** The topology file (with `topologyFrom: 'etcd'`, it says where etcd is). */
  file: TopologyConfig;
  fileName: string;
  region: string;
  topologyFrom: 'file' | 'etcd';
  http: { host: string; port: number };
  grpc?: string;
  /** etcd client URLs replacing every topology version's `etcd.endpoints` (`--etcd-endpoints`). */
  etcdEndpoints?: readonly string[];
  /** Bound of the whole stop (drain, handover, flush); past it the process exits naming the stuck step. */
  stopDeadlineMs: number;
  /** Worker threads of the data path (`--workers`); default NODE_DEFAULTS.workers. */
  workers?: number | 'auto';
  /** Where the partitions sit among the workers (`--worker-placement`); default NODE_DEFAULTS.workerPlacement.adaptive. */
  workerPlacement?: 'adaptive' | 'spread';
  /** Work sharing fenced at the broker (`--fence-at-broker`); default NODE_DEFAULTS.fenceAtBroker. */
  fenceAtBroker?: boolean;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** Aborted to stop the node; default: SIGTERM or SIGINT (a second one exits at once). */
  signal?: AbortSignal;
}

export type NodeProcessOutcome = 'stopped' | 'stop-timeout' | 'no-topology';

/** Runs the node until a signal, then stops it; rejects when starting fails. */
export async function runNodeProcess(options: NodeProcessOptions): Promise<NodeProcessOutcome> {
  const { logger } = options;
  const signal = options.signal ?? stopSignals(logger);
  const sessions = new EtcdSessions({
    open: (config) => openEtcdSession(config, logger, options.etcdEndpoints),
    key: (config) => etcdSectionKey(config, options.etcdEndpoints),
  });
  const session = sessions.for(options.file);
  let node: RegionSupervisor | undefined;
  const stopNode = async () => {
    const running = node;
    node = undefined;
    await running?.stop();
  };
  let outcome: NodeProcessOutcome = 'stopped';
  try {
    if (options.topologyFrom === 'file') {
      await compareWithEtcd(session, options, signal);
      if (!signal.aborted) node = await startSupervisor(options.file, options, session);
      await new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
    } else {
      const coordination = await connected(session, signal);
      if (!(await new TopologyStore({ coordination, mesh: options.file.mesh, logger }).current())) {
        await sessions.stop();
        return 'no-topology';
      }
      let fingerprint = '';
      for await (const update of watchTopology({
        coordination,
        env: options.env,
        logger,
        signal,
        onRejected: (r) =>
          logger.error(
            { version: r.version, err: r.error },
            'topology version rejected; keeping the current one',
          ),
      })) {
        const why = unrunnable(update.config, options.region, `topology version ${update.version}`);
        if (why) {
          logger.error({ version: update.version }, `${why}; keeping the current topology`);
          continue;
        }
        // A new etcd section restarts the supervisor on a session of that section.
        const next = `${regionFingerprint(update.config, options.region)}\n${etcdSectionKey(update.config, options.etcdEndpoints)}`;
        if (next === fingerprint) {
          logger.info(
            { version: update.version },
            'topology version applied: nothing changes for this region',
          );
          continue;
        }
        if (node) {
          logger.info(
            { version: update.version },
            'topology version changes this region: restarting its links',
          );
          await stopNode();
        }
        // Sessions only the stopped supervisor used (its version named another etcd) end now.
        await sessions.keepOnly([options.file, update.config]);
        node = await startSupervisor(update.config, options, sessions.for(update.config));
        fingerprint = next;
        logger.info({ version: update.version, hash: update.hash }, 'running topology version');
      }
    }
  } catch (err) {
    if (!signal.aborted) {
      await stopNode().catch(() => undefined);
      await sessions.stop().catch(() => undefined);
      throw err;
    }
  }
  const startedAt = Date.now();
  try {
    await runStopSteps(
      [
        { name: 'supervisor', run: stopNode },
        // Last: every part that used etcd has stopped.
        { name: 'etcd session', run: () => sessions.stop() },
      ],
      { logger, what: `node of ${options.region}`, deadlineMs: options.stopDeadlineMs },
    );
    logger.info({ ms: Date.now() - startedAt }, 'node stopped');
  } catch (err) {
    if (!isGeomeshError(err, 'GEOMESH_LIFECYCLE_STOP_TIMEOUT')) throw err;
    logger.error({ err, details: err.details }, err.message);
    outcome = 'stop-timeout';
  }
  watchForLeaks(logger);
  return outcome;
}

/** Aborts on SIGTERM or SIGINT; a second signal while stopping exits at once (code 1). */
function stopSignals(logger: Logger): AbortSignal {
  const abort = new AbortController();
  const onSignal = (name: NodeJS.Signals): void => {
    logger.info({ signal: name }, 'stopping');
    abort.abort();
    process.once(name, () => process.exit(1));
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  return abort.signal;
}

/**
 * The session's coordination once connected; rejects (GEOMESH_COORD_UNAVAILABLE naming the endpoints and the
 * last failure) when that takes longer than one dial timeout plus a retry, or `signal` aborts first.
 */
async function connected(session: CoordinationSession, signal: AbortSignal): Promise<Coordination> {
  const waitMs = COORDINATION_DEFAULTS.dialTimeoutMs + NODE_DEFAULTS.etcdRetryMs;
  try {
    return await session.ready(AbortSignal.any([signal, AbortSignal.timeout(waitMs)]));
  } catch (err) {
    if (signal.aborted) throw err;
    throw new GeomeshError(
      'GEOMESH_COORD_UNAVAILABLE',
      `cannot reach etcd within ${waitMs} ms${session.lastError ? `: ${session.lastError}` : ''}; ` +
        'check that etcd runs and the topology file’s etcd section (endpoints, tls, auth)',
      { cause: err },
    );
  }
}

/** Tells the operator whether etcd's current topology agrees with the file (the file runs either way). */
async function compareWithEtcd(
  session: CoordinationSession,
  options: NodeProcessOptions,
  signal: AbortSignal,
): Promise<void> {
  const { logger, file } = options;
  try {
    const coordination = await session.ready(
      AbortSignal.any([signal, AbortSignal.timeout(COORDINATION_DEFAULTS.dialTimeoutMs)]),
    );
    const agreement = await compareTopologyWithStore(
      new TopologyStore({ coordination, mesh: file.mesh, logger }),
      file,
      { file: options.fileName },
    );
    if (agreement.status === 'same')
      logger.info({ version: agreement.currentVersion }, 'the file is etcd’s current topology');
    else logger.warn({ status: agreement.status, etcdVersion: agreement.currentVersion }, agreement.message);
  } catch (err) {
    if (signal.aborted) return;
    logger.warn(
      { err, lastError: session.lastError },
      'cannot compare the topology file with etcd; running the file',
    );
  }
}

/** Starts the supervisor of the region (after the one-cluster-named-twice check). */
async function startSupervisor(
  config: TopologyConfig,
  options: NodeProcessOptions,
  session: CoordinationSession,
): Promise<RegionSupervisor> {
  const { region, logger } = options;
  const compiled = compileNodeConfig(config, region, {
    ...(options.workers !== undefined && { workers: options.workers }),
    ...(options.workerPlacement !== undefined && {
      workerPlacement: { adaptive: options.workerPlacement === 'adaptive' },
    }),
    ...(options.fenceAtBroker !== undefined && { fenceAtBroker: options.fenceAtBroker }),
  });
  const inbound = compiled.links;
  // Built first: it checks the gRPC certificates before any connection is made.
  const node = new RegionSupervisor({
    config,
    node: compiled,
    logger,
    http: options.http,
    coordination: session,
    ...(options.grpc ? { grpcAddress: options.grpc } : {}),
  });
  await assertDistinctClusters(config, region, [region, ...inbound.map((l) => l.from)], logger);
  for (const link of config.inboundLinks(region)) {
    if (link.options.exactlyOnce) {
      logger.warn(
        { link: link.id },
        `link ${link.id}: exactlyOnce needs no transactions in geomesh: every record is written exactly once ` +
          'by default (origin-offset marks recovered from the log), see docs/exactly-once.md; the option is ignored',
      );
    }
  }
  await node.start();
  logger.info(
    {
      http: node.node?.httpAddress,
      grpc: node.grpcAddress,
      links: inbound.map((l) => `${l.from}->${region}`),
    },
    'node running',
  );
  return node;
}

/**
 * After a stop every handle should be closed and the process gone within moments. If it is still here after
 * `NODE_DEFAULTS.exitGraceMs`, what holds it open is logged and the process exits: nothing is left to drain.
 */
function watchForLeaks(logger: Logger): void {
  // Not `delay`: this timer must be unref'd, so that it is never what keeps the process alive.
  setTimeout(() => {
    logger.error(
      {
        handles: describeHandles(),
        resources: process.getActiveResourcesInfo(),
        kafkaClients: openKafkaClients(),
      },
      `the node stopped but ${NODE_DEFAULTS.exitGraceMs} ms later handles still keep the process alive; exiting`,
    );
    process.exit(process.exitCode ?? 0);
  }, NODE_DEFAULTS.exitGraceMs).unref();
}

/** The process's open handles (sockets with their addresses), for the leak report. */
function describeHandles(): string[] {
  return activeHandles().map((h) => {
    const socket = h as { remoteAddress?: string; remotePort?: number; localPort?: number };
    const kind = (h as object).constructor?.name ?? typeof h;
    return socket.remotePort !== undefined
      ? `${kind} ${socket.remoteAddress}:${socket.remotePort} (local ${socket.localPort})`
      : kind;
  });
}

/** The process's handles but its own standard streams. */
function activeHandles(): unknown[] {
  const stdio = new Set<unknown>([process.stdin, process.stdout, process.stderr]);
  return (process as unknown as { _getActiveHandles(): unknown[] })
    ._getActiveHandles()
    .filter((h) => !stdio.has(h));
}
