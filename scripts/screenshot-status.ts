/**
 * Takes docs/status-page.png: the status page of a running mesh, in headless Chromium. Run by hand
 * (`npm run docs:screenshot`), not part of the test suite; needs Chromium (`apt-get install -y chromium`).
 *
 *  1. starts three single-broker Kafka clusters and an etcd (local processes, loopback ports);
 *  2. writes a backlog of 40,000 orders in us-east, then starts one `geomesh node` process per region, a full
 *     mesh, with the us-east → ap-south link limited to 200 records/s (and a 64 KiB in-flight window) so it
 *     lags behind; ap-south runs two instances that share its partitions (`node.workSharing`);
 *  3. writes a steady trickle of orders in every region;
 *  4. waits until eu-west's mesh view has every region, every instance (ap-south's two with their shares)
 *     and a rate on the links;
 *  5. runs `chromium --headless --screenshot=docs/status-page.png --window-size=1400,760` on eu-west's /status
 *     (with a virtual time budget so the page's own fetches finish), then stops everything and cleans up.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { createKafkaClient } from '../node/kafka/index.ts';
import { silentLogger } from '../node/log/index.ts';
import type { MeshStatus } from '../node/status/index.ts';
import { PROJECT_ROOT, TestEnvironment, freePort } from '../test/harness/index.ts';
import { waitNodeReady } from '../test/support/cli-process.ts';
import { produceNumbered } from '../test/support/mesh-audit.ts';

const REGIONS = ['ap-south', 'eu-west', 'us-east'] as const;
const PAGE_REGION = 'eu-west';
/** The region that runs two instances sharing its partitions. */
const SHARED_REGION = 'ap-south';
const TOPIC = 'orders';
const KEY = randomBytes(32).toString('hex');
const BIN = join(PROJECT_ROOT, 'node', 'cli', 'bin.mjs');
const OUT = join(PROJECT_ROOT, 'docs', 'status-page.png');
const CHROMIUM = process.env['CHROMIUM'] ?? 'chromium';

const say = (line: string): void => console.log(line);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

if (spawnSync(CHROMIUM, ['--version'], { encoding: 'utf8' }).status !== 0) {
  console.error(
    `${CHROMIUM} not found: install it (apt-get install -y chromium) or set CHROMIUM to its path`,
  );
  process.exit(1);
}

