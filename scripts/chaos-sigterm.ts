/**
 * SIGTERM under load, many times: a region `west` shared by three `geomesh node` instances (work sharing,
 * lease TTL 4 s) copies one topic of 12 partitions from `east`, with writers in east all along. Each round
 * sends SIGTERM to one instance (round-robin), times its exit, and starts a replacement, which must take its
 * share before the next round. At the end every record of east is in west exactly once.
 *
 *   npm run chaos:sigterm [-- --runs 50] [-- --stop-deadline 25000] [-- --json] [-- --workers 2]
 *
 * With `--workers N` (N > 1) west runs one `geomesh node --workers N` at a time instead (its data path on N
 * worker threads, a single instance): each round sends it SIGTERM and starts the
 * next one once it has exited.
 *
 * A round fails when the process does not exit within its stop deadline plus 5 s (then it is killed), when
 * it exits with a code other than 0, or when its log says it passed the deadline. Rounds whose node reported
 * handles still open 2 s after its stop (and then exited on its own) are counted apart. The exit code is 0
 * only when every round passed and the audit found no loss and no duplicate.
 * Real servers (Kafka via Maven, etcd via apt-get) on loopback; every process is stopped at the end.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseScriptArgs } from './script-args.ts';
import { createKafkaClient } from '../node/kafka/index.ts';
import { silentLogger } from '../node/log/index.ts';
import { TestEnvironment, freePort } from '../test/harness/index.ts';
import { collectLines, runGeomesh, waitNodeReady } from '../test/support/cli-process.ts';
import { auditTopic, produceNumbered } from '../test/support/mesh-audit.ts';
import { metricSum, waitFor } from '../test/support/polling.ts';

const { values } = parseScriptArgs('chaos:sigterm', {
  options: {
    runs: { type: 'string', default: '50' },
    'stop-deadline': { type: 'string', default: '25000' },
    json: { type: 'boolean', default: false },
    workers: { type: 'string', default: '1' },
  },
  usage: 'npm run chaos:sigterm [-- --runs N] [-- --stop-deadline MS] [-- --json] [-- --workers N]',
});
const RUNS = Number(values.runs);
const WORKERS = Number(values.workers);
if (!Number.isInteger(WORKERS) || WORKERS < 1) {
  console.error(`--workers must be a whole number of threads ≥ 1, got "${values.workers}"`);
  process.exit(64);
}
const STOP_DEADLINE_MS = Number(values['stop-deadline']);
if (!Number.isInteger(RUNS) || RUNS < 1 || !Number.isInteger(STOP_DEADLINE_MS) || STOP_DEADLINE_MS < 1_000) {
  console.error('--runs must be a positive whole number, --stop-deadline a whole number of ms ≥ 1000');
  process.exit(64);
}
const MESH = 'sigterm';
const KEY = randomBytes(32).toString('hex');
const TOPIC = 'orders';
const PARTITIONS = 12;

interface Instance {
  name: string;
  child: ChildProcess;
  http: number;
  log: string[];
}

interface Round {
  run: number;
  instance: string;
  owned: number;
  exitMs: number;
  code: number | null;
  signal: string | null;
  problem: string | undefined;
  /** The node reported handles open after its stop (and exited on its own 2 s later). */
  leaked: boolean;
}

const env = await TestEnvironment.start({ kafka: ['east', 'west'], etcd: true });
const dir = mkdtempSync(join(tmpdir(), 'geomesh-sigterm-'));
const instances = new Map<string, Instance>();
const kafka = Object.fromEntries(
  ['east', 'west'].map((r) => [
    r,
    createKafkaClient({
      brokers: env.cluster(r).bootstrapServers,
      clientId: `chaos-${r}`,
      logger: silentLogger(),
    }),
  ]),
);
let isWriting = true;
let written = 0;
let writer: Promise<void> | undefined;
const rounds: Round[] = [];
let exitCode: number;

async function startInstance(name: string, file: string): Promise<Instance> {
  const http = await freePort();
  const grpc = await freePort();
  const child = runGeomesh(
    [
      'node',
      '--topology',
      file,
      '--region',
      'west',
      '--grpc',
      `127.0.0.1:${grpc}`,
      '--http',
      `127.0.0.1:${http}`,
      '--stop-deadline',
      String(STOP_DEADLINE_MS),
      '--workers',
      String(WORKERS),
    ],
    { GEOMESH_PROVENANCE_KEY: KEY, GEOMESH_LOG_LEVEL: 'info' },
  );
  const instance: Instance = { name, child, http, log: [] };
  collectLines(child, instance.log);
  instances.set(name, instance);
  await waitNodeReady(http, `instance ${name}`);
  return instance;
}

