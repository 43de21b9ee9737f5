import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EXIT_CODES, runCli } from '../../../../node/cli/index.ts';

async function run(args: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env });
  return { code, stdout, stderr };
}

describe('geomesh topology apply | diff | get (no etcd needed)', () => {
  it('prints help with the exit codes', async () => {
    const apply = await run(['topology', 'apply', '--help']);
    assert.equal(apply.code, EXIT_CODES.ok);
    assert.match(apply.stdout, /--expected-version <n>/);
    assert.match(apply.stdout, /3 conflict/);
    for (const verb of ['diff', 'get']) {
      const help = await run(['topology', verb, '--help']);
      assert.equal(help.code, EXIT_CODES.ok, verb);
      assert.match(help.stdout, /Exit codes: 0 /, verb);
    }
  });

  it('exits 64 on a bad --expected-version, a missing --mesh; 66 on a missing file', async () => {
    assert.equal(
      (await run(['topology', 'apply', 'x.yaml', '--expected-version', 'two'])).code,
      EXIT_CODES.usage,
    );
    assert.equal((await run(['topology', 'get', '--etcd', 'http://127.0.0.1:2379'])).code, EXIT_CODES.usage);
    const missing = await run(['topology', 'apply', 'no/such/topology.yaml']);
    assert.equal(missing.code, EXIT_CODES.noInput);
    assert.match(missing.stderr, /cannot read topology file no\/such\/topology\.yaml: no such file/);
  });

  it('exits 2 on an invalid file before connecting to etcd', async () => {
    const bad = await run(['topology', 'apply', 'test/unit/topology/invalid/self-link.yaml']);
    assert.equal(bad.code, EXIT_CODES.invalid);
    assert.match(bad.stderr, /TOPOLOGY_SELF_LINK/);
    assert.match(bad.stderr, /nothing was applied/);
  });
});
