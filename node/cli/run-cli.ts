/**
 * The geomesh command line: one commander program, each noun's verbs registered from `commands/`.
 * Runs in-process against a `CliContext`, so it can be tested without spawning.
 */
import { Command, CommanderError } from 'commander';
import { isGeomeshError } from '../../base/index.ts';
import type { CliContext } from './cli-context.ts';
import { registerNodeCommand } from './commands/node.ts';
import { registerStatusCommand } from './commands/status.ts';
import { registerTopologyCommands } from './commands/topology.ts';
import { registerTranslateCommand } from './commands/translate.ts';
import { registerFailbackCommand, registerFailoverCommand } from './commands/failover.ts';
import { EXIT_CODES } from './exit-codes.ts';

/** Builds the program. Later nouns (node, status, translate, failover) register here the same way. */
export function createProgram(context: CliContext): Command {
  const program = new Command('geomesh')
    .description('geomesh: multi-region active-active geo-replication for Apache Kafka')
    .version('0.1.0')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => context.stdout(s), writeErr: (s) => context.stderr(s) });
  registerTopologyCommands(program, context);
  registerNodeCommand(program, context);
  registerTranslateCommand(program, context);
  registerFailoverCommand(program, context);
  registerFailbackCommand(program, context);
  registerStatusCommand(program, context);
  return program;
}

/** Runs the CLI on `args` (without `node` and the script name); resolves to the exit code. */
export async function runCli(
  args: readonly string[],
  context: Omit<CliContext, 'setExitCode'>,
): Promise<number> {
  let exitCode: number = EXIT_CODES.ok;
  const full: CliContext = { ...context, setExitCode: (code) => (exitCode = code) };
  const program = createProgram(full);
  try {
    await program.parseAsync([...args], { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version end with 0; commander has already printed the message of any other error.
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version'
        ? EXIT_CODES.ok
        : EXIT_CODES.usage;
    }
    if (isGeomeshError(err, 'GEOMESH_CLI_INPUT')) {
      full.stderr(`geomesh: ${err.message}\n`);
      return EXIT_CODES.noInput;
    }
    full.stderr(
      `geomesh: unexpected failure: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return EXIT_CODES.failure;
  }
}
