/**
 * `geomesh node --topology FILE --region NAME`: runs the node of one region — every inbound link of the
 * topology — until SIGTERM or SIGINT, then drains and stops. Fails before opening any connection when the
 * topology is invalid, the region unknown or the provenance key missing.
 *
 * Topology source: `--topology-from file` (default) runs the file, after telling the operator whether etcd's
 * current version agrees with it; `--topology-from etcd` runs etcd's current version and follows every new
 * one (`geomesh topology apply`) without a restart of the process: when a version changes what this region
 * runs, its links are drained and started again with the new topology.
 */
import type { Command } from 'commander';
import { didYouMean, type TopologyConfig } from '../../../topology/index.ts';
import { EtcdCoordinator } from '../../coordination/index.ts';
import { isGeomeshError } from '../../errors/index.ts';
import { createLogger, type Logger } from '../../log/index.ts';
import { assertDistinctClusters, inboundLinkSpecs } from '../../region/index.ts';
import { RegionSupervisor } from '../../supervisor/index.ts';
import { TopologyStore, compareTopologyWithStore, watchTopology } from '../../topology-store/index.ts';
import type { CliContext } from '../cli-context.ts';
import { coordinationOptionsFor } from '../etcd-connection.ts';
import { EXIT_CODES } from '../exit-codes.ts';
import { loadTopologyFile, printDiagnostics } from '../load-topology.ts';

const NODE_HELP = `
The node serves /metrics, /healthz and /readyz on --http (default: the region's node.http in the topology),
and gRPC (offset translation for operators, frontiers and checkpoints for peers, health) on --grpc (default:
the region's node.grpc). Peers are called at their regions' node.grpc addresses.
Logs are JSON lines on stdout; GEOMESH_LOG_LEVEL or --log-level sets the level.
Exit codes: 0 stopped cleanly, 1 failure, 2 invalid topology or region, 64 usage error, 66 file not readable.`;

interface NodeCommandOptions {
  topology: string;
  region: string;
  topologyFrom: 'file' | 'etcd';
  http?: string;
  grpc?: string;
  logLevel?: string;
}

const ETCD_TIMEOUTS = { dialTimeoutMs: 5_000, requestTimeoutMs: 3_000 };

