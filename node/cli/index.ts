/** The geomesh command line, runnable in-process (tests) or from `bin.mjs`. */
export { runCli, createProgram } from './run-cli.ts';
export { EXIT_CODES, type ExitCode } from './exit-codes.ts';
export type { CliContext } from './cli-context.ts';
