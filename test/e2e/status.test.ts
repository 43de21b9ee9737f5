/**
 * Mesh status end to end: two regions as `geomesh node` processes on real Kafka and a real etcd. Each node
 * registers its instance in etcd and answers GetStatus; `geomesh status --json` shows both regions, their
 * instances from etcd and the links with their lag; the status page is HTML with the mesh as SVG; a node killed
 * with kill -9 shows as unreachable (exit 1) and its registration goes when its lease expires; SIGTERM
 * deregisters; and a node whose etcd is unreachable replicates all the same, retrying its registration.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Kafka } from 'kafkajs';
import { createKafkaClient } from '../../node/kafka/index.ts';
import { silentLogger } from '../../node/log/index.ts';
import type { MeshStatus, NodeStatus } from '../../node/status/index.ts';
import { TestEnvironment, freePort } from '../harness/index.ts';
import { runGeomesh, runGeomeshToEnd, waitNodeReady } from '../support/cli-process.ts';
import { auditTopic, produceNumbered } from '../support/mesh-audit.ts';
import { pollUntil } from '../support/polling.ts';

const KEY = randomBytes(32).toString('hex');
const REGIONS = ['east', 'west'] as const;

describe('mesh status (geomesh status, GetStatus, /status, registration in etcd)', () => {
  let env: TestEnvironment;
  let dir: string;
  let file: string;
  const kafka: Record<string, Kafka> = {};
  const http: Record<string, number> = {};
  const grpc: Record<string, number> = {};
  const children = new Map<string, ChildProcess>();

  function topologyYaml(mesh: string, etcdEndpoint: string): string {
    const region = (r: string) =>
      `  ${r}: { kafka: { brokers: ['${env.cluster(r).bootstrapServers[0]}'] }, node: { grpc: '127.0.0.1:${grpc[r]}', http: '127.0.0.1:${http[r]}' } }`;
    return [
      `mesh: ${mesh}`,
      `etcd: { endpoints: ['${etcdEndpoint}'] }`,
      "provenance: { key: '${GEOMESH_PROVENANCE_KEY}' }",
      'regions:',
      ...REGIONS.map(region),
      'links:',
      '  - between: [east, west]',
      "    topics: { include: ['orders-.*'] }",
      '',
    ].join('\n');
  }

  const run = (args: string[]): ChildProcess => runGeomesh(args, { GEOMESH_PROVENANCE_KEY: KEY });

  function startNode(region: string, topology = file): ChildProcess {
    const child = run(['node', '--topology', topology, '--region', region]);
    child.stderr!.on('data', (c: Buffer) => process.stderr.write(`[${region}] ${c.toString()}`));
    children.set(region, child);
    return child;
  }

  async function stopNode(region: string, signal: NodeJS.Signals): Promise<number | null> {
    const child = children.get(region)!;
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill(signal);
    const code = await exited;
    children.delete(region);
    return code;
  }

  /** `geomesh status` as an operator runs it: exit code, stdout, stderr. */
  const status = (...extra: string[]) =>
    runGeomeshToEnd(['status', '--topology', file, ...extra], { GEOMESH_PROVENANCE_KEY: KEY });

  async function statusJson(): Promise<{ code: number | null; status: MeshStatus }> {
    const r = await status('--json');
    assert.equal(r.stderr, '');
    return { code: r.code, status: JSON.parse(r.stdout) as MeshStatus };
  }

  const waitReady = (region: string) => waitNodeReady(http[region]!, `node ${region}`);

  const getJson = async <T>(region: string, path: string): Promise<T> =>
    (await (await fetch(`http://127.0.0.1:${http[region]}${path}`)).json()) as T;

  before(async () => {
    env = await TestEnvironment.start({ kafka: [...REGIONS], etcd: true });
    dir = mkdtempSync(join(tmpdir(), 'geomesh-status-e2e-'));
    for (const r of REGIONS) {
      kafka[r] = createKafkaClient({
        brokers: env.cluster(r).bootstrapServers,
        clientId: `t-${r}`,
        logger: silentLogger(),
      });
      http[r] = await freePort();
      grpc[r] = await freePort();
    }
    file = join(dir, 'mesh.yaml');
    writeFileSync(file, topologyYaml('status-e2e', env.etcd!.endpoints[0]!));
    const admin = kafka['east']!.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: 'orders-1', numPartitions: 2 }] });
    await admin.disconnect();
  });
  after(async () => {
    for (const child of children.values()) child.kill('SIGKILL');
    await env?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('geomesh status --json: both regions, their instances from etcd, links with lag and rate; exit 0', async () => {
    for (const r of REGIONS) startNode(r);
    await Promise.all(REGIONS.map(waitReady));
    await produceNumbered(kafka['east']!, 'east', 'orders-1', 600, 2);
    const replicated = await pollUntil(
      () => auditTopic(kafka['west']!, 'west', 'orders-1', 'status-e2e', Buffer.from(KEY, 'utf8')),
      (a) => a.total >= 600,
    );
    assert.equal(replicated.total, 600);

    // Registration runs in the background: wait until both instances are in etcd.
    const { code, status: mesh } = await pollUntil(statusJson, (s) => s.status.etcd.instances === 2, 30_000);
    assert.equal(code, 0);
    assert.equal(mesh.mesh, 'status-e2e');
    assert.equal(mesh.isComplete, true);
    assert.deepEqual(mesh.etcd, { isReachable: true, instances: 2, error: null, regionStatesError: null });
    assert.deepEqual(
      mesh.regions.map((r) => r.region),
      ['east', 'west'],
    );
    for (const region of mesh.regions) {
      assert.equal(region.isReachable, true, region.region);
      const node = region.node!;
      assert.equal(node.region, region.region);
      assert.equal(node.state, 'running');
      assert.equal(node.registration, 'registered');
      assert.deepEqual(
        region.instances?.map((i) => [i.id, i.grpcAddress, i.httpAddress]),
        [[node.instance, `127.0.0.1:${grpc[region.region]}`, `127.0.0.1:${http[region.region]}`]],
        'the instance in etcd is the node that answered',
      );
      assert.equal(node.links.length, 1);
      assert.equal(typeof node.indexRuns, 'number');
    }
    assert.deepEqual(
      mesh.links.map((l) => [
        l.fromRegion,
        l.toRegion,
        l.state,
        typeof l.lagRecords,
        typeof l.recordsPerSecond,
      ]),
      [
        ['east', 'west', 'running', 'number', 'number'],
        ['west', 'east', 'running', 'number', 'number'],
      ],
    );
    const west = mesh.regions.find((r) => r.region === 'west')!.node!;
    assert.ok(west.links[0]!.recordsWritten >= 600, 'east → west wrote the records');

    const table = await status();
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /2 of 2 region nodes answered; etcd: 2 instances registered/);
    // LAG, RATE, WAN/WRITTEN (a ratio, or - before anything was written), HALTED, UNREAD.
    assert.match(
      table.stdout,
      /\neast → west\s+running\s+(ok|lagging)\s+\d+\s+[\d.]+\/s\s+(-|\d+\.\d{3})\s+0\s+0\n/,
    );
  });

  it('serves /status (HTML with the mesh as SVG), /status.json and /mesh.json', async () => {
    const page = await fetch(`http://127.0.0.1:${http['west']}/status`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    const html = await page.text();
    assert.match(html, /<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(
      html,
      /data-from="east" data-to="west"><line class="arrow"[^>]*\/><text class="arrow-label"[^>]*>lag \d+ · /,
    );
    assert.match(html, /data-from="west" data-to="east"><line class="arrow"/);

    const self = await getJson<NodeStatus>('west', '/status.json');
    assert.equal(self.region, 'west');
    assert.equal(self.links[0]?.fromRegion, 'east');
    const meshView = await getJson<MeshStatus & { graph: { arrows: unknown[] } }>('west', '/mesh.json');
    assert.deepEqual(
      meshView.regions.map((r) => [r.region, r.isReachable]),
      [
        ['east', true],
        ['west', true],
      ],
    );
    assert.equal(meshView.graph.arrows.length, 2);
  });

  it('a node killed with kill -9 shows as unreachable (exit 1); its registration goes with its lease', async () => {
    const eastInstance = (await getJson<NodeStatus>('east', '/status.json')).instance;
    await stopNode('east', 'SIGKILL');
    const r = await status('--json');
    assert.equal(r.code, 1, 'not every region answered');
    const mesh = JSON.parse(r.stdout) as MeshStatus;
    assert.equal(mesh.isComplete, false);
    const east = mesh.regions.find((x) => x.region === 'east')!;
    assert.equal(east.isReachable, false);
    assert.equal(east.node, null);
    assert.match(east.error ?? '', /UNAVAILABLE/);
    assert.equal(mesh.links.find((l) => l.toRegion === 'east')?.health, 'unknown');
    assert.equal(
      mesh.links.find((l) => l.toRegion === 'west')?.state,
      'running',
      'west still reports its link',
    );
    const table = await status();
    assert.equal(table.code, 1);
    assert.match(table.stdout, /\neast\s+active\s+UNREACHABLE\s/);

    // The killed instance stays registered until its lease (10 s) expires, then it is gone.
    const gone = await pollUntil(
      statusJson,
      (s) => s.status.regions.find((x) => x.region === 'east')?.instances?.length === 0,
      40_000,
    );
    assert.deepEqual(
      gone.status.regions.find((x) => x.region === 'east')?.instances,
      [],
      `${eastInstance} expired`,
    );
    const fromWest = await pollUntil(
      () => getJson<MeshStatus>('west', '/mesh.json'),
      (m) => m.regions.find((x) => x.region === 'east')?.isReachable === false,
      30_000,
    );
    assert.equal(
      fromWest.regions.find((x) => x.region === 'east')?.isReachable,
      false,
      'the page sees it too',
    );
  });

  it('SIGTERM deregisters at once', async () => {
    assert.equal(await stopNode('west', 'SIGTERM'), 0);
    const { code, status: mesh } = await statusJson();
    assert.equal(code, 1);
    assert.equal(mesh.etcd.isReachable, true);
    assert.equal(mesh.etcd.instances, 0, 'no lease left to expire: the instance was deregistered');
  });

  it('with etcd unreachable the node replicates all the same and keeps retrying its registration', async () => {
    const noEtcd = join(dir, 'no-etcd.yaml');
    writeFileSync(noEtcd, topologyYaml('status-e2e', `http://127.0.0.1:${await freePort()}`));
    startNode('west', noEtcd);
    await waitReady('west');
    await produceNumbered(kafka['east']!, 'east', 'orders-1', 100, 2, 600);
    const replicated = await pollUntil(
      () => auditTopic(kafka['west']!, 'west', 'orders-1', 'status-e2e', Buffer.from(KEY, 'utf8')),
      (a) => a.total >= 700,
    );
    assert.equal(replicated.total, 700);
    assert.equal(replicated.duplicates, 0);
    const self = await pollUntil(
      () => getJson<NodeStatus>('west', '/status.json'),
      (s) => s.registration === 'retrying',
      30_000,
    );
    assert.equal(self.registration, 'retrying');
    assert.equal(self.state, 'running');
    assert.equal(await stopNode('west', 'SIGTERM'), 0, 'stops cleanly while retrying');
  });
});