function parseAddress(text: string): { host: string; port: number } | undefined {
  const match = /^(.+):(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  return match && port <= 65_535 ? { host: match[1]!, port } : undefined;
}

/** Why `config` cannot run `region`, or undefined when it can. */
function unrunnable(config: TopologyConfig, region: string, file: string): string | undefined {
  if (!config.hasRegion(region)) {
    const names = config.regions.map((r) => r.name);
    const hint = didYouMean(region, names);
    return `${file} has no region "${region}"${hint ? ` (did you mean "${hint}"?)` : ''}; regions: ${names.join(', ')}`;
  }
  if (!config.provenanceKey) {
    return (
      `${file} has no provenance key: add \`provenance: { key: "\${GEOMESH_PROVENANCE_KEY}" }\` ` +
      'and set that variable to the same random value (at least 32 characters) on every node of the mesh'
    );
  }
  return undefined;
}

/** What of a topology the node of `region` runs on; two topologies with the same fingerprint run alike. */
function regionFingerprint(config: TopologyConfig, region: string): string {
  const links = config.inboundLinks(region);
  return JSON.stringify({
    provenance: config.provenanceKey?.reveal(),
    provenanceAccept: config.provenanceAccept.map((k) => k.reveal()),
    onUnknownProvenanceKey: config.onUnknownProvenanceKey,
    clusters: [region, ...links.map((l) => l.from)].map((r) => config.region(r).kafka),
    links: links.map((l) => ({
      from: l.from,
      topics: l.topics,
      options: l.options,
      origins: config.originsForwardedBy(l.from, l.to),
    })),
  });
}

/** Starts the node of `region` of `config` (after the one-cluster-named-twice check). */
async function startRegionNode(
  config: TopologyConfig,
  region: string,
  addresses: { http: { host: string; port: number }; grpc?: string },
  logger: Logger,
): Promise<RegionSupervisor> {
  const inbound = inboundLinkSpecs(config, region);
  const regions = [region, ...inbound.map((l) => l.from)];
  // Built first: it checks the gRPC certificates before any connection is made.
  const node = new RegionSupervisor({
    config,
    region,
    logger,
    http: addresses.http,
    ...(addresses.grpc ? { grpcAddress: addresses.grpc } : {}),
  });
  await assertDistinctClusters(config, regions, logger);
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

/** Adds `geomesh node` to `program`. */
export function registerNodeCommand(program: Command, context: CliContext): void {
  program
    .command('node')
    .description('run the node of one region: replicate every inbound link of the topology')
    .requiredOption('--topology <file>', 'topology YAML file (with --topology-from etcd: where etcd is)')
    .requiredOption('--region <name>', 'the region this node runs')
    .option(
      '--topology-from <source>',
      'file: run the file; etcd: run etcd’s version and follow new ones',
      'file',
    )
    .option('--http <host:port>', 'address for /metrics, /healthz, /readyz (port 0 picks one)')
    .option('--grpc <host:port>', "gRPC address for peers and operators (default: the region's node.grpc)")
    .option('--log-level <level>', 'trace, debug, info, warn, error')
    .addHelpText('after', NODE_HELP)
    .action(async (options: NodeCommandOptions) => {
      if (options.topologyFrom !== 'file' && options.topologyFrom !== 'etcd') {
        context.stderr(
          `geomesh node: --topology-from must be "file" or "etcd", not "${String(options.topologyFrom)}"\n`,
        );
        context.setExitCode(EXIT_CODES.usage);
        return;
      }
      const result = await loadTopologyFile(options.topology, context);
      if (!result.ok) {
        printDiagnostics(result, context);
        context.setExitCode(EXIT_CODES.invalid);
        return;
      }
      const file = result.topology;
      const problem = unrunnable(file, options.region, options.topology);
      if (problem) {
        context.stderr(`geomesh node: ${problem}\n`);
        context.setExitCode(EXIT_CODES.invalid);
        return;
      }
      const httpText = options.http ?? file.region(options.region).node.http;
      const http = parseAddress(httpText);
      if (!http) {
        context.stderr(`geomesh node: --http "${httpText}" is not host:port\n`);
        context.setExitCode(EXIT_CODES.usage);
        return;
      }
      const logger = createLogger({
        ...(options.logLevel ? { level: options.logLevel } : {}),
        bindings: { mesh: file.mesh, region: options.region },
      });
      const abort = new AbortController();
      const onSignal = (signal: NodeJS.Signals): void => {
        logger.info({ signal }, 'stopping');
        abort.abort();
        // A second signal while draining stops at once.
        process.once(signal, () => process.exit(EXIT_CODES.failure));
      };
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
      const stopped = new Promise<void>((resolve) => abort.signal.addEventListener('abort', () => resolve()));

      const coordinator = new EtcdCoordinator(coordinationOptionsFor(file, logger, ETCD_TIMEOUTS));
      let node: RegionSupervisor | undefined;
      const addresses = { http, ...(options.grpc ? { grpc: options.grpc } : {}) };
      try {
        if (options.topologyFrom === 'file') {
          try {
            await coordinator.start(AbortSignal.timeout(ETCD_TIMEOUTS.dialTimeoutMs));
            const agreement = await compareTopologyWithStore(
              new TopologyStore({ coordination: coordinator, mesh: file.mesh, logger }),
              file,
              {
                file: options.topology,
              },
            );
            if (agreement.status === 'same')
              logger.info({ version: agreement.currentVersion }, 'the file is etcd’s current topology');
            else
              logger.warn(
                { status: agreement.status, etcdVersion: agreement.currentVersion },
                agreement.message,
              );
          } catch (err) {
            logger.warn({ err }, 'cannot compare the topology file with etcd; running the file');
          } finally {
            await coordinator.stop();
          }
          node = await startRegionNode(file, options.region, addresses, logger);
          await stopped;
        } else {
          await coordinator.start(AbortSignal.timeout(ETCD_TIMEOUTS.dialTimeoutMs));
          const store = new TopologyStore({ coordination: coordinator, mesh: file.mesh, logger });
          if (!(await store.current())) {
            context.stderr(
              `geomesh node: etcd has no topology for mesh ${file.mesh}: run \`geomesh topology apply ${options.topology}\` first\n`,
            );
            context.setExitCode(EXIT_CODES.failure);
            return;
          }
          let fingerprint = '';
          for await (const update of watchTopology({
            coordination: coordinator,
            env: context.env,
            logger,
            signal: abort.signal,
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
            const next = regionFingerprint(update.config, options.region);
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
              await node.stop();
              node = undefined;
            }
            node = await startRegionNode(update.config, options.region, addresses, logger);
            fingerprint = next;
            logger.info({ version: update.version, hash: update.hash }, 'running topology version');
          }
        }
        context.setExitCode(EXIT_CODES.ok);
      } catch (err) {
        if (abort.signal.aborted) {
          context.setExitCode(EXIT_CODES.ok);
        } else {
          logger.error({ err }, 'node failed');
          context.stderr(`geomesh node: ${(err as Error).message}\n`);
          context.setExitCode(
            isGeomeshError(err, 'GEOMESH_CONFIG_INVALID') ? EXIT_CODES.invalid : EXIT_CODES.failure,
          );
        }
      } finally {
        await node?.stop();
        await coordinator.stop();
      }
    });
}
