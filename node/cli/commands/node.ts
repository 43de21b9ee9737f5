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
import { isGeomeshError } from '../../../base/index.ts';
import { createLogger } from '../../log/index.ts';
import { NODE_DEFAULTS } from '../../config/index.ts';
import { STRING_FORMATS } from '../../../topology/index.ts';
import { runNodeProcess, unrunnable } from '../../supervisor/index.ts';
import type { CliContext } from '../cli-context.ts';
import { EXIT_CODES } from '../exit-codes.ts';
import { loadTopologyFile, printDiagnostics } from '../load-topology.ts';

const NODE_HELP = `
The node serves /metrics, /healthz and /readyz on --http (default: the region's node.http in the topology),
and gRPC (offset translation for operators, frontiers and checkpoints for peers, health) on --grpc (default:
the region's node.grpc). Peers are called at the address their instances registered in etcd, else at their regions'
node.advertise (default node.grpc) addresses.
Logs are JSON lines on stdout; GEOMESH_LOG_LEVEL or --log-level sets the level.
On SIGTERM or SIGINT it drains (hands partitions over, flushes the index) within --stop-deadline; past it the
log names the step that did not finish and the exit code is 1. A second signal exits at once.
Exit codes: 0 stopped cleanly, 1 failure or stop past its deadline, 2 invalid topology or region, 64 usage error, 66 file not readable.`;

interface NodeCommandOptions {
  topology: string;
  region: string;
  topologyFrom: 'file' | 'etcd';
  http?: string;
  grpc?: string;
  etcdEndpoints?: string;
  logLevel?: string;
  stopDeadline: string;
  workers: string;
  workerPlacement: string;
  fenceAtBroker?: boolean;
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
    .requiredOption('--topology <file>', 'topology YAML file (with --topology-from etcd: where etcd is)')
    .requiredOption('--region <name>', 'the region this node runs')
    .option(
      '--topology-from <source>',
      'file: run the file; etcd: run etcd’s version and follow new ones',
      'file',
    )
    .option('--http <host:port>', 'address for /metrics, /healthz, /readyz (port 0 picks one)')
    .option('--grpc <host:port>', "gRPC address for peers and operators (default: the region's node.grpc)")
    .option(
      '--etcd-endpoints <urls>',
      "etcd client URLs for this node, comma-separated, instead of the topology's etcd.endpoints (the region's own members, a proxy)",
    )
    .option('--log-level <level>', 'trace, debug, info, warn, error')
    .option(
      '--stop-deadline <ms>',
      'bound of the drain on SIGTERM/SIGINT, in ms',
      String(NODE_DEFAULTS.stopDeadlineMs),
    )
    .option(
      '--workers <n|auto>',
      'worker threads the data path is spread over, each owning a share of the target partitions (1: the main thread; auto: the cores this process may use, or 1 while an inbound link streams)',
      String(NODE_DEFAULTS.workers),
    )
    .option(
      '--worker-placement <adaptive|spread>',
      'with several workers: adaptive gathers the partitions on one worker while the workers are calm (a shorter tail at low rates) and spreads them once it is busy; spread keeps them spread (work sharing: always spread)',
      NODE_DEFAULTS.workerPlacement.adaptive ? 'adaptive' : 'spread',
    )
    .option(
      '--fence-at-broker',
      'work sharing: fence each owned target partition at the broker with a transactional producer (closes a duplicate window under CPU starvation; translations into the region become inexact across commit markers)',
    )
    .addHelpText('after', NODE_HELP)
    .action(async (options: NodeCommandOptions) => {
      if (options.topologyFrom !== 'file' && options.topologyFrom !== 'etcd') {
        context.stderr(
          `geomesh node: --topology-from must be "file" or "etcd", not "${String(options.topologyFrom)}"\n`,
        );
        context.setExitCode(EXIT_CODES.usage);
        return;
      }
      const stopDeadlineMs = Number(options.stopDeadline);
      if (!Number.isInteger(stopDeadlineMs) || stopDeadlineMs < 1_000) {
        context.stderr(
          `geomesh node: --stop-deadline must be a whole number of milliseconds, at least 1000; got "${options.stopDeadline}"\n`,
        );
        context.setExitCode(EXIT_CODES.usage);
        return;
      }
      const workers = options.workers === 'auto' ? 'auto' : Number(options.workers);
      if (workers !== 'auto' && (!Number.isSafeInteger(workers) || workers < 1)) {
        context.stderr(
          `geomesh node: --workers must be a whole number of threads, at least 1, or auto; got "${options.workers}"\n`,
        );
        context.setExitCode(EXIT_CODES.usage);
        return;
      }
      const placement = options.workerPlacement;
      if (placement !== 'adaptive' && placement !== 'spread') {
        context.stderr(`geomesh node: --worker-placement must be adaptive or spread; got "${placement}"\n`);
        context.setExitCode(EXIT_CODES.usage);
        return;
      }
      const etcdEndpoints = options.etcdEndpoints?.split(',').map((url) => url.trim());
      const badUrl = etcdEndpoints?.find((url) => !STRING_FORMATS.url.pattern.test(url));
      if (badUrl !== undefined) {
        context.stderr(
          `geomesh node: --etcd-endpoints "${badUrl}" ${STRING_FORMATS.url.what}: ${STRING_FORMATS.url.fix}, several separated by commas\n`,
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
      // Node's own warnings (a listener leak suspected, a deprecation) go to the log with the stack that
      // raised them, so that one seen once in production says where it came from.
      const onWarning = (warning: Error) =>
        logger.warn({ err: warning }, `process warning: ${warning.name}: ${warning.message}`);
      process.on('warning', onWarning);
      try {
        const outcome = await runNodeProcess({
          file,
          fileName: options.topology,
          region: options.region,
          topologyFrom: options.topologyFrom,
          http,
          ...(options.grpc ? { grpc: options.grpc } : {}),
          ...(etcdEndpoints && { etcdEndpoints }),
          stopDeadlineMs,
          workers,
          workerPlacement: placement,
          ...(options.fenceAtBroker && { fenceAtBroker: true }),
          env: context.env,
          logger,
        });
        if (outcome === 'no-topology') {
          context.stderr(
            `geomesh node: etcd has no topology for mesh ${file.mesh}: run \`geomesh topology apply ${options.topology}\` first\n`,
          );
        }
        context.setExitCode(outcome === 'stopped' ? EXIT_CODES.ok : EXIT_CODES.failure);
      } catch (err) {
        logger.error({ err }, 'node failed');
        context.stderr(`geomesh node: ${(err as Error).message}\n`);
        context.setExitCode(
          isGeomeshError(err, 'GEOMESH_CONFIG_INVALID') ? EXIT_CODES.invalid : EXIT_CODES.failure,
        );
      } finally {
        process.off('warning', onWarning);
      }
    });
}
