/**
 * `geomesh status` in-process against a fake node (an RpcServer with fake handlers) and nothing else: one region
 * answers, the other's port is closed, etcd is unreachable. The real mesh is test/e2e/status.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { EXIT_CODES, runCli } from '../../../../../node/cli/index.ts';
import type { MeshStatus } from '../../../../../node/status/index.ts';
import { freePort } from '../../../../harness/index.ts';
import { fakeHandlers, startServer } from '../../rpc/fixtures.ts';

async function run(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env: {} });
  return { code, stdout, stderr };
}

/** A topology whose east node is a fake answering GetStatus and whose west node and etcd are closed ports. */
async function fixture(t: TestContext): Promise<string> {
  const fakes = fakeHandlers({
    getStatus: async (request, context) => {
      const base = await fakeHandlers().operator.getStatus(request, context);
      return {
        node: {
          ...base.node,
          region: 'east',
          instance: 'east-1',
          links: [
            { ...base.node.links[0]!, fromRegion: 'west', toRegion: 'east', lagRecords: 321, halted: [] },
          ],
        },
      };
    },
  });
  const { address } = await startServer(t, { operator: fakes.operator });
  const [closedGrpc, closedEtcd] = [await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), 'geomesh-status-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'mesh.yaml');
  writeFileSync(
    file,
    [
      'mesh: orders',
      `etcd: { endpoints: ['http://127.0.0.1:${closedEtcd}'] }`,
      'regions:',
      `  east: { kafka: { brokers: ['127.0.0.1:9092'] }, node: { grpc: '${address}' } }`,
      `  west: { kafka: { brokers: ['127.0.0.1:9093'] }, node: { grpc: '127.0.0.1:${closedGrpc}' } }`,
      'links:',
      '  - between: [east, west]',
      "    topics: { include: ['.*'] }",
      '',
    ].join('\n'),
  );
  return file;
}

describe('geomesh status (in-process, fake node)', () => {
  it('shows the answering node, the unreachable one and etcd unreachable, and exits 1', async (t) => {
    const file = await fixture(t);
    const r = await run(['status', '--topology', file, '--timeout-ms', '2000']);
    assert.equal(r.code, EXIT_CODES.failure, r.stderr);
    assert.match(r.stdout, /1 of 2 region nodes answered; etcd: unreachable/);
    assert.match(
      r.stdout,
      /\neast\s+\?\s+running\s+east-1\s+\?\s+0\.1\.0/,
      'region state unknown (?) without etcd',
    );
    assert.match(r.stdout, /\nwest\s+\?\s+UNREACHABLE\s/);
    // The fake node reports one source partition nobody reads: the link is incomplete and names it.
    // The node reports the link streaming, 0.25 WAN bytes per written byte: through GetStatus to the table.
    assert.match(
      r.stdout,
      /\nwest → east\s+running \(stream\)\s+incomplete\s+321\s+1235\/s\s+0\.250\s+0\s+1\n/,
    );
    assert.match(r.stdout, /read by nobody\):\n {2}west → east orders\/5: unassigned since /);
    assert.match(r.stdout, /\neast → west\s+-\s+unknown\s/);
    assert.match(r.stdout, /not answering:\n {2}west \(127\.0\.0\.1:\d+\): .*UNAVAILABLE/);

    const json = await run(['status', '--topology', file, '--json']);
    assert.equal(json.code, EXIT_CODES.failure);
    const status = JSON.parse(json.stdout) as MeshStatus;
    assert.equal(status.isComplete, false);
    assert.deepEqual(
      status.regions.map((x) => [x.region, x.isReachable, x.node?.instance ?? null]),
      [
        ['east', true, 'east-1'],
        ['west', false, null],
      ],
    );
    assert.equal(status.etcd.isReachable, false);
    const toEast = status.links.find((l) => l.toRegion === 'east');
    assert.equal(toEast?.lagRecords, 321);
    assert.deepEqual(
      [toEast?.path, toEast?.pathSwitches, toEast?.wanBytesPerWrittenByte],
      ['stream', 3, 0.25],
    );
  });

  it('refuses bad options with exit 64 and a missing file with 66', async (t) => {
    const file = await fixture(t);
    const interval = await run(['status', '--topology', file, '--watch', '--interval-ms', 'soon']);
    assert.equal(interval.code, EXIT_CODES.usage);
    assert.match(interval.stderr, /--interval-ms must be a positive integer, not "soon"/);
    const tls = await run(['status', '--topology', file, '--tls-ca', 'ca.pem']);
    assert.equal(tls.code, EXIT_CODES.usage);
    assert.match(tls.stderr, /go together/);
    assert.equal(
      (await run(['status', '--topology', join(tmpdir(), 'no-such-mesh.yaml')])).code,
      EXIT_CODES.noInput,
    );
    assert.match(
      (await run(['status', '--help'])).stdout,
      /Exit codes: 0 every region's node answered, 1 some did not/,
    );
  });
});
