/**
 * `geomesh translate --group G --from A --to B`: asks a node of the mesh where consumer group G, as
 * committed in region A, resumes in region B, and prints a per-partition table (or `--json`). Any node can
 * answer; the CLI asks B's node first (it is up when failing over to B), then the others.
 */
import type { Command } from 'commander';
import { isGeomeshError } from '../../../base/index.ts';
import { createOperatorClient, type TranslateOffsetsResponse } from '../../rpc/index.ts';
import type { CliContext } from '../cli-context.ts';
import { EXIT_CODES } from '../exit-codes.ts';
import { loadValidTopology } from '../load-topology.ts';
import { textTable as table } from '../../status/index.ts';
import {
  operatorConnection,
  withOperatorConnectionOptions,
  type OperatorConnectionOptions,
} from '../operator-connection.ts';

const TRANSLATE_HELP = `
Columns: the group's committed offset in --from, where it resumes in --to, how many records after that
offset the group already consumed in --from (a failover-aware consumer skips them with the frontier; see
docs/offset-translation.md), and the frontier: per origin region, the highest origin offset consumed.
Source "live" means --from's node answered now; "checkpoint" that it could not be asked and the answer
comes from its last checkpoint (its age is printed).
Exit codes: 0 translated, 1 failure (no node reachable), 2 invalid topology, 4 group or region not found,
64 usage error, 66 file not readable.`;

interface TranslateOptions extends OperatorConnectionOptions {
  topology: string;
  group: string;
  from: string;
  to: string;
  topic?: string[];
  node?: string;
  json?: boolean;
}

function render(answer: TranslateOffsetsResponse, nowMs: number): string {
  const age = Math.max(0, nowMs - answer.frontierTimeMs);
  const head =
    `group ${answer.group}: ${answer.fromRegion} → ${answer.toRegion}, frontier ${answer.source}` +
    (answer.source === 'checkpoint' ? ` (checkpoint ${(age / 1000).toFixed(1)} s old)` : '') +
    '\n';
  const rows = answer.partitions.map((p) => [
    `${p.topic}/${p.partition}`,
    String(p.sourceOffset),
    String(p.targetOffset),
    String(p.targetLogEnd),
    String(p.alreadySeen),
    p.frontier.map((f) => `${f.region}:${f.offset}`).join(' '),
  ]);
  return (
    head +
    table(
      [
        `PARTITION`,
        `OFFSET IN ${answer.fromRegion}`,
        `OFFSET IN ${answer.toRegion}`,
        'LOG END',
        'ALREADY SEEN',
        'FRONTIER',
      ],
      rows,
    )
  );
}

export function registerTranslateCommand(program: Command, context: CliContext): void {
  const command = program
    .command('translate')
    .description("translate a consumer group's committed offsets from one region to another")
    .requiredOption('--topology <file>', 'topology YAML file (names the regions and their nodes)')
    .requiredOption('--group <name>', 'consumer group')
    .requiredOption('--from <region>', 'region where the group committed')
    .requiredOption('--to <region>', 'region where it would resume')
    .option('--topic <name...>', 'only these topics (default: every topic the group committed)')
    .option('--node <host:port>', "ask this node (default: --to's node, then the others)")
    .option('--json', 'print the answer as JSON')
    .addHelpText('after', TRANSLATE_HELP);
  withOperatorConnectionOptions(command).action(async (options: TranslateOptions) => {
    const config = await loadValidTopology(options.topology, context);
    if (!config) return;
    const connection = operatorConnection('translate', options, config, context);
    if (!connection) return;
    const { transport, timeoutMs } = connection;
    const regions = config.regions.map((r) => r.name);
    const targets = options.node
      ? [options.node]
      : [options.to, ...regions.filter((r) => r !== options.to)]
          .filter((r) => config.hasRegion(r))
          .map((r) => config.nodeAddress(r));
    const request = {
      group: options.group,
      fromRegion: options.from,
      toRegion: options.to,
      topics: options.topic ?? [],
    };
    const failures: string[] = [];
    for (const target of targets) {
      const client = createOperatorClient(target, { transport });
      try {
        const answer = await client.translateOffsets(request, { timeoutMs });
        context.stdout(options.json ? JSON.stringify(answer, null, 2) + '\n' : render(answer, Date.now()));
        context.setExitCode(EXIT_CODES.ok);
        return;
      } catch (err) {
        // A node's definite answer ends the search; only an unreachable node sends us to the next.
        if (
          isGeomeshError(err, 'GEOMESH_RPC_UNAVAILABLE') ||
          isGeomeshError(err, 'GEOMESH_RPC_DEADLINE_EXCEEDED')
        ) {
          failures.push(`${target}: ${(err as Error).message}`);
          continue;
        }
        context.stderr(`geomesh translate: ${(err as Error).message}\n`);
        context.setExitCode(
          isGeomeshError(err, 'GEOMESH_RPC_NOT_FOUND')
            ? EXIT_CODES.notFound
            : isGeomeshError(err, 'GEOMESH_RPC_INVALID_ARGUMENT')
              ? EXIT_CODES.usage
              : EXIT_CODES.failure,
        );
        return;
      } finally {
        client.close();
      }
    }
    context.stderr(
      `geomesh translate: no node answered:\n${failures.map((f) => `  ${f}\n`).join('')}` +
        'start a node (geomesh node) or name a reachable one with --node\n',
    );
    context.setExitCode(EXIT_CODES.failure);
  });
}
