/**
 * The geomesh demo: three regions in a full mesh, active-active, on real Kafka clusters.
 *
 *  1. starts three single-broker Kafka clusters and an etcd (local processes, loopback ports);
 *  2. writes a topology file and starts one `geomesh node` process per region — two for ap-south, which shares
 *     its partitions between its instances (work sharing through etcd, with fencing);
 *  3. writes 1,000 orders in every region at once and shows each region converge to all 3,000, exactly once;
 *  4. kills one node with kill -9 while orders keep coming, restarts it, and shows nothing lost or duplicated;
 *  5. kills one of ap-south's two instances with kill -9 while orders keep coming: the other takes its
 *     partitions once its lease expires, and nothing is lost or duplicated;
 *  6. prints a few of the nodes' metrics;
 *  7. a consumer group has read part of the orders in us-east; us-east's node goes down; `geomesh translate`
 *     answers from its last checkpoint where the group resumes in eu-west, and a consumer reading eu-west
 *     from there (skipping what the frontier says it saw) misses nothing and sees nothing twice.
 * Then it stops everything and cleans up.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { commitGroupOffsets, createKafkaClient, readPartitionRanges } from '../node/kafka/index.ts';
import { decodeOriginHeaders, provenanceKeyObject, type SourceRecord } from '../node/replication/index.ts';
import { FrontierFilter } from '../node/translation/index.ts';
import { silentLogger } from '../node/log/index.ts';
import { PROJECT_ROOT, TestEnvironment, freePort } from '../test/harness/index.ts';
import { waitNodeReady } from '../test/support/cli-process.ts';
import { auditTopic, produceNumbered, type RegionAudit } from '../test/support/mesh-audit.ts';

const REGIONS = ['ap-south', 'eu-west', 'us-east'] as const;
const TOPIC = 'orders';
const PER_REGION = 1_000;
/** TTL of the lease fencing an ap-south instance's partitions (short, for the demo). */
const LEASE_TTL_MS = 4_000;
const KEY = randomBytes(32).toString('hex');
const BIN = join(PROJECT_ROOT, 'node', 'cli', 'bin.mjs');

