/**
 * `npm run mesh:up` (scripts/mesh-up.ts), the local mesh to play with by hand: it starts 3 Kafka clusters,
 * etcd and a node per region, writes the topology and key files, prints commands that work as printed
 * (status over the nodes' mutual TLS, a producer in one region and a consumer in another), and Ctrl-C ends
 * every process it started and removes its folder.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../harness/index.ts';
import { waitFor } from '../support/polling.ts';

const run = promisify(execFile);

/** Pids whose parent is `pid` (from /proc). */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm run mesh:up: a local 3-region mesh to play with by hand', () => {
  const parent = mkdtempSync(join(tmpdir(), 'geomesh-mesh-up-'));
  const dir = join(parent, 'mesh');
  let meshUp: ChildProcess | undefined;
  let stdout = '';

  after(() => {
    if (meshUp?.exitCode === null) meshUp.kill('SIGKILL'); // its children's watchdogs end them
    rmSync(parent, { recursive: true, force: true });
  });

  it('starts, prints commands that work as printed, and Ctrl-C cleans up', async () => {
    meshUp = spawn(process.execPath, [join(PROJECT_ROOT, 'scripts', 'mesh-up.ts'), '--dir', dir], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    meshUp.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    meshUp.stderr!.on('data', (c: Buffer) => process.stderr.write(`[mesh-up] ${c.toString()}`));
    const exited = new Promise<number | null>((resolve) => meshUp!.once('exit', resolve));
    await waitFor(() => stdout.includes('Ctrl-C stops') || meshUp!.exitCode !== null, {
      timeoutMs: 180_000,
      intervalMs: 250,
      what: 'mesh:up to print its commands',
    });
    assert.match(stdout, /Ctrl-C stops everything/, stdout);

    const key = /GEOMESH_PROVENANCE_KEY=(\w+)/.exec(readFileSync(join(dir, 'env'), 'utf8'))![1]!;
    const env = { ...process.env, GEOMESH_PROVENANCE_KEY: key };
    // The status command as printed: the nodes serve mutual TLS, and it carries the operator's certificate.
    const statusLine = stdout.split('\n').find((l) => l.includes('./geomesh status'));
    assert.ok(statusLine, `no status command in:\n${stdout}`);
    assert.match(statusLine, /--tls-ca \S+ --tls-cert \S+ --tls-key \S+/);
    const [, ...statusArgs] = statusLine.trim().split(/\s+/);
    const status = await run(join(PROJECT_ROOT, 'geomesh'), statusArgs, { env, cwd: PROJECT_ROOT });
    for (const region of ['ap-south', 'eu-west', 'us-east'])
      assert.match(status.stdout, new RegExp(`^${region} +active +running`, 'm'), status.stdout);

    // The producer and consumer lines as printed, brokers and all.
    const line = (what: string): string[] => {
      const found = stdout.split('\n').find((l) => l.includes(what));
      assert.ok(found, `no line with "${what}" in:\n${stdout}`);
      return found.split('#')[0]!.trim().split(/\s+/);
    };
    const [, script, ...produceArgs] = line('produce --brokers');
    const [, , ...consumeArgs] = line('consume --brokers');
    const producer = spawn(join(PROJECT_ROOT, 'node_modules', '.bin', 'node'), [script!, ...produceArgs], {
      cwd: PROJECT_ROOT,
      stdio: ['pipe', 'ignore', 'inherit'],
    });
    producer.stdin.end('one\ntwo\nthree\n');
    assert.equal(await new Promise((resolve) => producer.once('exit', resolve)), 0);
    const consumed = await run(
      join(PROJECT_ROOT, 'node_modules', '.bin', 'node'),
      [script!, ...consumeArgs, '--max', '3'],
      { cwd: PROJECT_ROOT, timeout: 90_000 },
    );
    assert.deepEqual(
      consumed.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(' ')[1])
        .sort(),
      ['one', 'three', 'two'],
    );

    const children = childrenOf(meshUp.pid!);
    assert.ok(children.length >= 4, `mesh:up runs ${children.length} processes`);
    meshUp.kill('SIGINT');
    await exited;
    await waitFor(() => children.every((pid) => !isAlive(pid)), {
      timeoutMs: 15_000,
      intervalMs: 100,
      what: 'every process mesh:up started to end',
    });
    assert.equal(existsSync(dir), false, `${dir} was not removed`);
  });
});
