/**
 * What a CLI verb may touch, passed in so tests can run verbs in-process: output streams, the
 * environment for `${ENV}` references, and a way to report the exit code.
 */
export interface CliContext {
  /** Writes to standard output (results, `--json` documents). */
  stdout(text: string): void;
  /** Writes to standard error (diagnostics, errors). */
  stderr(text: string): void;
  /** Environment variables for `${ENV}` references. */
  env: Readonly<Record<string, string | undefined>>;
  /** Sets the process exit code; the last call wins. */
  setExitCode(code: number): void;
}