const say = (line = ''): void => console.log(line);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const began = Date.now();
say('geomesh demo — three regions, full mesh, active-active, real Kafka\n');
const env = await TestEnvironment.start({ kafka: [...REGIONS], etcd: true });
const dir = mkdtempSync(join(tmpdir(), 'geomesh-demo-'));
const nodes = new Map<string, ChildProcess>();
try {
  say(`1. servers ready in ${(env.startMs / 1000).toFixed(1)} s`);
  const kafka: Record<string, Kafka> = {};
  const http: Record<string, number> = {};
  const yamlRegions: string[] = [];
  for (const r of REGIONS) {
    const c = env.cluster(r);
    say(`   ${r.padEnd(9)} Kafka ${c.version} at ${c.bootstrapServers[0]} (cluster ${c.clusterId})`);
    kafka[r] = createKafkaClient({
      brokers: c.bootstrapServers,
      clientId: `demo-${r}`,
      logger: silentLogger(),
    });
    http[r] = await freePort();
    const grpc = await freePort();
    const sharing = r === 'ap-south' ? `, workSharing: { leaseTtlMs: ${LEASE_TTL_MS} }` : '';
    yamlRegions.push(
      `  ${r}: { kafka: { brokers: ['${c.bootstrapServers[0]}'] }, node: { grpc: '127.0.0.1:${grpc}', http: '127.0.0.1:${http[r]}'${sharing} } }`,
    );
    const admin = kafka[r].admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: TOPIC, numPartitions: 3 }] });
    await admin.disconnect();
  }
  say(`   etcd at ${env.etcd!.endpoints[0]}`);

  const file = join(dir, 'mesh.yaml');
  writeFileSync(
    file,
    [
      'mesh: demo',
      `etcd: { endpoints: ['${env.etcd!.endpoints[0]}'] }`,
      "provenance: { key: '${GEOMESH_PROVENANCE_KEY}' }",
      'regions:',
      ...yamlRegions,
      'links:',
      `  - between: [${REGIONS.join(', ')}]`,
      "    topics: { include: ['orders.*'] }",
      '',
    ].join('\n'),
  );
  const childEnv = { ...process.env, GEOMESH_PROVENANCE_KEY: KEY, GEOMESH_LOG_LEVEL: 'warn' };
  const show = spawn(process.execPath, [BIN, 'topology', 'show', file], {
    env: childEnv,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let shown = '';
  show.stdout.on('data', (c: Buffer) => (shown += c.toString()));
  await new Promise((r) => show.once('exit', r));
  say(`\n2. topology (geomesh topology show):\n${shown.replace(/^/gm, '   ')}`);

  /** Starts a node of `region`; `name` tells a second instance apart (it gets listen addresses of its own). */
  const startNode = (region: string, name = region, extra: string[] = []): ChildProcess => {
    const child = spawn(process.execPath, [BIN, 'node', '--topology', file, '--region', region, ...extra], {
      env: childEnv,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    nodes.set(name, child);
    return child;
  };
  const waitReady = (name: string): Promise<void> => waitNodeReady(http[name]!, `node ${name}`);
  /** Target partitions an instance owns now (work sharing), from its /metrics. */
  const owned = async (name: string): Promise<number> => {
    const text = await (await fetch(`http://127.0.0.1:${http[name]}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('geomesh_partitions_owned '));
    return Number(line?.split(' ')[1] ?? 0);
  };
  for (const r of REGIONS) startNode(r);
  http['ap-south#2'] = await freePort();
  startNode('ap-south', 'ap-south#2', [
    '--grpc',
    `127.0.0.1:${await freePort()}`,
    '--http',
    `127.0.0.1:${http['ap-south#2']}`,
  ]);
  await Promise.all([...nodes.keys()].map(waitReady));
  for (let i = 0; i < 40 && (await owned('ap-south')) + (await owned('ap-south#2')) < 3; i++)
    await sleep(250);
  say(
    `   one \`geomesh node\` process per region, two for ap-south (pids ${[...nodes.values()].map((c) => c.pid).join(', ')});\n` +
      `   ap-south's instances share its 3 partitions: ${await owned('ap-south')} and ${await owned('ap-south#2')}\n`,
  );

  const audits = async () => {
    const out = new Map<string, RegionAudit>();
    for (const r of REGIONS)
      out.set(r, await auditTopic(kafka[r]!, r, TOPIC, 'demo', Buffer.from(KEY, 'utf8')));
    return out;
  };
  const table = (a: Map<string, RegionAudit>, expected: Record<string, number>): void => {
    say(
      `   ${'region'.padEnd(10)} ${REGIONS.map((o) => `from ${o}`.padStart(15)).join('')} ${'total'.padStart(7)} ${'dups'.padStart(5)} ${'loops'.padStart(6)}`,
    );
    for (const [r, x] of a) {
      const cells = REGIONS.map((o) =>
        `${new Set(x.byOrigin.get(o) ?? []).size}/${expected[o]}`.padStart(15),
      ).join('');
      say(
        `   ${r.padEnd(10)} ${cells} ${String(x.total).padStart(7)} ${String(x.duplicates).padStart(5)} ${String(x.loops).padStart(6)}`,
      );
    }
  };
  const converge = async (expected: Record<string, number>): Promise<Map<string, RegionAudit>> => {
    const want = Object.values(expected).reduce((a, b) => a + b, 0);
    const t0 = Date.now();
    let a = await audits();
    while ([...a.values()].some((x) => x.total < want) && Date.now() - t0 < 120_000) {
      await sleep(500);
      a = await audits();
    }
    say(`   converged in ${((Date.now() - t0) / 1000).toFixed(1)} s:`);
    return a;
  };

  say(`3. writing ${PER_REGION} orders in every region at once…`);
  await Promise.all(REGIONS.map((r) => produceNumbered(kafka[r]!, r, TOPIC, PER_REGION, 3)));
  const expected1 = Object.fromEntries(REGIONS.map((r) => [r, PER_REGION]));
  table(await converge(expected1), expected1);

  say(`\n4. kill -9 the eu-west node while us-east writes 5,000 more orders, then restart it…`);
  const writing = produceNumbered(kafka['us-east']!, 'us-east', TOPIC, 5_000, 3, PER_REGION);
  await sleep(300);
  nodes.get('eu-west')!.kill('SIGKILL');
  await writing;
  say('   eu-west node killed; restarting it');
  startNode('eu-west');
  await waitReady('eu-west');
  const expected2 = { ...expected1, 'us-east': PER_REGION + 5_000 };
  const after = await converge(expected2);
  const lost = [...after.values()].map(
    (x) =>
      3 * PER_REGION + 5_000 - new Set([...x.byOrigin].flatMap(([o, s]) => s.map((n) => `${o}:${n}`))).size,
  );
  table(after, expected2);
  say(
    `   every region holds ${3 * PER_REGION + 5_000} orders: lost ${Math.max(...lost)}, duplicates ${Math.max(...[...after.values()].map((x) => x.duplicates))}`,
  );

  say(`\n5. kill -9 one of ap-south's two instances while eu-west writes 3,000 more orders…`);
  const moreWriting = produceNumbered(kafka['eu-west']!, 'eu-west', TOPIC, 3_000, 3, PER_REGION);
  await sleep(300);
  const victimOwned = await owned('ap-south#2');
  nodes.get('ap-south#2')!.kill('SIGKILL');
  nodes.delete('ap-south#2');
  const killedAt = Date.now();
  while ((await owned('ap-south')) < 3 && Date.now() - killedAt < 60_000) await sleep(100);
  say(
    `   the killed instance owned ${victimOwned} partition(s); the other owns all 3 after ${((Date.now() - killedAt) / 1000).toFixed(1)} s ` +
      `(lease TTL ${LEASE_TTL_MS / 1000} s)`,
  );
  await moreWriting;
  const expected3 = { ...expected2, 'eu-west': PER_REGION + 3_000 };
  const afterShare = await converge(expected3);
  table(afterShare, expected3);
  const total3 = Object.values(expected3).reduce((a, b) => a + b, 0);
  const lost3 = [...afterShare.values()].map(
    (x) => total3 - new Set([...x.byOrigin].flatMap(([o, seqs]) => seqs.map((n) => `${o}:${n}`))).size,
  );
  say(
    `   every region holds ${total3} orders: lost ${Math.max(...lost3)}, duplicates ${Math.max(...[...afterShare.values()].map((x) => x.duplicates))}`,
  );

  const metrics = await (await fetch(`http://127.0.0.1:${http['eu-west']}/metrics`)).text();
  say('\n6. a few metrics of the eu-west node since its restart (http://…/metrics):');
  for (const line of metrics.split('\n')) {
    if (
      /^geomesh_(replicated_records_total|dropped_records_total|end_to_end_latency_seconds_count|link_up)/.test(
        line,
      )
    )
      say(`   ${line}`);
  }

  say('\n7. consumer failover: group "billing" has read part of the orders in us-east…');
  const readAll = async (region: string) => {
    const records: SourceRecord[] = [];
    await readPartitionRanges(
      kafka[region]!,
      TOPIC,
      new Map([
        [0, 0],
        [1, 0],
        [2, 0],
      ]),
      (r) => records.push(r),
    );
    return records;
  };
  const usEast = await readAll('us-east');
  const committed = [0, 1, 2].map((p) => Math.floor(usEast.filter((r) => r.partition === p).length * 0.6));
  await commitGroupOffsets(
    kafka['us-east']!,
    'billing',
    committed.map((offset, partition) => ({ topic: TOPIC, partition, offset })),
  );
  const consumed = new Set(
    usEast.filter((r) => r.offset < committed[r.partition]!).map((r) => r.value?.toString() ?? ''),
  );
  say(`   billing committed offsets ${committed.join(', ')} in us-east (${consumed.size} orders consumed)`);
  await sleep(6_000); // a checkpoint round of us-east's node reaches its peers (every 5 s)
  nodes.get('us-east')!.kill('SIGKILL');
  say('   us-east node killed (kill -9); asking eu-west where billing resumes:');
  const translate = (json: boolean) =>
    new Promise<string>((resolve) => {
      const child = spawn(
        process.execPath,
        [
          BIN,
          'translate',
          '--topology',
          file,
          '--group',
          'billing',
          '--from',
          'us-east',
          '--to',
          'eu-west',
          ...(json ? ['--json'] : []),
        ],
        { env: childEnv, stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.once('exit', () => resolve(out));
    });
  say((await translate(false)).replace(/^/gm, '   '));
  const answer = JSON.parse(await translate(true)) as {
    partitions: { partition: number; targetOffset: number; frontier: { region: string; offset: number }[] }[];
  };
  const filter = new FrontierFilter({
    mesh: 'demo',
    region: 'eu-west',
    provenanceKey: KEY,
    frontiers: new Map(
      answer.partitions.map((p) => [
        `${TOPIC}/${p.partition}`,
        new Map(p.frontier.map((f) => [f.region, f.offset])),
      ]),
    ),
  });
  const start = new Map(answer.partitions.map((p) => [p.partition, p.targetOffset]));
  const euWest = await readAll('eu-west');
  let delivered = 0;
  let skipped = 0;
  let twice = 0;
  const seen = new Set<string>();
  for (const r of euWest) {
    if (r.offset < start.get(r.partition)!) continue;
    if (filter.isAlreadySeen(TOPIC, r.partition, r)) {
      skipped++;
      continue;
    }
    delivered++;
    const id = r.value?.toString() ?? '';
    if (consumed.has(id)) twice++;
    seen.add(id);
  }
  const all = new Set(usEast.map((r) => r.value?.toString() ?? ''));
  const missed = [...all].filter((id) => !consumed.has(id) && !seen.has(id)).length;
  const key = provenanceKeyObject(Buffer.from(KEY));
  const replicas = euWest.filter(
    (r) => decodeOriginHeaders(r.headers, key, 'demo', r).kind === 'replicated',
  ).length;
  say(
    `   a consumer in eu-west from those offsets: ${delivered} orders delivered, ${skipped} skipped as already seen ` +
      `(frontier), missed ${missed}, seen twice ${twice} (eu-west holds ${euWest.length}, ${replicas} of them replicas)`,
  );
} finally {
  for (const child of nodes.values()) child.kill('SIGTERM');
  await Promise.all(
    [...nodes.values()]
      .filter((c) => c.exitCode === null && c.signalCode === null)
      .map((c) => new Promise((r) => c.once('exit', r))),
  );
  await env.stop();
  rmSync(dir, { recursive: true, force: true });
  say(
    `\ndone in ${((Date.now() - began) / 1000).toFixed(0)} s; every process stopped and every folder removed.`,
  );
}
