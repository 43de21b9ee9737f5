/**
 * `geomesh failover --from A --to B --group G [--group H ...] [--dry-run]`: moves consumer groups from
 * region A to region B. B's node translates each group's committed offsets (live from A's node, or from A's
 * last checkpoint when A is down) and commits them in B, where the group must have no active members. A
 * state-changing call: B's node accepts it only from an operator its `node.operators` names (bearer token or
 * client certificate). Idempotent: run it again to retry refused groups.
 *
 * The node records region state in etcd before it commits anything (docs/offset-translation.md, "Region
 * state"): A failed over to B; during a failback, A failing back, then active once its groups are back.
 */
import type { Command } from 'commander';
import { isGeomeshError } from '../../../base/index.ts';
import type { TopologyConfig } from '../../../topology/index.ts';
import {
  createOperatorClient,
  type ClientTransportOptions,
  type FailoverResponse,
  type OperatorClient,
  type RegionState,
} from '../../rpc/index.ts';
import type { CliContext } from '../cli-context.ts';
import { EXIT_CODES } from '../exit-codes.ts';
import { loadValidTopology } from '../load-topology.ts';
import {
  operatorConnection,
  withOperatorConnectionOptions,
  type OperatorConnectionOptions,
} from '../operator-connection.ts';
import { textTable as table } from '../../status/index.ts';

const FAILOVER_HELP = `
Per group: the outcome (committed, dry-run, or refused with the reason: unknown group, active members in
--to, no answer from --from and no checkpoint), where the frontier came from (live, or the checkpoint and its
age: a group may then see records again, never miss one), the partitions committed and how many records
after the committed offsets the group had already consumed in --from (a failover-aware consumer skips them;
docs/offset-translation.md). Before committing, the node records --from as failed over to --to in etcd
(region state, shown by geomesh status); a dry run records nothing. When etcd does not answer, nothing is
committed (exit 1); when --from is recorded failed over to another region, the call is refused (exit 1).
Exit codes: 0 every group committed (or translated, with --dry-run), 1 failure (node unreachable),
2 invalid topology, 5 at least one group refused, 64 usage error, 66 file not readable, 77 not authorised.`;

interface FailoverOptions extends OperatorConnectionOptions {
  topology: string;
  from: string;
  to: string;
  group: string[];
  dryRun?: boolean;
  node?: string;
  tokenEnv?: string;
  json?: boolean;
}

function render(response: FailoverResponse, nowMs: number): string {
  const rows = response.groups.map((g) => {
    const t = g.translation;
    const source = !t
      ? '-'
      : t.source === 'live'
        ? 'live'
        : `checkpoint ${((nowMs - t.frontierTimeMs) / 1000).toFixed(1)} s old`;
    return [
      g.group,
      g.outcome,
      source,
      t ? String(t.partitions.length) : '-',
      t ? String(t.partitions.reduce((n, p) => n + p.alreadySeen, 0)) : '-',
      g.reason,
    ];
  });
  return (
    table(['GROUP', 'OUTCOME', 'FRONTIER', 'PARTITIONS', 'ALREADY SEEN', 'REASON'], rows) +
    (response.regionState ? `\nregion state in etcd: ${describeRegionState(response.regionState)}\n` : '') +
    (response.regionStateError ? `\nregion state not recorded: ${response.regionStateError}\n` : '')
  );
}

/** `east failed-over to west since 2026-…Z (groups billing)`. */
function describeRegionState(s: RegionState): string {
  if (s.state === 'active') return `${s.region} active${s.since ? ` since ${s.since}` : ''}`;
  return (
    `${s.region} ${s.state} ${s.state === 'failed-over' ? 'to' : 'from'} ${s.toRegion} since ${s.since}` +
    (s.groups.length ? ` (groups ${s.groups.join(', ')})` : '')
  );
}

export function registerFailoverCommand(program: Command, context: CliContext): void {
  const command = program
    .command('failover')
    .description('move consumer groups to another region: translate their offsets and commit them there')
    .requiredOption('--topology <file>', 'topology YAML file (names the regions and their nodes)')
    .requiredOption('--from <region>', 'the region the groups leave (it may be down)')
    .requiredOption('--to <region>', 'the region they move to')
    .requiredOption('--group <name...>', 'consumer groups to move')
    .option('--dry-run', 'translate and report only; commit nothing')
    .option('--node <host:port>', "call this node (default: --to's node)")
    .option('--token-env <VAR>', 'environment variable holding the operator bearer token')
    .option('--json', 'print the answer as JSON')
    .addHelpText('after', FAILOVER_HELP);
  withOperatorConnectionOptions(command).action(async (options: FailoverOptions) => {
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
    await moveGroups(
      options,
      { from: options.from, to: options.to, failback: '' },
      connection,
      config,
      context,
    );
  });
}