const env = await TestEnvironment.start({ kafka: [...REGIONS], etcd: true });
const dir = mkdtempSync(join(tmpdir(), 'geomesh-screenshot-'));
const nodes = new Map<string, ChildProcess>();
const stopTraffic = new AbortController();
let traffic: Promise<void> = Promise.resolve();
try {
  say(`servers ready in ${(env.startMs / 1000).toFixed(1)} s`);
  const kafka: Record<string, Kafka> = {};
  const http: Record<string, number> = {};
  const yamlRegions: string[] = [];
  for (const r of REGIONS) {
    const c = env.cluster(r);
    kafka[r] = createKafkaClient({
      brokers: c.bootstrapServers,
      clientId: `shot-${r}`,
      logger: silentLogger(),
    });
    http[r] = await freePort();
    const sharing = r === SHARED_REGION ? ', workSharing: true' : '';
    yamlRegions.push(
      `  ${r}: { kafka: { brokers: ['${c.bootstrapServers[0]}'] }, node: { grpc: '127.0.0.1:${await freePort()}', http: '127.0.0.1:${http[r]}'${sharing} } }`,
    );
    const admin = kafka[r].admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: TOPIC, numPartitions: 3 }] });
    await admin.disconnect();
  }
  const file = join(dir, 'mesh.yaml');
  const link = (from: string, to: string, options = '') => [
    `  - from: ${from}`,
    `    to: ${to}`,
    "    topics: { include: ['orders.*'] }",
    ...(options ? [`    options: ${options}`] : []),
  ];
  writeFileSync(
    file,
    [
      'mesh: orders',
      `etcd: { endpoints: ['${env.etcd!.endpoints[0]}'] }`,
      "provenance: { key: '${GEOMESH_PROVENANCE_KEY}' }",
      'regions:',
      ...yamlRegions,
      'links:',
      ...REGIONS.flatMap((from) =>
        REGIONS.filter((to) => to !== from).flatMap((to) =>
          // A small in-flight window too: lag counts what the link has not fetched yet.
          link(
            from,
            to,
            from === 'us-east' && to === 'ap-south'
              ? '{ maxRecordsPerSecond: 200, maxInflightBytes: 65536, maxBatchBytes: 16384 }'
              : '',
          ),
        ),
      ),
      '',
    ].join('\n'),
  );
  const next: Record<string, number> = Object.fromEntries(REGIONS.map((r) => [r, 0]));
  const write = async (region: string, count: number) => {
    await produceNumbered(kafka[region]!, region, TOPIC, count, 3, next[region]);
    next[region] = (next[region] ?? 0) + count;
  };
  // A backlog the rate-limited link works through while the picture is taken.
  await write('us-east', 40_000);
  const childEnv = { ...process.env, GEOMESH_PROVENANCE_KEY: KEY, GEOMESH_LOG_LEVEL: 'warn' };
  const startNode = (name: string, region: string, extra: string[] = []) =>
    nodes.set(
      name,
      spawn(process.execPath, [BIN, 'node', '--topology', file, '--region', region, ...extra], {
        env: childEnv,
        stdio: ['ignore', 'ignore', 'inherit'],
      }),
    );
  for (const r of REGIONS) startNode(r, r);
  const second = `${SHARED_REGION}#2`;
  http[second] = await freePort();
  startNode(second, SHARED_REGION, [
    '--grpc',
    `127.0.0.1:${await freePort()}`,
    '--http',
    `127.0.0.1:${http[second]}`,
  ]);
  await Promise.all([...nodes.keys()].map((name) => waitNodeReady(http[name]!, `node ${name}`)));
  say(
    `four \`geomesh node\` processes ready (two for ${SHARED_REGION}); writing a trickle of orders in every region`,
  );

  traffic = (async () => {
    while (!stopTraffic.signal.aborted) {
      await Promise.all(REGIONS.map((r) => write(r, 40)));
      await sleep(250);
    }
  })();

  let view: MeshStatus | undefined;
  const deadline = Date.now() + 120_000;
  for (;;) {
    view = (await (await fetch(`http://127.0.0.1:${http[PAGE_REGION]}/mesh.json`)).json()) as MeshStatus;
    const shares = view.regions.find((r) => r.region === SHARED_REGION)?.shares ?? [];
    const isSettled =
      view.isComplete &&
      view.etcd.instances === nodes.size &&
      shares.filter((s) => s.workSharing?.isLeaseValid && s.workSharing.owned.length > 0).length === 2 &&
      view.links.filter((l) => (l.recordsPerSecond ?? 0) > 0).length === view.links.length;
    if (isSettled || Date.now() > deadline) break;
    await sleep(1_000);
  }
  say(
    `mesh view: ${view.regions.filter((r) => r.isReachable).length} regions answering, ${view.etcd.instances} instances; ` +
      view.links
        .map((l) => `${l.fromRegion}→${l.toRegion} lag ${l.lagRecords} ${l.recordsPerSecond?.toFixed(0)}/s`)
        .join(', '),
  );

  const url = `http://127.0.0.1:${http[PAGE_REGION]}/status`;
  const shot = spawnSync(
    CHROMIUM,
    [
      '--headless',
      // Running as root (containers, CI) needs it; the page is our own, from loopback.
      '--no-sandbox',
      '--disable-gpu',
      '--hide-scrollbars',
      `--screenshot=${OUT}`,
      '--window-size=1400,760',
      '--virtual-time-budget=5000',
      url,
    ],
    { encoding: 'utf8', timeout: 120_000 },
  );
  if (shot.status !== 0) throw new Error(`chromium failed (${shot.status ?? shot.signal}):\n${shot.stderr}`);
  say(`wrote ${OUT} (${statSync(OUT).size} bytes) from ${url}`);
} finally {
  stopTraffic.abort();
  await traffic.catch(() => undefined);
  for (const child of nodes.values()) child.kill('SIGTERM');
  await Promise.all(
    [...nodes.values()].filter((c) => c.exitCode === null).map((c) => new Promise((r) => c.once('exit', r))),
  );
  await env.stop();
  rmSync(dir, { recursive: true, force: true });
}
