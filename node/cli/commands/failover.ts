/**
 * `geomesh failover --from A --to B [--group P ...] [--exclude-group P ...] [--dry-run]`: moves consumer
 * groups from region A to region B: every group of A the link A → B selects, or those the patterns narrow
 * it to (JavaScript regular expressions matched against the whole name, as the topology's). B's node translates each group's committed offsets (live from A's node, or from A's
 * last checkpoint when A is down) and commits them in B, where the group must have no active members. A
 * state-changing call: B's node accepts it only from an operator its `node.operators` names (bearer token or
 * client certificate). Interrupted, the same command run again completes the same operation (recorded in
 * etcd); once done, run it again to retry refused groups.
 *
 * The node records region state in etcd before it commits anything (docs/offset-translation.md, "Region
 * state"): A failed over to B; during a failback, A failing back, then active once its groups are back.
 *
 * This file parses the arguments and prints; the calls, the failback's waiting, the report and the exit
 * decisions are node/failover's (operator-calls.ts, failover-report.ts).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import type { TopologyConfig } from '../../../topology/index.ts';
import { NODE_DEFAULTS } from '../../config/index.ts';
import {
  MAX_PARALLEL_GROUPS,
  callErrorExit,
  compileGroupPatterns,
  describeProgress,
  describeSummary,
  summarizeFailover,
  renderFailover,
  parseDuration,
  patientCalls,
  runFailback,
  runFailover,
  runFailoverAfterReplication,
  type FailoverCalls,
  type FailoverRun,
  type ProgressWatch,
} from '../../failover/index.ts';
import { createOperatorClient, type ClientTransportOptions } from '../../rpc/index.ts';
import type { CliContext } from '../cli-context.ts';
import { EXIT_CODES } from '../exit-codes.ts';
import { loadValidTopology } from '../load-topology.ts';
import { FAILBACK_HELP, FAILOVER_HELP } from './failover-help.ts';
import {
  operatorConnection,
  withOperatorConnectionOptions,
  type OperatorConnectionOptions,
} from '../operator-connection.ts';

/** Deadline of a failover call: every group is translated and committed within it (one commit is ~0.1–1 s). */
const FAILOVER_TIMEOUT_MS = 300_000;

interface FailoverOptions extends OperatorConnectionOptions {
  topology: string;
  from: string;
  to: string;
  group?: string[];
  excludeGroup?: string[];
  parallel?: string;
  waitForReplication?: string;
  planned?: boolean;
  waitMs: string;
  dryRun?: boolean;
  node?: string;
  tokenEnv?: string;
  json?: boolean;
}

