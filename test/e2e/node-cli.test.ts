/**
 * `geomesh node` as operators run it: one process per region from a topology file. Topics are selected by the
 * link's patterns, new matching topics are picked up while running, other and internal topics are not
 * replicated, /readyz and /metrics answer, SIGTERM drains and exits 0, and bad input fails before connecting.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Kafka } from 'kafkajs';
import { createKafkaClient } from '../../node/kafka/index.ts';
import { silentLogger } from '../../node/log/index.ts';
import { TestEnvironment, freePort } from '../harness/index.ts';
import { runGeomesh, runGeomeshToEnd, waitNodeReady } from '../support/cli-process.ts';
import { auditTopic, produceNumbered } from '../support/mesh-audit.ts';
import { pollUntil } from '../support/polling.ts';

const KEY = randomBytes(32).toString('hex');
/**
 * NODE_OPTIONS that make a process emit a warning of its own every second (URL-encoded: NODE_OPTIONS splits
 * at spaces and drops quotes; unref'd: it keeps nothing alive), so one comes after the node listens for them
 * however slowly it starts.
 */
const PROBE_WARNING =
  '--import=data:text/javascript,setInterval(()=>process.emitWarning(%22a%20probe%22,%22GeomeshProbeWarning%22),1000).unref()';

/**
 * How many etcd clients have connected to the etcd at `endpoint` so far: every coordinator's start asks etcd
 * for its status once (and nothing else does), which etcd counts in its metrics. A count of TCP connections
 * would not tell: gRPC shares one connection among the clients of a process that dial the same address.
 */
async function etcdConnects(endpoint: string): Promise<number> {
  const metrics = await (await fetch(`${endpoint}/metrics`)).text();
  const started =
    /^grpc_server_started_total\{grpc_method="Status",grpc_service="etcdserverpb\.Maintenance",grpc_type="unary"\} (\d+)$/m.exec(
      metrics,
    );
  assert.ok(started, 'etcd reports the Status calls it started');
  return Number(started[1]);
}

