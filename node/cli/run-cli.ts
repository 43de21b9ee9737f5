/**
 * The geomesh command line: one commander program, each noun's verbs registered from `commands/`.
 * Runs in-process against a `CliContext`, so it can be tested without spawning.
 */
import { Command, CommanderError } from 'commander';
import { isGeomeshError } from '../../base/index.ts';
import type { CliContext } from './cli-context.ts';
import { EXIT_CODES } from './exit-codes.ts';

type Register = (program: Command, context: CliContext) => void;

/**
 * Each noun of the command line and the module that registers it, loaded only when that noun runs: a verb
 * loads what it needs (`geomesh topology validate` neither kafkajs nor gRPC), so a one-shot command starts
 * in a fraction of the node's start-up. Help without a noun, or an unknown one, loads them all.
 */
const NOUNS: Readonly<Record<string, () => Promise<Register>>> = {
  topology: async () => (await import('./commands/topology.ts')).registerTopologyCommands,
  node: async () => (await import('./commands/node.ts')).registerNodeCommand,
  translate: async () => (await import('./commands/translate.ts')).registerTranslateCommand,
  failover: async () => (await import('./commands/failover.ts')).registerFailoverCommand,
  failback: async () => (await import('./commands/failover.ts')).registerFailbackCommand,
  status: async () => (await import('./commands/status.ts')).registerStatusCommand,
};

/** The nouns `args` needs registered: the one it names, or every noun (help, a typo, no noun). */
function nounsFor(args: readonly string[]): string[] {
  const noun = args.find((a) => !a.startsWith('-'));
  return noun !== undefined && Object.hasOwn(NOUNS, noun) ? [noun] : Object.keys(NOUNS);
}

/** Builds the program with the nouns `args` needs (every noun by default). */
export async function createProgram(context: CliContext, args: readonly string[] = []): Promise<Command> {
  const program = new Command('geomesh')
    .description('geomesh: multi-region active-active geo-replication for Apache Kafka')
    .version('0.1.0')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => context.stdout(s), writeErr: (s) => context.stderr(s) });
  const registers = await Promise.all(nounsFor(args).map((noun) => NOUNS[noun]!()));
  for (const register of registers) register(program, context);
  return program;
}

/** Runs the CLI on `args` (without `node` and the script name); resolves to the exit code. */
export async function runCli(
  args: readonly string[],
  context: Omit<CliContext, 'setExitCode'>,
): Promise<number> {
  let exitCode: number = EXIT_CODES.ok;
  const full: CliContext = { ...context, setExitCode: (code) => (exitCode = code) };
  const program = await createProgram(full, args);
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
