/**
 * The real CLI, spawned as a child process: every invalid corpus file exits 2 with its expected
 * `FILE:LINE:COL`, code and fix on stderr; every example exits 0.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';

const ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));
const NODE = `${ROOT}node_modules/.bin/node`;
const BIN = `${ROOT}node/cli/bin.mjs`;
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

describe('geomesh topology validate (spawned)', () => {
  const files = readdirSync(INVALID)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  // One process checks the whole corpus (each file on its own, its lines prefixed with its name).
  let run: Run;
  before(async () => {
    run = await geomesh(['topology', 'validate', ...files.map((f) => `test/unit/topology/invalid/${f}`)], {
      GEOMESH_TEST_PASSWORD: 'not-a-real-one',
    });
  });

  it('has a corpus of at least 30 invalid files; exit 2, nothing on stdout', () => {
    assert.ok(files.length >= 30, `${files.length} files`);
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stdout, '');
  });

  for (const name of files) {
    it(`rejects ${name}`, () => {
      const { expects, fix } = expectationsOf(readFileSync(INVALID + name, 'utf8'));
      assert.ok(expects.length > 0 && fix !== '', 'the file declares # expect: and # fix:');
      const lines = run.stderr
        .split('\n')
        .filter((l) => l.includes(`/${name}:`) && !l.includes(' warning: '));
      assert.equal(lines.length, expects.length, run.stderr);
      for (const expect of expects) {
        const [position, code] = expect.split(' ');
        const line = lines.find((l) => l.includes(`/${name}:${position} `) && l.endsWith(`[${code}]`));
        assert.ok(line, `expected ${name}:${position} ... [${code}] in:\n${run.stderr}`);
        assert.ok(line.includes(fix), `the message names the fix "${fix}": ${line}`);
      }
    });
  }
});

describe('geomesh topology (spawned, valid files)', () => {
  const env = {
    ETCD_PASSWORD: 'e',
    US_EAST_KAFKA_PASSWORD: 'a',
    US_WEST_KAFKA_PASSWORD: 'b',
    GEOMESH_PROVENANCE_KEY: 'do-not-print-this-provenance-key-0123456789',
  };
  const examples = readdirSync(EXAMPLES)
    .filter((f) => f.endsWith('.yaml'))
    .sort();

  it(`validates every example (${examples.length} files) in one run: exit 0, a line each`, async () => {
    const run = await geomesh(['topology', 'validate', ...examples.map((n) => `examples/${n}`)], env);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '');
    for (const name of examples) assert.match(run.stdout, new RegExp(`^examples/${name}: valid: mesh `, 'm'));
  });

  it('several files: the worst exit wins (66 unreadable, before 2 invalid); --json gives one report each', async () => {
    const mixed = ['examples/active-passive.yaml', 'test/unit/topology/invalid/self-link.yaml'];
    const invalid = await geomesh(['topology', 'validate', ...mixed], env);
    assert.equal(invalid.code, 2, invalid.stderr);
    assert.match(invalid.stdout, /^examples\/active-passive\.yaml: valid/m);
    const missing = await geomesh(['topology', 'validate', '--json', ...mixed, 'no/such.yaml'], env);
    assert.equal(missing.code, 66, missing.stderr);
    const reports = JSON.parse(missing.stdout) as { file: string; valid: boolean; error?: string }[];
    assert.deepEqual(
      reports.map((r) => [r.file, r.valid]),
      [...mixed.map((f, i) => [f, i === 0]), ['no/such.yaml', false]],
    );
    assert.match(reports[2]!.error ?? '', /cannot read topology file no\/such\.yaml: no such file/);
  });

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