export function registerFailoverCommand(program: Command, context: CliContext): void {
  const command = program
    .command('failover')
    .description('move consumer groups to another region: translate their offsets and commit them there')
    .requiredOption('--topology <file>', 'topology YAML file (names the regions and their nodes)')
    .requiredOption('--from <region>', 'the region the groups leave (it may be down)')
    .requiredOption('--to <region>', 'the region they move to')
    .option('--group <pattern...>', 'move only the selected groups matching a pattern (default: all)')
    .option('--exclude-group <pattern...>', 'leave out the groups matching a pattern')
    .option('--parallel <groups>', `groups translated at once (default ${NODE_DEFAULTS.failoverConcurrency})`)
    .option(
      '--wait-for-replication <duration>',
      'before committing, wait (e.g. 30s, 5m) until --to holds every record of --from after the groups',
    )
    .option(
      '--planned',
      'planned switchover: wait until the groups have no consumers in --from and --to holds their records, then move them (live)',
    )
    .option(
      '--wait-ms <ms>',
      "how long to wait for --to's node while it is still starting",
      String(NODE_DEFAULTS.failover.failoverNodeWaitMs),
    )
    .option('--dry-run', 'translate and report only; commit nothing')
    .option('--node <host:port>', "call this node (default: --to's node)")
    .option('--token-env <VAR>', 'environment variable holding the operator bearer token')
    .option('--json', 'print the answer as JSON')
    .addHelpText('after', FAILOVER_HELP);
  withOperatorConnectionOptions(command, FAILOVER_TIMEOUT_MS).action(async (options: FailoverOptions) => {
    const config = await loadValidTopology(options.topology, context);
    if (!config) return;
    const connection = operatorConnection('failover', options, config, context);
    if (!connection) return;
    if (!options.node && !config.hasRegion(options.to)) {
      context.stderr(
        `geomesh failover: --to: unknown region "${options.to}"; the mesh has ${config.regions.map((r) => r.name).join(', ')}\n`,
      );
      context.setExitCode(EXIT_CODES.notFound);
      return;
    }
    const include = options.group ?? [];
    const exclude = options.excludeGroup ?? [];
    try {
      compileGroupPatterns(include, 'include');
      compileGroupPatterns(exclude, 'exclude');
    } catch (err) {
      say('failover', options.json, context, { error: (err as Error).message, exitCode: EXIT_CODES.usage });
      context.setExitCode(EXIT_CODES.usage);
      return;
    }
    const parallel = options.parallel === undefined ? 0 : Number(options.parallel);
    if (
      options.parallel !== undefined &&
      (!Number.isInteger(parallel) || parallel < 1 || parallel > MAX_PARALLEL_GROUPS)
    ) {
      const error = `--parallel ${options.parallel}: give a whole number from 1 to ${MAX_PARALLEL_GROUPS}`;
      say('failover', options.json, context, { error, exitCode: EXIT_CODES.usage });
      context.setExitCode(EXIT_CODES.usage);
      return;
    }
    let waitMs: number | undefined;
    try {
      if (options.waitForReplication !== undefined)
        waitMs = parseDuration(options.waitForReplication, '--wait-for-replication');
    } catch (err) {
      say('failover', options.json, context, { error: (err as Error).message, exitCode: EXIT_CODES.usage });
      context.setExitCode(EXIT_CODES.usage);
      return;
    }
    if (options.planned && options.dryRun) {
      const error =
        '--planned waits, then commits; --dry-run commits nothing: give one of them (a dry run shows the ' +
        'replication gap and, live, the consumers still running in --from)';
      say('failover', options.json, context, { error, exitCode: EXIT_CODES.usage });
      context.setExitCode(EXIT_CODES.usage);
      return;
    }
    if (options.planned) waitMs ??= NODE_DEFAULTS.failover.plannedWaitMs;
    const nodeWaitMs = Number(options.waitMs);
    if (!Number.isInteger(nodeWaitMs) || nodeWaitMs < 0) {
      const error = `--wait-ms ${options.waitMs}: give a whole number of milliseconds ≥ 0`;
      say('failover', options.json, context, { error, exitCode: EXIT_CODES.usage });
      context.setExitCode(EXIT_CODES.usage);
      return;
    }
    const startedAt = performance.now();
    const watch = progressWatch('failover', options.json, context);
    const request = {
      fromRegion: options.from,
      toRegion: options.to,
      groups: [],
      groupPatterns: include,
      excludeGroupPatterns: exclude,
      dryRun: options.dryRun ?? false,
      failback: '',
      progressId: randomUUID(),
      parallelGroups: parallel,
    };
    const lines = (line: string) =>
      say('failover', options.json, context, options.json ? { message: line } : line);
    const patience = { region: options.to, waitMs: nodeWaitMs, say: lines };
    const run = await withCalls(
      address(options, options.to, config),
      options,
      connection,
      patience,
      (calls) =>
        waitMs === undefined
          ? runFailover(calls, request, watch)
          : runFailoverAfterReplication(
              calls,
              request,
              waitMs,
              { now: Date.now, sleep: (ms) => sleep(ms) },
              lines,
              watch,
              options.planned === true,
            ),
    );
    report('failover', run, options.json, context, performance.now() - startedAt);
  });
}

/** One line on stderr: `text` as is (prefixed `geomesh <verb>: ` when it is an error), or JSON. */
function say(verb: string, json: boolean | undefined, context: CliContext, line: string | object): void {
  if (json) context.stderr(JSON.stringify(line) + '\n');
  else if (typeof line === 'string') context.stderr(`${line}\n`);
  else context.stderr(`geomesh ${verb}: ${(line as { error: string }).error}\n`);
}

/** Progress lines of a long Failover call on stderr (text, or JSON with --json). */
function progressWatch(verb: string, json: boolean | undefined, context: CliContext): ProgressWatch {
  return {
    say: (p) => say(verb, json, context, json ? { progress: p } : describeProgress(p)),
    sleep: (ms, signal) => sleep(ms, undefined, { signal }).catch(() => undefined),
  };
}

/** The node to call: `--node`, else the region's node in the topology. */
function address(options: { node?: string }, region: string, config: TopologyConfig): string {
  return options.node ?? config.nodeAddress(region);
}

/**
 * The calls of a command on one node, bound to its address, credentials and deadline; while the node is still
 * starting they wait for it within `patience.waitMs` (node/failover patient-calls.ts).
 */
