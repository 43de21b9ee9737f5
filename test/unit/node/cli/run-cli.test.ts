import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EXIT_CODES, runCli } from '../../../../node/cli/index.ts';

async function run(args: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env });
  return { code, stdout, stderr };
}

const FULL_MESH = new URL('../../../../examples/full-mesh.yaml', import.meta.url).pathname;
const PARTIAL_MESH = new URL('../../../../examples/partial-mesh.yaml', import.meta.url).pathname;
const EXAMPLE_ENV = { GEOMESH_PROVENANCE_KEY: '0123456789abcdef0123456789abcdef' };

describe('runCli', () => {
  it('prints help with exit 0 at every level', async () => {
    for (const args of [
      ['--help'],
      ['topology', '--help'],
      ['topology', 'validate', '--help'],
      ['topology', 'show', '--help'],
    ]) {
      const r = await run(args);
      assert.equal(r.code, EXIT_CODES.ok, args.join(' '));
      assert.match(r.stdout, /Usage: geomesh/);
    }
    assert.match(
      (await run(['topology', 'validate', '--help'])).stdout,
      /Exit codes: 0 valid, 1 unexpected failure, 2 invalid/,
    );
  });

  it('geomesh node refuses a stop deadline that is not a whole number of ms ≥ 1000, before connecting', async () => {
    for (const value of ['abc', '10', '2.5']) {
      const r = await run(
        ['node', '--topology', FULL_MESH, '--region', 'us-east', '--stop-deadline', value],
        EXAMPLE_ENV,
      );
      assert.equal(r.code, EXIT_CODES.usage, value);
      assert.match(
        r.stderr,
        new RegExp(
          `--stop-deadline must be a whole number of milliseconds, at least 1000; got "${value.replace('.', '\\.')}"`,
        ),
      );
    }
  });

  it('geomesh node refuses a worker count that is not a whole number ≥ 1 or auto, before connecting', async () => {
    for (const value of ['0', 'two', '1.5']) {
      const r = await run(
        ['node', '--topology', FULL_MESH, '--region', 'us-east', '--workers', value],
        EXAMPLE_ENV,
      );
      assert.equal(r.code, EXIT_CODES.usage, value);
      assert.match(
        r.stderr,
        new RegExp(
          `--workers must be a whole number of threads, at least 1, or auto; got "${value.replace('.', '\\.')}"`,
        ),
      );
    }
  });

  it('geomesh node refuses --etcd-endpoints that are not http(s) URLs, naming the bad one, before connecting', async () => {
    const r = await run(
      [
        'node',
        '--topology',
        FULL_MESH,
        '--region',
        'us-east',
        '--etcd-endpoints',
        'http://127.0.0.1:2379, 127.0.0.1:2380',
      ],
      EXAMPLE_ENV,
    );
    assert.equal(r.code, EXIT_CODES.usage);
    assert.match(
      r.stderr,
      /--etcd-endpoints "127\.0\.0\.1:2380" is not an http\(s\):\/\/host:port URL: write it as http:\/\/host:port/,
    );
  });

  it('exits 64 on usage errors', async () => {
    assert.equal((await run(['topology', 'valdate', 'x.yaml'])).code, EXIT_CODES.usage);
    assert.equal((await run(['topology', 'validate'])).code, EXIT_CODES.usage);
    const badFormat = await run(['topology', 'show', FULL_MESH, '--format', 'svg']);
    assert.equal(badFormat.code, EXIT_CODES.usage);
    assert.match(badFormat.stderr, /Allowed choices are text, json, dot, mermaid/);
  });

  it('exits 66 on a directory or a missing file', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'geomesh-cli-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const r = await run(['topology', 'validate', dir]);
    assert.equal(r.code, EXIT_CODES.noInput);
    assert.match(r.stderr, /it is a directory/);
  });

  it('validates: text on stderr and exit 2 for an invalid file, JSON with --json', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'geomesh-cli-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      'mesh: x\netcd: { endpoints: ["http://e:2379"] }\nregions: {}\nlinks: []\nextra: 1\n',
    );
    const text = await run(['topology', 'validate', file]);
    assert.equal(text.code, EXIT_CODES.invalid);
    assert.match(
      text.stderr,
      /bad\.yaml:5:1 extra: unknown key "extra" \(remove it; allowed here: mesh, etcd, regions, links, defaults, provenance\) \[TOPOLOGY_UNKNOWN_KEY\]/,
    );
    assert.match(text.stderr, /2 errors: the topology is invalid/);
    const json = await run(['topology', 'validate', '--json', file]);
    assert.equal(json.code, EXIT_CODES.invalid);
    assert.equal(json.stderr, '');
    const report = JSON.parse(json.stdout) as {
      valid: boolean;
      errors: number;
      diagnostics: { code: string; line: number }[];
    };
    assert.equal(report.valid, false);
    assert.equal(report.errors, 2);
    assert.deepEqual(
      report.diagnostics.map((d) => d.code),
      ['TOPOLOGY_OUT_OF_RANGE', 'TOPOLOGY_UNKNOWN_KEY'],
    );
  });

  it('shows a topology as text, json, dot and mermaid', async () => {
    const text = await run(['topology', 'show', PARTIAL_MESH], EXAMPLE_ENV);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /mesh inventory/);
    assert.match(text.stdout, /us-west <- us-east {2}\(eu-north -> eu-west -> us-east -> us-west\)/);
    assert.match(text.stdout, /eu-west -> us-east\n.*\n.*\n {6}forwards origins: eu-north, eu-west/);
    const json = await run(['topology', 'show', '--format', 'json', PARTIAL_MESH], EXAMPLE_ENV);
    const doc = JSON.parse(json.stdout) as {
      routes: Record<string, Record<string, { parent: string }>>;
      forwarding: Record<string, string[]>;
    };
    assert.equal(doc.routes['eu-north']?.['us-west']?.parent, 'us-east');
    assert.deepEqual(doc.forwarding['us-east->us-west'], ['eu-north', 'eu-west', 'us-east']);
    const dot = await run(['topology', 'show', '--format', 'dot', FULL_MESH], EXAMPLE_ENV);
    assert.match(dot.stdout, /^digraph "orders" \{/);
    assert.match(dot.stdout, /"ap-south" -> "eu-west" \[label=".*origins: ap-south"\];/);
    const mermaid = await run(['topology', 'show', '--format', 'mermaid', FULL_MESH], EXAMPLE_ENV);
    assert.match(mermaid.stdout, /^flowchart LR\n/);
    assert.match(mermaid.stdout, /r_ap_south -->\|".*origins: ap-south"\| r_eu_west/);
  });
});
