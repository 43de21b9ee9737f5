/** Reading a topology file for a CLI verb: one place for "cannot read" errors and diagnostics output. */
import { readFile } from 'node:fs/promises';
import {
  formatDiagnostic,
  validateTopology,
  type TopologyConfig,
  type TopologyValidation,
} from '../../topology/index.ts';
import { GeomeshError } from '../../base/index.ts';
import type { CliContext } from './cli-context.ts';
import { EXIT_CODES } from './exit-codes.ts';

/** Reads and validates `file`; a missing or unreadable file is GEOMESH_CLI_INPUT (exit 66). */
export async function loadTopologyFile(file: string, context: CliContext): Promise<TopologyValidation> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : (err as Error).message;
    throw new GeomeshError('GEOMESH_CLI_INPUT', `cannot read topology file ${file}: ${reason}`, {
      cause: err,
      details: { file },
    });
  }
  return validateTopology(text, { file, env: context.env });
}

/** Prints every diagnostic as `file:line:col …` and, when there are errors, their count. */
export function printDiagnostics(result: TopologyValidation, context: CliContext): void {
  for (const d of result.diagnostics) context.stderr(`${formatDiagnostic(d)}\n`);
  const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
  if (errors > 0) context.stderr(`${errors} error${errors === 1 ? '' : 's'}: the topology is invalid\n`);
}

/**
 * Reads and validates `file` for a verb that needs a valid topology: prints the diagnostics and sets exit
 * code 2 when it is invalid (undefined then).
 */
export async function loadValidTopology(
  file: string,
  context: CliContext,
): Promise<TopologyConfig | undefined> {
  const loaded = await loadTopologyFile(file, context);
  if (loaded.ok) return loaded.topology;
  printDiagnostics(loaded, context);
  context.setExitCode(EXIT_CODES.invalid);
  return undefined;
}
