/**
 * `geomesh failover --from A --to B --group G [--group H ...] [--dry-run]`: moves consumer groups from
 * region A to region B. B's node translates each group's committed offsets (live from A's node, or from A's
 * last checkpoint when A is down) and commits them in B, where the group must have no active members. A
 * state-changing call: B's node accepts it only from an operator its `node.operators` names (bearer token or
 * client certificate). Idempotent: run it again to retry refused groups.
 */
import type { Command } from 'commander';
import { isGeomeshError } from '../../errors/index.ts';
import { createOperatorClient, type FailoverResponse } from '../../rpc/index.ts';
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
docs/offset-translation.md).
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
  return table(['GROUP', 'OUTCOME', 'FRONTIER', 'PARTITIONS', 'ALREADY SEEN', 'REASON'], rows);
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
    const target = options.node ?? config.region(options.to).node.grpc;
    const client = createOperatorClient(target, {
      transport: connection.transport,
      ...(options.tokenEnv ? { bearerToken: { env: options.tokenEnv } } : {}),
    });
    try {
      const response = await client.failover(
        {
          fromRegion: options.from,
          toRegion: options.to,
          groups: options.group,
          dryRun: options.dryRun ?? false,
        },
        { timeoutMs: connection.timeoutMs },
      );
      context.stdout(options.json ? JSON.stringify(response, null, 2) + '\n' : render(response, Date.now()));
      context.setExitCode(
        response.groups.some((g) => g.outcome === 'refused') ? EXIT_CODES.refused : EXIT_CODES.ok,
      );
    } catch (err) {
      context.stderr(`geomesh failover: ${(err as Error).message}\n`);
      context.setExitCode(
        isGeomeshError(err, 'GEOMESH_RPC_UNAUTHENTICATED') ||
          isGeomeshError(err, 'GEOMESH_RPC_PERMISSION_DENIED')
          ? EXIT_CODES.noPermission
          : isGeomeshError(err, 'GEOMESH_RPC_NOT_FOUND')
            ? EXIT_CODES.notFound
            : isGeomeshError(err, 'GEOMESH_RPC_INVALID_ARGUMENT') ||
                isGeomeshError(err, 'GEOMESH_CONFIG_INVALID')
              ? EXIT_CODES.usage
              : EXIT_CODES.failure,
      );
    } finally {
      client.close();
    }
  });
}
