/**
 * Running the geomesh CLI as operators do, as a child process of the test: `geomesh node` processes that
 * keep running, one-shot verbs run to their end, and waiting for a node's /readyz. GEOMESH_NODE_LOG=info
 * shows the nodes' JSON logs when debugging a failure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../harness/index.ts';
import { E2E_WORKERS } from './e2e-workers.ts';
import { waitFor } from './polling.ts';

const BIN = join(PROJECT_ROOT, 'node', 'cli', 'bin.mjs');

/** Starts `geomesh <args>` with the environment plus `env`; its logs go to the test's stderr when asked. */
export function runGeomesh(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): ChildProcess {
  // `geomesh node` on the suite's worker count (GEOMESH_E2E_WORKERS, 1 by default) unless the test sets its own.
  const workers = args[0] === 'node' && !args.includes('--workers') ? ['--workers', String(E2E_WORKERS)] : [];
  const child = spawn(process.execPath, [BIN, ...args, ...workers], {
    env: { ...process.env, GEOMESH_LOG_LEVEL: process.env['GEOMESH_NODE_LOG'] ?? 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (process.env['GEOMESH_NODE_LOG']) child.stdout.on('data', (c: Buffer) => process.stderr.write(c));
  // Both pipes always flow: output nobody reads is dropped, rather than filling the pipe until the node's
  // synchronous logger blocks on it (a node with 64 KiB of warnings unread hung in its stop). A caller's own
  // 'data' listener, attached as this returns, still sees all of it.
  child.stdout.resume();
  child.stderr.resume();
  return child;
}

/** Starts `geomesh node` for `region` of the topology `file`, listening on loopback at the given ports. */
export function runGeomeshNode(
  node: { file: string; region: string; grpc: number; http: number; args?: readonly string[] },
  env: Readonly<Record<string, string>> = {},
): ChildProcess {
  return runGeomesh(
    [
      'node',
      '--topology',
      node.file,
      '--region',
      node.region,
      '--grpc',
      `127.0.0.1:${node.grpc}`,
      '--http',
      `127.0.0.1:${node.http}`,
      ...(node.args ?? []),
    ],
    env,
  );
}

/** Runs `geomesh <args>` to its end: exit code and output. */
export async function runGeomeshToEnd(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = runGeomesh(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stdout, stderr };
}

/** Waits until the node whose HTTP endpoint is on `port` answers /readyz with 200. */
export function waitNodeReady(port: number, what: string, timeoutMs = 60_000): Promise<void> {
  return waitFor(
    async () => {
      try {
        return (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200;
      } catch {
        return false;
      }
    },
    { timeoutMs, intervalMs: 250, what: `${what} ready` },
  );
}

/** Collects a child's stdout and stderr as lines (JSON log lines of a node) into `into`; returns it. */
export function collectLines(child: ChildProcess, into: string[] = []): string[] {
  let partial = '';
  const collect = (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    into.push(...lines);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return into;
}