/** Calls Failover on the target node and prints the per-group report; sets the exit code. */
async function moveGroups(
  options: Pick<FailoverOptions, 'group' | 'dryRun' | 'node' | 'tokenEnv' | 'json'>,
  move: { from: string; to: string; failback: '' | 'finish' },
  connection: { transport: ClientTransportOptions; timeoutMs: number },
  config: TopologyConfig,
  context: CliContext,
): Promise<void> {
  const client = createOperatorClient(options.node ?? config.region(move.to).node.grpc, {
    transport: connection.transport,
    ...(options.tokenEnv ? { bearerToken: { env: options.tokenEnv } } : {}),
  });
  try {
    const response = await client.failover(
      {
        fromRegion: move.from,
        toRegion: move.to,
        groups: options.group,
        dryRun: options.dryRun ?? false,
        failback: move.failback,
      },
      { timeoutMs: connection.timeoutMs },
    );
    context.stdout(options.json ? JSON.stringify(response, null, 2) + '\n' : render(response, Date.now()));
    context.setExitCode(
      response.groups.some((g) => g.outcome === 'refused') ? EXIT_CODES.refused : EXIT_CODES.ok,
    );
  } catch (err) {
    reportCallError('failover', err, context);
  } finally {
    client.close();
  }
}

/** Prints a failed call and sets the exit code its error code calls for. */
function reportCallError(verb: string, err: unknown, context: CliContext): void {
  context.stderr(`geomesh ${verb}: ${(err as Error).message}\n`);
  context.setExitCode(
    isGeomeshError(err, 'GEOMESH_RPC_UNAUTHENTICATED') || isGeomeshError(err, 'GEOMESH_RPC_PERMISSION_DENIED')
      ? EXIT_CODES.noPermission
      : isGeomeshError(err, 'GEOMESH_RPC_NOT_FOUND')
        ? EXIT_CODES.notFound
        : isGeomeshError(err, 'GEOMESH_RPC_INVALID_ARGUMENT') || isGeomeshError(err, 'GEOMESH_CONFIG_INVALID')
          ? EXIT_CODES.usage
          : EXIT_CODES.failure,
  );
}

const FAILBACK_HELP = `
First records --region as failing back from --from in etcd (through --region's node; not with --dry-run),
then waits until that node has caught up with --from (the lag of the link --from → --region, as its
GetStatus reports it, at most --max-lag records), then moves the groups back: as geomesh failover --from
<from> --to <region>, and the node records --region active once the groups are back.
Exit codes: as failover, and 1 when the region did not catch up within --wait-ms.`;

interface FailbackOptions extends OperatorConnectionOptions {
  topology: string;
  region: string;
  from: string;
  group: string[];
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
    .requiredOption('--group <name...>', 'consumer groups to move back')
    .option('--max-lag <records>', 'how far behind the link may still be', '0')
    .option('--wait-ms <ms>', 'how long to wait for the region to catch up', '300000')
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
    const address = options.node ?? config.region(options.region).node.grpc;
    const client = createOperatorClient(address, { transport: connection.transport });
    try {
      const deadline = Date.now() + waitMs;
      // Recorded failing back once the node is known to have a link to catch up on (not with --dry-run).
      let isStarted = options.dryRun === true;
      for (;;) {
        const { node } = await client.getStatus({}, { timeoutMs: connection.timeoutMs });
        const link = node.links.find((l) => l.fromRegion === options.from);
        if (!link) {
          context.stderr(
            `geomesh failback: ${options.region} has no link from ${options.from}: nothing to catch up with\n`,
          );
          context.setExitCode(EXIT_CODES.notFound);
          return;
        }
        if (!isStarted) {
          if (!(await startFailback(options, address, connection, context))) return;
          isStarted = true;
        }
        if (link.state === 'running' && link.lagRecords <= maxLag) {
          context.stderr(`${options.region} has caught up with ${options.from} (lag ${link.lagRecords})\n`);
          break;
        }
        if (Date.now() >= deadline) {
          context.stderr(
            `geomesh failback: ${options.region} is still ${link.lagRecords} records behind ${options.from} ` +
              `(link ${link.state}) after ${waitMs} ms: wait longer (--wait-ms) or accept a lag (--max-lag)\n`,
          );
          context.setExitCode(EXIT_CODES.failure);
          return;
        }
        context.stderr(`waiting: ${options.region} is ${link.lagRecords} records behind ${options.from}\n`);
        await new Promise((r) => setTimeout(r, 1_000));
      }
    } catch (err) {
      reportCallError('failback', err, context);
      return;
    } finally {
      client.close();
    }
    await moveGroups(
      options,
      { from: options.from, to: options.region, failback: 'finish' },
      connection,
      config,
      context,
    );
  });
}

/**
 * Failback step "start": the returning region's node records it failing back (it commits nothing; dry_run is
 * set as well, so a node older than the step only translates). False after reporting a failure.
 */
async function startFailback(
  options: FailbackOptions,
  address: string,
  connection: { transport: ClientTransportOptions; timeoutMs: number },
  context: CliContext,
): Promise<boolean> {
  const client: OperatorClient = createOperatorClient(address, {
    transport: connection.transport,
    ...(options.tokenEnv ? { bearerToken: { env: options.tokenEnv } } : {}),
  });
  try {
    const response = await client.failover(
      {
        fromRegion: options.from,
        toRegion: options.region,
        groups: options.group,
        dryRun: true,
        failback: 'start',
      },
      { timeoutMs: connection.timeoutMs },
    );
    context.stderr(
      response.regionState
        ? `region state in etcd: ${describeRegionState(response.regionState)}\n`
        : `${options.region}'s node recorded no region state (a geomesh older than region states)\n`,
    );
    return true;
  } catch (err) {
    reportCallError('failback', err, context);
    return false;
  } finally {
    client.close();
  }
}
