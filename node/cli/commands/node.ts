/**
 * `geomesh node --topology FILE --region NAME`: runs the node of one region — every inbound link of the
 * topology — until SIGTERM or SIGINT, then drains and stops. Fails before opening any connection when the
 * topology is invalid, the region unknown or the provenance key missing.
 */
import type { Command } from 'commander';
import { didYouMean } from '../../../topology/index.ts';
import { isGeomeshError } from '../../errors/index.ts';
import { createLogger } from '../../log/index.ts';
import {
  RegionNode,
  assertDistinctClusters,
  clusterConnection,
  inboundLinkSpecs,
} from '../../region/index.ts';
import type { CliContext } from '../cli-context.ts';
import { EXIT_CODES } from '../exit-codes.ts';
import { loadTopologyFile, printDiagnostics } from '../load-topology.ts';

const NODE_HELP = `
The node serves /metrics, /healthz and /readyz on --http (default: the region's node.http in the topology).
Logs are JSON lines on stdout; GEOMESH_LOG_LEVEL or --log-level sets the level.
Exit codes: 0 stopped cleanly, 1 failure while running, 2 invalid topology or region, 66 file not readable.`;

interface NodeCommandOptions {
  topology: string;
  region: string;
  http?: string;
  logLevel?: string;
}

function parseAddress(text: string): { host: string; port: number } | undefined {
  const match = /^(.+):(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  return match && port <= 65_535 ? { host: match[1]!, port } : undefined;
}

/** Adds `geomesh node` to `program`. */
export function registerNodeCommand(program: Command, context: CliContext): void {
  program
    .command('node')
    .description('run the node of one region: replicate every inbound link of the topology')
    .requiredOption('--topology <file>', 'topology YAML file')
    .requiredOption('--region <name>', 'the region this node runs')
    .option('--http <host:port>', 'address for /metrics, /healthz, /readyz (port 0 picks one)')
    .option('--log-level <level>', 'trace, debug, info, warn, error')
    .addHelpText('after', NODE_HELP)
    .action(async (options: NodeCommandOptions) => {
      const result = await loadTopologyFile(options.topology, context);
      if (!result.ok) {
        printDiagnostics(result, context);
        context.setExitCode(EXIT_CODES.invalid);
        return;
      }
      const config = result.topology;
      if (!config.hasRegion(options.region)) {
        const names = config.regions.map((r) => r.name);
        const hint = didYouMean(options.region, names);
        context.stderr(
          `geomesh node: ${options.topology} has no region "${options.region}"${hint ? ` (did you mean "${hint}"?)` : ''}; regions: ${names.join(', ')}\n`,
        );
        context.setExitCode(EXIT_CODES.invalid);
        return;
      }
      if (!config.provenanceKey) {
        context.stderr(
          `geomesh node: ${options.topology} has no provenance key: add \`provenance: { key: "\${GEOMESH_PROVENANCE_KEY}" }\` ` +
            'and set that variable to the same random value (at least 32 characters) on every node of the mesh\n',
        );
        context.setExitCode(EXIT_CODES.invalid);
        return;
      }
      const httpText = options.http ?? config.region(options.region).node.http;
      const http = parseAddress(httpText);
      if (!http) {
        context.stderr(`geomesh node: --http "${httpText}" is not host:port\n`);
        context.setExitCode(EXIT_CODES.usage);
        return;
      }
      const logger = createLogger({
        ...(options.logLevel ? { level: options.logLevel } : {}),
        bindings: { mesh: config.mesh, region: options.region },
      });
      const inbound = inboundLinkSpecs(config, options.region);
      const regions = [options.region, ...inbound.map((l) => l.from)];
      try {
        await assertDistinctClusters(config, regions, logger);
      } catch (err) {
        context.stderr(`geomesh node: ${(err as Error).message}\n`);
        context.setExitCode(
          isGeomeshError(err, 'GEOMESH_CONFIG_INVALID') ? EXIT_CODES.invalid : EXIT_CODES.failure,
        );
        return;
      }
      const node = new RegionNode({
        mesh: config.mesh,
        region: options.region,
        provenanceKey: Buffer.from(config.provenanceKey.reveal(), 'utf8'),
        clusters: Object.fromEntries(regions.map((r) => [r, clusterConnection(config, r)])),
        inbound,
        logger,
        http,
      });
      const stopped = new Promise<void>((resolve) => {
        const onSignal = (signal: NodeJS.Signals): void => {
          logger.info({ signal }, 'stopping');
          void node.stop().then(resolve);
          // A second signal while draining stops at once.
          process.once(signal, () => process.exit(EXIT_CODES.failure));
        };
        process.once('SIGTERM', onSignal);
        process.once('SIGINT', onSignal);
      });
      try {
        await node.start();
      } catch (err) {
        logger.error({ err }, 'node failed to start');
        context.stderr(`geomesh node: failed to start: ${(err as Error).message}\n`);
        context.setExitCode(EXIT_CODES.failure);
        return;
      }
      logger.info(
        { http: node.httpAddress, links: inbound.map((l) => `${l.from}->${options.region}`) },
        'node running',
      );
      await stopped;
      context.setExitCode(EXIT_CODES.ok);
    });
}