async function owned(instance: Instance): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${instance.http}/metrics`)).text();
  return metricSum(text, 'geomesh_partitions_owned');
}

try {
  const admin = kafka['east']!.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] });
  await admin.disconnect();
  const file = join(dir, 'mesh.yaml');
  writeFileSync(
    file,
    [
      `mesh: ${MESH}`,
      `etcd: { endpoints: ['${env.etcd!.endpoints[0]}'] }`,
      "provenance: { key: '${GEOMESH_PROVENANCE_KEY}' }",
      'regions:',
      `  east: { kafka: { brokers: ['${env.cluster('east').bootstrapServers[0]}'] }, node: { grpc: '127.0.0.1:${await freePort()}' } }`,
      `  west: { kafka: { brokers: ['${env.cluster('west').bootstrapServers[0]}'] }${WORKERS > 1 ? '' : ', node: { workSharing: { leaseTtlMs: 4000 } }'} }`,
      'links:',
      '  - { from: east, to: west, topics: { include: [orders] } }',
      '',
    ].join('\n'),
  );
  writer = (async () => {
    while (isWriting) {
      await produceNumbered(kafka['east']!, 'east', TOPIC, 200, PARTITIONS, written);
      written += 200;
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  let serial = 0;
  const names: string[] = [];
  // With worker threads, one instance at a time (no work sharing): its replacement starts once it has exited.
  const sharing = WORKERS === 1;
  for (let i = 0; i < (sharing ? 3 : 1); i++) names.push((await startInstance(`w${++serial}`, file)).name);
  for (let run = 1; run <= RUNS; run++) {
    // Every instance holds a share (and so has something to hand over) before the signal.
    await waitFor(
      async () =>
        !sharing || (await Promise.all(names.map((n) => owned(instances.get(n)!)))).every((o) => o > 0),
      {
        timeoutMs: 60_000,
        intervalMs: 200,
        what: `${names.join(', ')} each owning partitions`,
      },
    );
    const leaving = instances.get(names[(run - 1) % names.length]!)!;
    const ownedBefore = sharing ? await owned(leaving) : 0;
    const exited = new Promise<[number | null, string | null]>((resolve) =>
      leaving.child.once('exit', (code, signal) => resolve([code, signal])),
    );
    const signalledAt = Date.now();
    leaving.child.kill('SIGTERM');
    const bound = STOP_DEADLINE_MS + 5_000;
    const outcome = await Promise.race([
      exited,
      new Promise<undefined>((r) => setTimeout(() => r(undefined), bound)),
    ]);
    let problem: string | undefined;
    let leaked = false;
    let code: number | null = null;
    let signal: string | null = null;
    if (!outcome) {
      problem = `did not exit within ${bound} ms; killed`;
      leaving.child.kill('SIGKILL');
      [code, signal] = await exited;
    } else {
      [code, signal] = outcome;
      const text = leaving.log.join('\n');
      if (code !== 0) problem = `exit code ${code} (signal ${signal})`;
      else if (text.includes('did not stop within')) problem = 'stop passed its deadline';
      leaked = text.includes('handles still keep the process alive');
    }
    const round: Round = {
      run,
      instance: leaving.name,
      owned: ownedBefore,
      exitMs: Date.now() - signalledAt,
      code,
      signal,
      problem,
      leaked,
    };
    rounds.push(round);
    console.log(
      `run ${run}/${RUNS}: ${leaving.name} (owned ${ownedBefore}) exited after ${round.exitMs} ms, code ${code}` +
        (leaked ? ' (after its open-handles report)' : '') +
        (problem ? ` — PROBLEM: ${problem}` : ''),
    );
    if (problem || leaked) {
      const path = join(tmpdir(), `geomesh-sigterm-run${run}-${leaving.name}.log`);
      writeFileSync(path, leaving.log.join('\n'));
      console.log(`  its log: ${path}`);
    }
    instances.delete(leaving.name);
    const replacement = await startInstance(`w${++serial}`, file);
    names[names.indexOf(leaving.name)] = replacement.name;
  }
  isWriting = false;
  await writer;
  await waitFor(
    async () => (await auditTopic(kafka['west']!, 'west', TOPIC, MESH, Buffer.from(KEY))).total >= written,
    {
      timeoutMs: 120_000,
      intervalMs: 1_000,
      what: `all ${written} records in west`,
    },
  );
  const audit = await auditTopic(kafka['west']!, 'west', TOPIC, MESH, Buffer.from(KEY));
  const exits = rounds.map((r) => r.exitMs).sort((a, b) => a - b);
  const failed = rounds.filter((r) => r.problem);
  const summary = {
    runs: RUNS,
    stopDeadlineMs: STOP_DEADLINE_MS,
    failed: failed.length,
    openHandleReports: rounds.filter((r) => r.leaked).length,
    exitMs: { min: exits[0], median: exits[Math.floor(exits.length / 2)], max: exits[exits.length - 1] },
    records: written,
    inWest: audit.total,
    duplicates: audit.duplicates,
  };
  console.log(values.json ? JSON.stringify({ summary, rounds }) : summary);
  exitCode = failed.length === 0 && audit.duplicates === 0 && audit.total >= written ? 0 : 1;
} finally {
  isWriting = false;
  await writer?.catch(() => undefined);
  for (const i of instances.values()) i.child.kill('SIGKILL');
  await env.stop();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(exitCode);
