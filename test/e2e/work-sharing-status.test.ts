/**
 * Work sharing in the mesh status, end to end: region west runs two `geomesh node` instances sharing the 12
 * partitions of its topic (`node.workSharing`), east runs one node, on real Kafka clusters and a real etcd.
 * `geomesh status` shows each west instance with the partitions it owns (6 and 6, every partition exactly
 * once; --json lists them), each instance's `/status.json` reports its own share, a node's `/mesh.json` and
 * status page show every instance; an instance killed with kill -9 shows as unreachable (the region still
 * answers), and the survivor reports all 12 once it has taken them over.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createKafkaClient } from '../../node/kafka/index.ts';
import { silentLogger } from '../../node/log/index.ts';
import { countPartitions, type MeshStatus, type NodeStatus } from '../../node/status/index.ts';
import { TestEnvironment, freePort } from '../harness/index.ts';
import { runGeomeshNode, runGeomeshToEnd, waitNodeReady } from '../support/cli-process.ts';
import { pollUntil } from '../support/polling.ts';

const MESH = 'sharing-status';
const KEY = randomBytes(32).toString('hex');
const TOPIC = 'orders';
const PARTITIONS = 12;

interface Process {
  child: ChildProcess;
  grpc: number;
  http: number;
}

describe('work sharing in geomesh status, /status.json, /mesh.json and the status page', () => {
  let env: TestEnvironment;
  let dir: string;
  let file: string;
  const nodes = new Map<string, Process>();

  async function start(
    name: string,
    region: string,
    ports?: { grpc: number; http: number },
  ): Promise<Process> {
    const grpc = ports?.grpc ?? (await freePort());
    const http = ports?.http ?? (await freePort());
    const child = runGeomeshNode({ file, region, grpc, http }, { GEOMESH_PROVENANCE_KEY: KEY });
    child.stderr!.on('data', (c: Buffer) => process.stderr.write(`[${name}] ${c.toString()}`));
    const node = { child, grpc, http };
    nodes.set(name, node);
    await waitNodeReady(http, name);
    return node;
  }

  const getJson = async <T>(name: string, path: string): Promise<T> =>
    (await (await fetch(`http://127.0.0.1:${nodes.get(name)!.http}${path}`)).json()) as T;

  const status = (...extra: string[]) =>
    runGeomeshToEnd(['status', '--topology', file, ...extra], { GEOMESH_PROVENANCE_KEY: KEY });

  async function statusJson(): Promise<{ code: number | null; mesh: MeshStatus }> {
    const r = await status('--json');
    assert.equal(r.stderr, '');
    return { code: r.code, mesh: JSON.parse(r.stdout) as MeshStatus };
  }

  /** Partitions owned per west instance that answered, in instance order. */
  const ownedCounts = (mesh: MeshStatus): number[] =>
    (mesh.regions.find((r) => r.region === 'west')?.shares ?? []).map((s) =>
      s.workSharing ? countPartitions(s.workSharing.owned) : -1,
    );

  before(async () => {
    env = await TestEnvironment.start({ kafka: ['east', 'west'], etcd: true });
    dir = mkdtempSync(join(tmpdir(), 'geomesh-sharing-status-'));
    const kafka = createKafkaClient({
      brokers: env.cluster('east').bootstrapServers,
      clientId: 't-east',
      logger: silentLogger(),
    });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] });
    await admin.disconnect();
    const ports = { east: await freePort(), eastHttp: await freePort(), w1: await freePort() };
    file = join(dir, 'mesh.yaml');
    writeFileSync(
      file,
      [
        `mesh: ${MESH}`,
        `etcd: { endpoints: ['${env.etcd!.endpoints[0]}'] }`,
        "provenance: { key: '${GEOMESH_PROVENANCE_KEY}' }",
        'regions:',
        `  east: { kafka: { brokers: ['${env.cluster('east').bootstrapServers[0]}'] }, node: { grpc: '127.0.0.1:${ports.east}' } }`,
        '  west:',
        `    kafka: { brokers: ['${env.cluster('west').bootstrapServers[0]}'] }`,
        `    node: { grpc: '127.0.0.1:${ports.w1}', workSharing: { leaseTtlMs: 4000 } }`,
        'links:',
        `  - { from: east, to: west, topics: { include: [${TOPIC}] } }`,
        '',
      ].join('\n'),
    );
    await start('east', 'east', { grpc: ports.east, http: ports.eastHttp });
    // w1 listens where the topology says west's node is; w2 is found through etcd only.
    await start('w1', 'west', { grpc: ports.w1, http: await freePort() });
    await start('w2', 'west');
  });

  after(async () => {
    for (const { child } of nodes.values()) child.kill('SIGKILL');
    await env?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('geomesh status --json: every west instance with its share, 6 and 6, each partition once', async () => {
    const { code, mesh } = await pollUntil(
      statusJson,
      (s) => ownedCounts(s.mesh).join('/') === '6/6',
      60_000,
    );
    assert.equal(code, 0);
    assert.deepEqual(ownedCounts(mesh), [6, 6]);
    assert.equal(mesh.regions.find((r) => r.region === 'east')?.shares, null, 'east does not share work');
    const shares = mesh.regions.find((r) => r.region === 'west')!.shares!;
    const w1 = await getJson<NodeStatus>('w1', '/status.json');
    const w2 = await getJson<NodeStatus>('w2', '/status.json');
    assert.deepEqual(
      shares.map((s) => [s.instance, s.grpcAddress, s.isReachable]),
      [
        [w1.instance, `127.0.0.1:${nodes.get('w1')!.grpc}`, true],
        [w2.instance, `127.0.0.1:${nodes.get('w2')!.grpc}`, true],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    const all = shares.flatMap((s) =>
      s.workSharing!.owned.flatMap((t) => t.partitions.map((p) => `${t.topic}/${p}`)),
    );
    assert.equal(new Set(all).size, PARTITIONS, 'no partition owned twice');
    assert.deepEqual([...all].sort(), Array.from({ length: PARTITIONS }, (_, p) => `${TOPIC}/${p}`).sort());
    for (const s of shares) {
      assert.equal(s.workSharing!.state, 'running');
      assert.equal(s.workSharing!.leaseTtlMs, 4_000);
      assert.equal(s.workSharing!.isLeaseValid, true);
      assert.deepEqual(s.workSharing!.workers, [w1.instance, w2.instance].sort());
    }

    const table = await status();
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /\nREGION\s+INSTANCE\s+WORK SHARING\s+LEASE\s+OWNED\n/);
    for (const id of [w1.instance, w2.instance]) {
      assert.match(table.stdout, new RegExp(`\\nwest\\s+${id}\\s+running\\s+valid\\s+6 partitions\\n`));
    }
  });

  it("each instance's /status.json carries its own share; /mesh.json and the page show them all", async () => {
    const w2 = await getJson<NodeStatus>('w2', '/status.json');
    assert.equal(w2.region, 'west');
    assert.equal(countPartitions(w2.workSharing!.owned), 6);
    const east = await getJson<NodeStatus>('east', '/status.json');
    assert.equal(east.workSharing, null);

    // east's view asks west at its address (w1) and w2 through etcd.
    const fromEast = await getJson<MeshStatus>('east', '/mesh.json');
    assert.deepEqual(ownedCounts(fromEast), [6, 6]);
    // w2's view: itself locally, w1 over gRPC.
    const fromW2 = await getJson<MeshStatus>('w2', '/mesh.json');
    assert.deepEqual(ownedCounts(fromW2), [6, 6]);

    const html = await (await fetch(`http://127.0.0.1:${nodes.get('east')!.http}/status`)).text();
    assert.match(html, /<h2 id="shares-title" hidden>Work sharing: partitions per instance<\/h2>/);
    assert.match(html, /function shareRows\(m\)/);
  });

  it('an instance killed with kill -9 shows as unreachable; the survivor then reports all 12', async () => {
    const w1 = await getJson<NodeStatus>('w1', '/status.json');
    const w2 = await getJson<NodeStatus>('w2', '/status.json');
    const w2node = nodes.get('w2')!;
    const exited = new Promise((resolve) => w2node.child.once('exit', resolve));
    w2node.child.kill('SIGKILL');
    await exited;
    nodes.delete('w2');

    const table = await status();
    assert.equal(table.code, 0, 'west still answers at its address');
    assert.match(table.stdout, new RegExp(`\\nwest\\s+${w2.instance}\\s+UNREACHABLE\\s+-\\s+-\\n`));
    assert.match(table.stdout, new RegExp(`\\nnot answering:\\n {2}west instance ${w2.instance} \\(`));

    // Its lease expires, the survivor takes its partitions, and its registration goes.
    const { mesh } = await pollUntil(statusJson, (s) => ownedCounts(s.mesh).join('/') === '12', 60_000);
    const shares = mesh.regions.find((r) => r.region === 'west')!.shares!;
    assert.deepEqual(
      shares.map((s) => [s.instance, s.isReachable]),
      [[w1.instance, true]],
    );
    assert.deepEqual(shares[0]!.workSharing!.workers, [w1.instance]);
  });
});