describe('geomesh node (CLI, one process per region)', () => {
  let env: TestEnvironment;
  let dir: string;
  let file: string;
  const kafka: Record<string, Kafka> = {};
  const http: Record<string, number> = {};
  const grpc: Record<string, number> = {};
  const children = new Map<string, ChildProcess>();
  /** What east's node process, as restarted by the translate case, wrote to its log (stdout). */
  let eastLog = '';

  /** A topology of the two test regions (their clusters, this run's ports) with the given link lines. */
  function topologyYaml(mesh: string, links: string[]): string {
    const region = (r: string) =>
      `  ${r}: { kafka: { brokers: ['${env.cluster(r).bootstrapServers[0]}'] }, node: { grpc: '127.0.0.1:${grpc[r]}', http: '127.0.0.1:${http[r]}' } }`;
    return [
      `mesh: ${mesh}`,
      `etcd: { endpoints: ['${env.etcd!.endpoints[0]}'] }`,
      "provenance: { key: '${GEOMESH_PROVENANCE_KEY}' }",
      'regions:',
      region('east'),
      region('west'),
      'links:',
      ...links,
      '',
    ].join('\n');
  }

  const run = (args: string[], extraEnv: Record<string, string> = {}): ChildProcess =>
    runGeomesh(args, { GEOMESH_PROVENANCE_KEY: KEY, ...extraEnv });
  const runToEnd = (args: string[], extraEnv: Record<string, string> = {}) =>
    runGeomeshToEnd(args, { GEOMESH_PROVENANCE_KEY: KEY, ...extraEnv });
  const waitReady = (region: string) => waitNodeReady(http[region]!, `node ${region}`);

  async function createTopic(region: string, topic: string) {
    const admin = kafka[region]!.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 2 }] });
    await admin.disconnect();
  }

  before(async () => {
    env = await TestEnvironment.start({ kafka: ['east', 'west'], etcd: true });
    dir = mkdtempSync(join(tmpdir(), 'geomesh-node-cli-'));
    for (const r of ['east', 'west']) {
      kafka[r] = createKafkaClient({
        brokers: env.cluster(r).bootstrapServers,
        clientId: `t-${r}`,
        logger: silentLogger(),
      });
      http[r] = await freePort();
      grpc[r] = await freePort();
    }
    file = join(dir, 'mesh.yaml');
    writeFileSync(
      file,
      topologyYaml('cli-e2e', ['  - between: [east, west]', "    topics: { include: ['orders-.*'] }"]),
    );
  });
  after(async () => {
    for (const child of children.values()) child.kill('SIGKILL');
    await env?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses bad input before connecting: unknown region (with a hint), missing provenance key', async () => {
    // Two regions whose addresses differ but lead to the same cluster: only the node can tell, at start.
    const twice = join(dir, 'twice.yaml');
    const eastPort = env.cluster('east').bootstrapServers[0]!.split(':')[1];
    writeFileSync(
      twice,
      readFileSync(file, 'utf8').replace(env.cluster('west').bootstrapServers[0]!, `localhost:${eastPort}`),
    );
    // Three independent CLI processes, run side by side.
    const [unknown, noKey, named] = await Promise.all([
      runToEnd(['node', '--topology', file, '--region', 'wset']),
      runToEnd(['node', '--topology', file, '--region', 'west'], { GEOMESH_PROVENANCE_KEY: '' }),
      runToEnd(['node', '--topology', twice, '--region', 'west']),
    ]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /has no region "wset" \(did you mean "west"\?\)/);
    assert.equal(noKey.code, 2);
    assert.match(noKey.stderr, /GEOMESH_PROVENANCE_KEY/);
    assert.equal(named.code, 2);
    assert.match(named.stderr, /regions (east and west|west and east) both lead to Kafka cluster/);
  });

  it('replicates topics matching the patterns both ways, picks up new ones, leaves others alone', async () => {
    await createTopic('east', 'orders-1');
    await createTopic('east', 'other');
    for (const region of ['east', 'west']) {
      const child = run(['node', '--topology', file, '--region', region]);
      child.stderr!.on('data', (c: Buffer) => process.stderr.write(`[${region}] ${c.toString()}`));
      children.set(region, child);
    }
    await Promise.all([waitReady('east'), waitReady('west')]);
    await produceNumbered(kafka['east']!, 'east', 'orders-1', 1_000, 2);
    await produceNumbered(kafka['east']!, 'east', 'other', 100, 2);
    // A topic created while the nodes run, in the other region: picked up by the next topic refresh.
    await createTopic('west', 'orders-2');
    await produceNumbered(kafka['west']!, 'west', 'orders-2', 500, 2);

    const audit = async (region: string, topic: string) =>
      auditTopic(kafka[region]!, region, topic, 'cli-e2e', Buffer.from(KEY, 'utf8'));
    const west1 = await pollUntil(
      () => audit('west', 'orders-1'),
      (a) => a.total >= 1_000,
    );
    await pollUntil(
      () => audit('east', 'orders-2'),
      (a) => a.total >= 500,
    );
    assert.equal(west1.total, 1_000);
    assert.equal(west1.duplicates, 0);
    assert.equal(west1.misattributed, 0, 'replicas carry valid origin headers (key from the environment)');
    const east2Full = await audit('east', 'orders-2');
    assert.equal(east2Full.total, 500, 'a topic created while running was picked up');
    assert.equal((await audit('east', 'orders-1')).total, 1_000, 'nothing looped back');

    const admin = kafka['west']!.admin();
    await admin.connect();
    const topics = await admin.listTopics();
    await admin.disconnect();
    assert.ok(!topics.includes('other'), 'a topic outside the patterns is not replicated');
    // West's own origin index is its only internal topic: none of east's was copied.
    assert.deepEqual(
      topics.filter((t) => t.startsWith('geomesh.')),
      ['geomesh.cli-e2e.index'],
      'no internal topic of the source was copied',
    );

    // A partition added to the source topic while running: the target grows too and the new partition flows.
    const admin2 = kafka['east']!.admin();
    await admin2.connect();
    await admin2.createPartitions({ topicPartitions: [{ topic: 'orders-1', count: 3 }] });
    await admin2.disconnect();
    const producer = kafka['east']!.producer();
    await producer.connect();
    await producer.send({
      topic: 'orders-1',
      messages: Array.from({ length: 50 }, (_, i) => ({ partition: 2, value: `east:${1_000 + i}` })),
    });
    await producer.disconnect();
    // The target's new partition may have no leader yet at the first reads: pollUntil retries those.
    const grown = await pollUntil(
      () => audit('west', 'orders-1'),
      (a) => a.total >= 1_050,
      60_000,
    );
    assert.equal(grown.total, 1_050, 'records of the new partition reached west');
    assert.equal(grown.duplicates, 0);

    const metrics = await (await fetch(`http://127.0.0.1:${http['west']}/metrics`)).text();
    assert.match(metrics, /geomesh_replicated_records_total\{from="east",to="west",topic="orders-1"\} 1050/);
    // West's heartbeats reach east's node over the peer channel.
    assert.match(metrics, /geomesh_peer_up\{peer="east"\} 1/);
    assert.match(metrics, /geomesh_peer_round_trip_seconds\{peer="east"\} \d/);
  });

  it('geomesh translate over gRPC: exact answer, clear errors, unchanged after kill -9 of a node, from a checkpoint when the source node is down', async () => {
    // The group consumed a prefix of orders-1 in east (orders-1 flows east → west only: exact offsets).
    const committed = [500, 200, 10];
    const admin = kafka['east']!.admin();
    await admin.connect();
    await admin.setOffsets({
      groupId: 'app-billing',
      topic: 'orders-1',
      partitions: committed.map((offset, partition) => ({ partition, offset: String(offset) })),
    });
    await admin.disconnect();
    const committedAt = Date.now();
    const translate = (group: string, from = 'east', to = 'west', json = true) =>
      runToEnd([
        'translate',
        '--topology',
        file,
        '--group',
        group,
        '--from',
        from,
        '--to',
        to,
        ...(json ? ['--json'] : []),
      ]);
    // Four independent CLI processes, run side by side.
    const [live, table, unknownGroup, unknownRegion] = await Promise.all([
      translate('app-billing'),
      translate('app-billing', 'east', 'west', false),
      translate('no-such-group'),
      translate('app-billing', 'east', 'mars'),
    ]);
    assert.equal(live.code, 0, live.stderr);
    const answer = JSON.parse(live.stdout) as {
      source: string;
      partitions: {
        topic: string;
        partition: number;
        sourceOffset: number;
        targetOffset: number;
        alreadySeen: number;
      }[];
    };
    assert.equal(answer.source, 'live');
    assert.deepEqual(
      answer.partitions.map((p) => [p.topic, p.partition, p.sourceOffset, p.targetOffset, p.alreadySeen]),
      committed.map((o, p) => ['orders-1', p, o, o, 0]),
    );
    assert.match(table.stdout, /PARTITION\s+OFFSET IN east\s+OFFSET IN west/);
    assert.match(table.stdout, /orders-1\/0\s+500\s+500/);

    assert.equal(unknownGroup.code, 4);
    assert.match(unknownGroup.stderr, /group no-such-group has no committed offsets in east/);
    assert.equal(unknownRegion.code, 4);
    assert.match(unknownRegion.stderr, /unknown region "mars"/);

    // kill -9 of west's node, restart: the index is reloaded and rebuilt from the tail, same answer.
    const west = children.get('west')!;
    const killed = new Promise((resolve) => west.once('exit', resolve));
    west.kill('SIGKILL');
    await killed;
    const restarted = run(['node', '--topology', file, '--region', 'west']);
    restarted.stderr!.on('data', (c: Buffer) => process.stderr.write(`[west] ${c.toString()}`));
    children.set('west', restarted);
    await waitReady('west');
    const again = await translate('app-billing');
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(
      (JSON.parse(again.stdout) as typeof answer).partitions.map((p) => [p.targetOffset, p.alreadySeen]),
      answer.partitions.map((p) => [p.targetOffset, p.alreadySeen]),
    );

    // East's node checkpoints its groups every 5 s and pushes them to west: with east's node stopped, west
    // answers from the checkpoint.
    // West restarted: wait until it holds a checkpoint of east taken after the commit (east pushes every 5 s).
    await pollUntil(
      async () => {
        const text = await (await fetch(`http://127.0.0.1:${http['west']}/metrics`)).text();
        const age = /geomesh_checkpoint_age_seconds\{region="east"\} ([\d.e+-]+)/.exec(text)?.[1];
        return age === undefined ? Infinity : Number(age);
      },
      (ageSeconds) => Date.now() - ageSeconds * 1000 > committedAt + 500,
      60_000,
    );
    const east = children.get('east')!;
    const eastExited = new Promise((resolve) => east.once('exit', resolve));
    east.kill('SIGKILL');
    await eastExited;
    children.delete('east');
    const fromCheckpoint = await translate('app-billing');
    assert.equal(fromCheckpoint.code, 0, fromCheckpoint.stderr);
    const cp = JSON.parse(fromCheckpoint.stdout) as typeof answer & { frontierTimeMs: number };
    assert.equal(cp.source, 'checkpoint');
    assert.ok(cp.frontierTimeMs >= committedAt);
    assert.deepEqual(
      cp.partitions.map((p) => p.targetOffset),
      committed,
    );
    // Bring east back for the drain test.
    // This process also raises a warning of its own every second (as a listener leak would): see the next case.
    const eastAgain = run(['node', '--topology', file, '--region', 'east'], { NODE_OPTIONS: PROBE_WARNING });
    eastAgain.stderr!.on('data', (c: Buffer) => process.stderr.write(`[east] ${c.toString()}`));
    eastAgain.stdout!.on('data', (c: Buffer) => (eastLog += c.toString()));
    children.set('east', eastAgain);
    await waitReady('east');
  });

  it("a process warning goes to the node's log with the stack that raised it", async () => {
    const probeLine = () => eastLog.split('\n').find((l) => l.includes('GeomeshProbeWarning'));
    for (let i = 0; i < 60 && !probeLine(); i++) await new Promise((resolve) => setTimeout(resolve, 500));
    const line = probeLine();
    assert.ok(line, `east's log names the warning:\n${eastLog.slice(-2_000)}`);
    const entry = JSON.parse(line) as { level: number; msg: string; err?: { stack?: string } };
    assert.equal(entry.msg, 'process warning: GeomeshProbeWarning: a probe');
    assert.match(entry.err?.stack ?? '', /GeomeshProbeWarning: a probe\n\s+at /);
  });

  it('SIGTERM drains and exits 0', async () => {
    for (const [region, child] of children) {
      assert.equal(child.exitCode, null, `node ${region} is still running before SIGTERM`);
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      assert.equal(await exited, 0, `node ${region} exit code`);
      children.delete(region);
    }
  });

  it('--topology-from etcd: runs etcd’s version and follows a new one without restarting the process', async () => {
    const topologyFor = (topics: string) =>
      topologyYaml('cli-etcd', ['  - from: east', '    to: west', `    topics: { include: [${topics}] }`]);
    const v1 = join(dir, 'v1.yaml');
    const v2 = join(dir, 'v2.yaml');
    writeFileSync(v1, topologyFor("'audit-.*'"));
    writeFileSync(v2, topologyFor("'audit-.*', 'billing-.*'"));
    assert.equal((await runToEnd(['topology', 'apply', v1])).code, 0);
    await createTopic('east', 'audit-1');
    await createTopic('east', 'billing-1');
    const connects = await etcdConnects(env.etcd!.endpoints[0]!);
    const child = run(['node', '--topology', v1, '--region', 'west', '--topology-from', 'etcd']);
    child.stderr!.on('data', (c: Buffer) => process.stderr.write(`[west] ${c.toString()}`));
    children.set('west', child);
    await waitReady('west');
    const registered = () =>
      pollUntil(
        async () => {
          const res = await fetch(`http://127.0.0.1:${http['west']}/status.json`).catch(() => undefined);
          return res?.ok ? ((await res.json()) as { registration: string }).registration : undefined;
        },
        (state) => state === 'registered',
      );
    // The topology watch, the registration and the peer directory share the process's one etcd session.
    await registered();
    const started = await etcdConnects(env.etcd!.endpoints[0]!);
    assert.equal(started - connects, 1, 'the node connected to etcd once');
    await produceNumbered(kafka['east']!, 'east', 'audit-1', 200, 2);
    await produceNumbered(kafka['east']!, 'east', 'billing-1', 300, 2);
    const audit = (topic: string) =>
      auditTopic(kafka['west']!, 'west', topic, 'cli-etcd', Buffer.from(KEY, 'utf8')).catch(() => ({
        total: 0,
        duplicates: 0,
      }));
    const waitTotal = (topic: string, want: number) =>
      pollUntil(
        () => audit(topic),
        (a) => a.total >= want,
      );
    assert.equal((await waitTotal('audit-1', 200)).total, 200, 'version 1 runs');
    assert.equal((await audit('billing-1')).total, 0, 'billing-* is not in version 1');

    assert.equal((await runToEnd(['topology', 'apply', v2])).code, 0);
    const billing = await waitTotal('billing-1', 300);
    assert.equal(billing.total, 300, 'version 2 was picked up by the running node');
    assert.equal(billing.duplicates, 0);
    assert.equal((await audit('audit-1')).total, 200, 'restarting the links duplicated nothing');
    assert.equal(child.exitCode, null, 'the same process kept running');
    await registered();
    assert.equal(
      (await etcdConnects(env.etcd!.endpoints[0]!)) - started,
      1,
      'only `topology apply` connected: the reload kept the node’s etcd session (same etcd section)',
    );

    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    children.delete('west');
  });
});