async function withCalls(
  address: string,
  options: { tokenEnv?: string },
  connection: { transport: ClientTransportOptions; timeoutMs: number },
  patience: { region: string; waitMs: number; say: (line: string) => void },
  run: (calls: FailoverCalls) => Promise<FailoverRun>,
): Promise<FailoverRun> {
  let client: ReturnType<typeof createOperatorClient>;
  try {
    client = createOperatorClient(address, {
      transport: connection.transport,
      ...(options.tokenEnv ? { bearerToken: { env: options.tokenEnv } } : {}),
    });
  } catch (err) {
    // Credentials that cannot be used as given (a token without TLS, an unset variable): a usage error.
    return { exit: callErrorExit(err), error: (err as Error).message };
  }
  const call = { timeoutMs: connection.timeoutMs };
  try {
    const calls: FailoverCalls = {
      failover: (request) => client.failover(request, call),
      links: async () => (await client.getStatus({}, call)).node.links,
      progress: (progressId) => client.getFailoverProgress({ progressId }, call),
    };
    return await run(
      patientCalls(calls, {
        waitMs: patience.waitMs,
        node: `${patience.region}'s node at ${address}`,
        clock: { now: Date.now, sleep: (ms) => sleep(ms) },
        say: patience.say,
      }),
    );
  } finally {
    client.close();
  }
}

/**
 * Prints how a command ended (the answer and its summary on stdout, an error on stderr) and sets its exit
 * code.
 */
function report(
  verb: string,
  run: FailoverRun,
  json: boolean | undefined,
  context: CliContext,
  elapsedMs: number,
): void {
  if (run.response) {
    const summary = summarizeFailover(run.response, elapsedMs);
    context.stdout(
      json
        ? JSON.stringify({ ...run.response, summary }, null, 2) + '\n'
        : renderFailover(run.response, Date.now()) + describeSummary(summary) + '\n',
    );
  }
  if (run.error !== undefined) say(verb, json, context, { error: run.error, exitCode: EXIT_CODES[run.exit] });
  context.setExitCode(EXIT_CODES[run.exit]);
}

interface FailbackOptions extends OperatorConnectionOptions {
  topology: string;
  region: string;
  from: string;
  group?: string[];
  maxLag: string;
  waitMs: string;
  dryRun?: boolean;
  node?: string;
  tokenEnv?: string;
  json?: boolean;
}

/** Adds `geomesh failback` to `program`. */
export function registerFailbackCommand(program: Command, context: CliContext): void {
  const command = program
    .command('failback')
    .description('move consumer groups back to a region once it has caught up')
    .requiredOption('--topology <file>', 'topology YAML file (names the regions and their nodes)')
    .requiredOption('--region <region>', 'the region the groups return to')
    .requiredOption('--from <region>', 'the region they ran in meanwhile')
    .option(
      '--group <name...>',
      "consumer groups to move back (default: those --region's failover to --from recorded in etcd)",
    )
    .option('--max-lag <records>', 'how far behind the link may still be', '0')
    .option(
      '--wait-ms <ms>',
      "how long to wait for --region's node (while it is still starting) and for it to catch up",
      '300000',
    )
    .option('--dry-run', 'wait and translate, commit nothing')
    .option('--node <host:port>', "call this node (default: --region's node)")
    .option('--token-env <VAR>', 'environment variable holding the operator bearer token')
    .option('--json', 'print the answer as JSON')
    .addHelpText('after', FAILBACK_HELP);
  withOperatorConnectionOptions(command).action(async (options: FailbackOptions) => {
    const config = await loadValidTopology(options.topology, context);
    if (!config) return;
    const connection = operatorConnection('failback', options, config, context);
    if (!connection) return;
    const maxLag = Number(options.maxLag);
    const waitMs = Number(options.waitMs);
    if (!Number.isInteger(maxLag) || maxLag < 0 || !Number.isInteger(waitMs) || waitMs < 0) {
      context.stderr('geomesh failback: --max-lag and --wait-ms must be whole numbers ≥ 0\n');
      context.setExitCode(EXIT_CODES.usage);
      return;
    }
    if (!options.node && !config.hasRegion(options.region)) {
      context.stderr(`geomesh failback: --region: unknown region "${options.region}"\n`);
      context.setExitCode(EXIT_CODES.notFound);
      return;
    }
    const startedAt = performance.now();
    const lines = (line: string) =>
      say('failback', options.json, context, options.json ? { message: line } : line);
    const patience = { region: options.region, waitMs, say: lines };
    const run = await withCalls(
      address(options, options.region, config),
      options,
      connection,
      patience,
      (calls) =>
        runFailback(
          calls,
          {
            region: options.region,
            from: options.from,
            groups: options.group ?? [],
            progressId: randomUUID(),
            isDryRun: options.dryRun === true,
            maxLag,
            waitMs,
          },
          { now: Date.now, sleep: (ms) => sleep(ms) },
          lines,
          progressWatch('failback', options.json, context),
        ),
    );
    report('failback', run, options.json, context, performance.now() - startedAt);
  });
}
