/**
 * Failover at estate scale: how long `geomesh failover --from east --to west` (every group, no --group) takes
 * for N consumer groups of a topic of 12 partitions, on two single-broker Kafka clusters, etcd and two
 * `geomesh node` processes over mutual TLS (as an operator runs them):
 *
 *   live        east's node and Kafka up: frontiers read from east, groups committed in west;
 *   checkpoint  east's Kafka stopped, its node up (and waiting on it): frontiers from the checkpoints east
 *               pushed to west;
 *   down        east's node killed too (kill -9), as when the whole region is lost: from the checkpoints.
 *
 * Each case runs with the node's default parallelism and with `--parallel 1` (one group at a time), in the
 * order default, 1, 1, default (ABBA), and every run commits. Times are the CLI's (`summary.seconds`: from
 * the call to the answer) and the whole command's (process start to exit). Printed, never asserted.
 *
 *   npm run bench:failover [-- --groups 100] [-- --parallels default,1,1,default] [-- --json]
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { commitGroupOffsets, createKafkaClient } from '../node/kafka/index.ts';
import { silentLogger } from '../node/log/index.ts';
import { TestEnvironment, freePort } from '../test/harness/index.ts';
import { runGeomesh, runGeomeshToEnd, waitNodeReady } from '../test/support/cli-process.ts';
import { produceNumbered } from '../test/support/mesh-audit.ts';
import { TestPki } from '../test/support/test-pki.ts';
import { parseScriptArgs } from './script-args.ts';

const PARTITIONS = 12;
const { values } = parseScriptArgs('bench:failover', {
  options: {
    groups: { type: 'string', default: '100' },
    parallels: { type: 'string', default: 'default,1,1,default' },
    json: { type: 'boolean', default: false },
  },
});
const groupCount = Number(values.groups);
if (!Number.isSafeInteger(groupCount) || groupCount < 1) {
  console.error(
    `bench:failover: --groups ${values.groups}: give a whole number of 1 or more (e.g. --groups 100)`,
  );
  process.exit(2);
}
const ENV = { GEOMESH_PROVENANCE_KEY: randomBytes(32).toString('hex') };
const REGIONS = ['east', 'west'];

const env = await TestEnvironment.start({ kafka: REGIONS, etcd: true, kafkaJit: 'full' });
const pki = new TestPki();
const children: ReturnType<typeof runGeomesh>[] = [];
try {
  const ca = pki.ca('mesh-ca');
  const operator = pki.issue('mesh-ca', 'operator', 'client');
  const lines = [
    'mesh: bench-failover',
    `etcd: { endpoints: ['${env.etcd!.endpoints[0]}'] }`,
    "provenance: { key: '${GEOMESH_PROVENANCE_KEY}' }",
    'regions:',
  ];
  const http: Record<string, number> = {};
  for (const r of REGIONS) {
    http[r] = await freePort();
    const cert = pki.issue('mesh-ca', `node-${r}`, 'node');
    lines.push(
      `  ${r}:`,
      `    kafka: { brokers: ['${env.cluster(r).bootstrapServers[0]}'] }`,
      `    node: { grpc: '127.0.0.1:${await freePort()}', http: '127.0.0.1:${http[r]}', ` +
        `tls: { ca: '${ca}', cert: '${cert.cert}', key: '${cert.key}' }, operators: { clients: ['CN=operator'] } }`,
    );
  }
  lines.push('links:', '  - between: [east, west]', "    topics: { include: ['orders'] }", '');
  const file = join(pki.dir, 'mesh.yaml');
  writeFileSync(file, lines.join('\n'));
  const east = createKafkaClient({
    brokers: env.cluster('east').bootstrapServers,
    clientId: 'bench',
    logger: silentLogger(),
  });
  const admin = east.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic: 'orders', numPartitions: PARTITIONS }],
  });
  await admin.disconnect();
  for (const r of REGIONS) children.push(runGeomesh(['node', '--topology', file, '--region', r], ENV));
  for (const r of REGIONS) await waitNodeReady(http[r]!, `node ${r}`);
  await produceNumbered(east, 'east', 'orders', 100 * PARTITIONS, PARTITIONS);
  for (let g = 0; g < groupCount; g++) {
    await commitGroupOffsets(
      east,
      `estate-${String(g).padStart(3, '0')}`,
      Array.from({ length: PARTITIONS }, (_, p) => ({
        topic: 'orders',
        partition: p,
        offset: (g + p) % 100,
      })),
    );
  }
  // Replication of the records, and a checkpoint round (every 5 s) after the last commit.
  await sleep(12_000);
  const tls = ['--tls-ca', ca, '--tls-cert', operator.cert, '--tls-key', operator.key];
  const results: {
    case: string;
    parallel: string;
    groups: number;
    committed: number;
    callS: number;
    commandS: number;
  }[] = [];
  const failover = async (name: string, parallel: string[]) => {
    const startedAt = performance.now();
    const out = await runGeomeshToEnd(
      [
        'failover',
        '--topology',
        file,
        '--from',
        'east',
        '--to',
        'west',
        '--json',
        '--timeout-ms',
        '600000',
        ...tls,
        ...parallel,
      ],
      ENV,
    );
    const commandS = (performance.now() - startedAt) / 1000;
    if (out.code !== 0) throw new Error(`failover exited ${out.code}: ${out.stderr.slice(-2_000)}`);
    const { summary } = JSON.parse(out.stdout) as {
      summary: { groups: number; committed: number; live: number; checkpoint: number; seconds: number };
    };
    const row = {
      case: name,
      parallel: parallel[1] ?? 'default',
      groups: summary.groups,
      committed: summary.committed,
      callS: summary.seconds,
      commandS: Math.round(commandS * 100) / 100,
    };
    results.push(row);
    if (!values.json)
      console.error(JSON.stringify({ ...row, live: summary.live, checkpoint: summary.checkpoint }));
  };
  for (const name of ['live', 'checkpoint', 'down']) {
    if (name === 'checkpoint') await env.cluster('east').stop();
    if (name === 'down') children[0]!.kill('SIGKILL');
    for (const p of values.parallels.split(','))
      await failover(name, p === 'default' ? [] : ['--parallel', p]);
  }
  if (values.json) console.log(JSON.stringify(results, null, 2));
  else {
    console.log(`failover of ${groupCount} groups × ${PARTITIONS} partitions (seconds)`);
    console.log('case        parallel  groups  committed  call s  command s');
    for (const r of results)
      console.log(
        `${r.case.padEnd(12)}${r.parallel.padEnd(10)}${String(r.groups).padEnd(8)}${String(r.committed).padEnd(11)}` +
          `${r.callS.toFixed(2).padEnd(8)}${r.commandS.toFixed(2)}`,
      );
  }
} finally {
  for (const child of children) child.kill('SIGKILL');
  await env.stop();
  pki.remove();
}
