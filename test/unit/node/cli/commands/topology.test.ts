/**
 * The real CLI, spawned as a child process: every invalid corpus file exits 2 with its expected
 * `FILE:LINE:COL`, code and fix on stderr; every example exits 0.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));
const NODE = `${ROOT}node_modules/.bin/node`;
const BIN = `${ROOT}node/cli/bin.ts`;
const INVALID = `${ROOT}test/unit/topology/invalid/`;
const EXAMPLES = `${ROOT}examples/`;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `geomesh args...` with a clean environment plus `env`. */
function geomesh(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      NODE,
      [BIN, ...args],
      { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', ...env }, timeout: 30_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function expectationsOf(text: string): { expects: string[]; fix: string } {
  const expects = [...text.matchAll(/^# expect: (\d+:\d+) (TOPOLOGY_[A-Z_]+)$/gm)].map(
    (m) => `${m[1]} ${m[2]}`,
  );
  return { expects, fix: /^# fix: (.+)$/m.exec(text)?.[1] ?? '' };
}

describe('geomesh topology validate (spawned)', { concurrency: 2 }, () => {
  const files = readdirSync(INVALID)
    .filter((f) => f.endsWith('.yaml'))
    .sort();

  it('has a corpus of at least 30 invalid files', () => {
    assert.ok(files.length >= 30, `${files.length} files`);
  });

  for (const name of files) {
    it(`rejects ${name}`, async () => {
      const { expects, fix } = expectationsOf(readFileSync(INVALID + name, 'utf8'));
      assert.ok(expects.length > 0 && fix !== '', 'the file declares # expect: and # fix:');
      const run = await geomesh(['topology', 'validate', `test/unit/topology/invalid/${name}`], {
        GEOMESH_TEST_PASSWORD: 'not-a-real-one',
      });
      assert.equal(run.code, 2, run.stderr);
      assert.equal(run.stdout, '');
      const lines = run.stderr.split('\n').filter((l) => l.includes(`${name}:`) && !l.includes(' warning: '));
      assert.equal(lines.length, expects.length, run.stderr);
      for (const expect of expects) {
        const [position, code] = expect.split(' ');
        const line = lines.find((l) => l.includes(`${name}:${position} `) && l.endsWith(`[${code}]`));
        assert.ok(line, `expected ${name}:${position} ... [${code}] in:\n${run.stderr}`);
        assert.ok(line.includes(fix), `the message names the fix "${fix}": ${line}`);
      }
    });
  }
});

describe('geomesh topology (spawned, valid files)', { concurrency: 2 }, () => {
  const env = {
    ETCD_PASSWORD: 'e',
    US_EAST_KAFKA_PASSWORD: 'a',
    US_WEST_KAFKA_PASSWORD: 'b',
    GEOMESH_PROVENANCE_KEY: 'do-not-print-this-provenance-key-0123456789',
  };
  for (const name of readdirSync(EXAMPLES)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    it(`validates examples/${name}`, async () => {
      const run = await geomesh(['topology', 'validate', `examples/${name}`], env);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stderr, '');
      assert.match(run.stdout, new RegExp(`examples/${name}: valid: mesh `));
    });
  }

  it('reports a missing file clearly with exit 66', async () => {
    const run = await geomesh(['topology', 'validate', 'no/such/topology.yaml']);
    assert.equal(run.code, 66);
    assert.match(run.stderr, /cannot read topology file no\/such\/topology\.yaml: no such file/);
  });

  it('prints a JSON report with --json and never the secrets', async () => {
    const run = await geomesh(['topology', 'validate', '--json', 'examples/active-passive.yaml'], {
      ...env,
      US_EAST_KAFKA_PASSWORD: 'do-not-print-me',
    });
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as {
      valid: boolean;
      mesh: string;
      hash: string;
      diagnostics: unknown[];
    };
    assert.equal(report.valid, true);
    assert.equal(report.mesh, 'payments');
    assert.match(report.hash, /^[0-9a-f]{64}$/);
    const shown = await geomesh(['topology', 'show', '--format', 'json', 'examples/active-passive.yaml'], {
      ...env,
      US_EAST_KAFKA_PASSWORD: 'do-not-print-me',
    });
    assert.equal(shown.code, 0, shown.stderr);
    assert.doesNotMatch(shown.stdout + run.stdout, /do-not-print-me/);
    assert.doesNotMatch(shown.stdout + run.stdout, /do-not-print-this-provenance-key/);
    assert.match(shown.stdout, /\$\{GEOMESH_PROVENANCE_KEY\}/);
    assert.match(shown.stdout, /\$\{US_EAST_KAFKA_PASSWORD\}/);
  });
});
