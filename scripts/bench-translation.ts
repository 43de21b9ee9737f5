/**
 * Offset translation benchmark: the figures of issue "Exact offset translation". Printed, never asserted.
 *
 *   npm run bench:translation [-- --json] [-- --only memory|rpc] [-- --seed 1]
 *     [-- --index-records 1000000,10000000] [-- --worst-records 1000000] [-- --index-partitions 12]
 *     [-- --max-batch 500] [-- --partitions 100] [-- --records-per-partition 200] [-- --calls 200]
 *     [-- --warmup 10] [-- --no-checkpoint]
 *
 * With `--json` the figures go to stdout as one JSON object and progress goes to stderr.
 *
 * 1. Origin index memory (pure, in this process; needs `--expose-gc`, the script re-runs itself with it when
 *    missing). An `OriginIndex` is fed through `noteWritten` — as a node's links feed it — with the writes
 *    into `--index-partitions` target partitions of region a of a 3-region full mesh (a, b, c); its dirty
 *    records are taken every 200 writes, as the index flush does. heapUsed is read after two full GCs before
 *    the index exists and again after it is fed (while it is alive): the difference is the index, with
 *    every array's growth slack and the fixed cost of each partition. "records" counts replicated records
 *    only (what the index is fed); runs, bytes a run and a record follow, next to BYTES_PER_RUN × runs.
 *    - active-active: in each target partition, each step is a batch of b's replicas, of c's replicas or of
 *      a's own records (a gap in the target offsets), each with probability 1/3, of 1..`--max-batch` records
 *      (uniform, seeded PRNG). Origin offsets are consecutive per origin and partition, so a run starts at a
 *      replica batch unless the step before was a batch of the same origin. In a real full mesh an origin's
 *      offsets also skip the replicas its own log holds, so every replica batch may start a run: "batches"
 *      is that upper bound on runs.
 *    - one-way: only b's replicas (no local records): one run per partition, however many records.
 *    - worst case (`--worst-records`): every batch one record, b and c strictly alternating, no local
 *      records: one run per record.
 * 2. TranslateOffsets latency, over real gRPC and real Kafka: two single-broker clusters a and b
 *    (test/harness), a topology `between: [a, b]` for one topic of `--partitions` partitions created in both,
 *    one RegionSupervisor per region in this process (RegionNode + gRPC server + peer clients, loopback
 *    ports). Both regions produce `--records-per-partition` records into every partition at once while the
 *    links replicate, so every log interleaves both origins. When each region holds all records and each
 *    node's index covers every replica, group `bench-xlate` commits a seeded random offset of every
 *    partition in a (commitGroupOffsets), and an Operator client calls b's node: TranslateOffsets(group,
 *    a → b) `--warmup` times unmeasured, then `--calls` times one after the other, timing each call on the
 *    client (p50/p90/p99/max). Each call reads the group's offsets in a's cluster through a's node (Peer
 *    GetFrontiers over gRPC), and b's log range and index through b's node.
 *    - from a checkpoint (skip with `--no-checkpoint`): once b received a's checkpoint of the group taken
 *      after the commit (checkpoint interval 1 s here), a's supervisor is stopped and the same calls are made
 *      to b again: b's call to a fails (connection refused), and b answers from the checkpoint.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseScriptArgs } from './script-args.ts';
import { compileTopology } from '../topology/index.ts';
import type { Kafka } from 'kafkajs';
import { commitGroupOffsets, createKafkaClient } from '../node/kafka/index.ts';
import { createLogger, type Logger } from '../node/log/index.ts';
import { createOperatorClient, type OperatorClient } from '../node/rpc/index.ts';
import { compileNodeConfig } from '../node/config/index.ts';
import { RegionSupervisor, openEtcdSession } from '../node/supervisor/index.ts';
import { BYTES_PER_RUN, OriginIndex } from '../node/translation/index.ts';
import { createTopic } from '../test/support/kafka-topics.ts';
import { seededRandom } from '../test/support/seeded-random.ts';

const { values } = parseScriptArgs('bench:translation', {
  allowNegative: true,
  options: {
    json: { type: 'boolean', default: false },
    only: { type: 'string' },
    seed: { type: 'string', default: '1' },
    'index-records': { type: 'string', default: '1000000,10000000' },
    'worst-records': { type: 'string', default: '1000000' },
    'index-partitions': { type: 'string', default: '12' },
    'max-batch': { type: 'string', default: '500' },
    partitions: { type: 'string', default: '100' },
    'records-per-partition': { type: 'string', default: '200' },
    calls: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '10' },
    checkpoint: { type: 'boolean', default: true },
  },
});

function wholeNumber(name: string, text: string, min: number): number {
  const n = Number(text.replaceAll('_', ''));
  if (!Number.isInteger(n) || n < min) {
    console.error(`--${name} must be a whole number ≥ ${min}, got "${text}"`);
    process.exit(2);
  }
  return n;
}

function wholeNumbers(name: string, text: string): number[] {
  return text
    .split(',')
    .filter((s) => s.trim() !== '')
    .map((s) => wholeNumber(name, s.trim(), 1));
}

if (values.only !== undefined && values.only !== 'memory' && values.only !== 'rpc') {
  console.error(`--only must be memory or rpc, got "${values.only}"`);
  process.exit(2);
}
const settings = {
  seed: wholeNumber('seed', values.seed, 0),
  indexRecords: wholeNumbers('index-records', values['index-records']),
  worstRecords: wholeNumbers('worst-records', values['worst-records']),
  indexPartitions: wholeNumber('index-partitions', values['index-partitions'], 1),
  maxBatch: wholeNumber('max-batch', values['max-batch'], 1),
  partitions: wholeNumber('partitions', values.partitions, 1),
  recordsPerPartition: wholeNumber('records-per-partition', values['records-per-partition'], 1),
  calls: wholeNumber('calls', values.calls, 1),
  warmup: wholeNumber('warmup', values.warmup, 0),
  rounds: wholeNumber('rounds', values.rounds, 1),
  isCheckpointMeasured: values.checkpoint,
  memory: values.only !== 'rpc',
  rpc: values.only !== 'memory',
};

const log = (line: string): void => {
  if (values.json) console.error(line);
  else console.log(line);
};

// ---------------------------------------------------------------------------------------------------------
// 1. Origin index memory
// ---------------------------------------------------------------------------------------------------------

type Pattern = 'active-active' | 'one-way' | 'worst-case';

interface MemoryFigures {
  pattern: Pattern;
  partitions: number;
  /** Replicated records fed to the index. */
  records: number;
  /** Replica batches written (an upper bound on runs when origin offsets skip between batches). */
  batches: number;
  /** Local records between the replicas (gaps in the target offsets; not in the index). */
  localRecords: number;
  runs: number;
  heapBytes: number;
  bytesPerRun: number;
  bytesPerRecord: number;
  /** (heap − the one-way index's heap) / (runs − partitions): a run without the partitions' fixed cost. */
  netBytesPerRun?: number;
  /** BYTES_PER_RUN × runs. */
  estimatedBytes: number;
  feedMs: number;
}

const TOPIC_IN_INDEX = 'orders';
/** Writes between two `takeDirty` calls (the node flushes its index every second). */
const WRITES_PER_FLUSH = 200;

function heapAfterGc(): number {
  globalThis.gc!();
  globalThis.gc!();
  return process.memoryUsage().heapUsed;
}

/** Feeds a fresh index with `records` replicated records in `pattern` and measures what it holds. */
function measureIndex(pattern: Pattern, records: number, partitions: number, seed: number): MemoryFigures {
  const random = seededRandom(seed);
  const batchSize = (): number => 1 + Math.floor(random() * settings.maxBatch);
  const before = heapAfterGc();
  const began = performance.now();
  const index = new OriginIndex();
  const targetEnd = new Array<number>(partitions).fill(0);
  // Per partition and origin: the next origin offset.
  const next = Array.from({ length: partitions }, () => ({ b: 0, c: 0 }));
  let fed = 0;
  let batches = 0;
  let localRecords = 0;
  let step = 0;
  const write = (partition: number, origin: 'b' | 'c', count: number): void => {
    const at = next[partition]!;
    const first = at[origin];
    const origins = Array.from({ length: count }, (_, i) => ({ region: origin, offset: first + i }));
    index.noteWritten(TOPIC_IN_INDEX, partition, targetEnd[partition]!, origins);
    targetEnd[partition]! += count;
    at[origin] += count;
    fed += count;
    batches++;
    if (batches % WRITES_PER_FLUSH === 0) index.takeDirty();
  };
  while (fed < records) {
    const partition = step % partitions;
    if (pattern === 'worst-case') {
      write(partition, Math.floor(step / partitions) % 2 === 0 ? 'b' : 'c', 1);
    } else if (pattern === 'one-way') {
      write(partition, 'b', Math.min(batchSize(), records - fed));
    } else {
      const pick = random();
      const size = batchSize();
      if (pick < 1 / 3) {
        targetEnd[partition]! += size;
        localRecords += size;
      } else write(partition, pick < 2 / 3 ? 'b' : 'c', Math.min(size, records - fed));
    }
    step++;
  }
  index.takeDirty();
  const feedMs = performance.now() - began;
  const after = heapAfterGc();
  // Read after the measurement, so the index is alive through it.
  const runs = index.runCount;
  const heapBytes = after - before;
  return {
    pattern,
    partitions,
    records: fed,
    batches,
    localRecords,
    runs,
    heapBytes,
    bytesPerRun: heapBytes / runs,
    bytesPerRecord: heapBytes / fed,
    estimatedBytes: BYTES_PER_RUN * runs,
    feedMs,
  };
}

function runMemoryPart(): MemoryFigures[] {
  const { indexPartitions, seed } = settings;
  // Unmeasured, so that the measured runs do not count the code the first feed compiles.
  measureIndex('active-active', 200_000, indexPartitions, seed + 1_000);
  measureIndex('worst-case', 50_000, indexPartitions, seed + 1_000);
  const figures: MemoryFigures[] = [];
  for (const records of settings.indexRecords) {
    for (const pattern of ['active-active', 'one-way'] as const) {
      log(`index memory: ${pattern}, ${records.toLocaleString('en-US')} replicated records …`);
      figures.push(measureIndex(pattern, records, indexPartitions, seed));
    }
  }
  for (const records of settings.worstRecords) {
    log(`index memory: worst case, ${records.toLocaleString('en-US')} replicated records …`);
    figures.push(measureIndex('worst-case', records, indexPartitions, seed));
  }
  // A one-way index is one run a partition: its heap is (almost only) the fixed cost of the partitions.
  const oneWay = figures.find((f) => f.pattern === 'one-way');
  if (oneWay)
    for (const f of figures)
      if (f.pattern !== 'one-way' && f.runs > f.partitions)
        f.netBytesPerRun = (f.heapBytes - oneWay.heapBytes) / (f.runs - f.partitions);
  return figures;
}

// ---------------------------------------------------------------------------------------------------------
// 2. TranslateOffsets over gRPC and Kafka
// ---------------------------------------------------------------------------------------------------------

interface LatencyFigures {
  source: string;
  calls: number;
  partitionsAnswered: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

interface RpcFigures {
  kafkaVersion: string;
  partitions: number;
  recordsPerPartitionPerRegion: number;
  /** Per region: runs in its node's origin index and replicated records they cover. */
  index: Record<string, { runs: number; replicatedRecords: number; runsPerPartition: number }>;
  live: LatencyFigures;
  checkpoint: (LatencyFigures & { checkpointAgeMs: number }) | undefined;
  setupSeconds: number;
}

const MESH = 'bench';
const TOPIC = 'bench.xlate';
const GROUP = 'bench-xlate';
const REGIONS = ['a', 'b'] as const;
const ROUND_PAUSE_MS = 300;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? NaN;
}

/** Replicated records the runs of a node's index cover, over every partition of `topic`. */
function indexedRecords(index: OriginIndex, topic: string): number {
  let n = 0;
  for (const p of index.partitions()) if (p.topic === topic) for (const run of p.runs.runs()) n += run.length;
  return n;
}

async function endOffsets(kafka: Kafka, topic: string): Promise<number[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic))
      .sort((x, y) => x.partition - y.partition)
      .map((o) => Number(o.high));
  } finally {
    await admin.disconnect();
  }
}

async function waitUntil(what: string, isDone: () => boolean | Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await isDone())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(200);
  }
}

/** Times `calls` TranslateOffsets a → b (after `warmup` unmeasured ones). */
async function timeTranslations(client: OperatorClient, expectedSource: string): Promise<LatencyFigures> {
  const call = () => client.translateOffsets({ group: GROUP, fromRegion: 'a', toRegion: 'b', topics: [] });
  for (let i = 0; i < settings.warmup; i++) await call();
  const times: number[] = [];
  let partitionsAnswered = Infinity;
  for (let i = 0; i < settings.calls; i++) {
    const began = performance.now();
    const answer = await call();
    times.push(performance.now() - began);
    if (answer.source !== expectedSource)
      throw new Error(`expected a ${expectedSource} answer, got source ${answer.source}`);
    partitionsAnswered = Math.min(partitionsAnswered, answer.partitions.length);
  }
  const sorted = [...times].sort((x, y) => x - y);
  return {
    source: expectedSource,
    calls: times.length,
    partitionsAnswered,
    p50Ms: percentile(sorted, 0.5),
    p90Ms: percentile(sorted, 0.9),
    p99Ms: percentile(sorted, 0.99),
    maxMs: sorted[sorted.length - 1] ?? NaN,
    meanMs: times.reduce((x, y) => x + y, 0) / times.length,
  };
}

async function runRpcPart(logger: Logger): Promise<RpcFigures> {
  const { partitions, recordsPerPartition } = settings;
  const began = performance.now();
  const { ensureKafkaJars, freePort, TestEnvironment } = await import('../test/harness/index.ts');
  const { produceNumbered } = await import('../test/support/mesh-audit.ts');
  await ensureKafkaJars();
  log('starting 2 Kafka clusters (a, b) …');
  const env = await TestEnvironment.start({ kafka: [...REGIONS], kafkaJit: 'full' });
  const supervisors = new Map<string, RegionSupervisor>();
  let session: ReturnType<typeof openEtcdSession> | undefined;
  let client: OperatorClient | undefined;
  try {
    const kafka: Record<string, Kafka> = {};
    const lines: string[] = [];
    for (const r of REGIONS) {
      const brokers = env.cluster(r).bootstrapServers;
      kafka[r] = createKafkaClient({ brokers, clientId: `bench-xlate-${r}`, logger });
      const grpc = await freePort();
      const http = await freePort();
      lines.push(
        `  ${r}: { kafka: { brokers: ['${brokers[0]}'] }, node: { grpc: '127.0.0.1:${grpc}', http: '127.0.0.1:${http}' } }`,
      );
      await createTopic(kafka[r], TOPIC, partitions);
    }
    const key = randomBytes(32).toString('hex');
    const config = compileTopology(
      [
        `mesh: ${MESH}`,
        // Required by the schema; no etcd runs there: registration and peer discovery keep retrying in the
        // background (peers are called at their `node.grpc`), and translation needs neither.
        "etcd: { endpoints: ['http://127.0.0.1:2379'] }",
        "provenance: { key: '${GEOMESH_PROVENANCE_KEY}' }",
        'regions:',
        ...lines,
        'links:',
        '  - between: [a, b]',
        `    topics: { include: ['${TOPIC.replaceAll('.', '\\.')}'] }`,
        '',
      ].join('\n'),
      { file: 'bench-translation.yaml', env: { GEOMESH_PROVENANCE_KEY: key } },
    );
    log(`starting the nodes of a and b (RegionSupervisor, gRPC on loopback) …`);
    // One etcd session for both nodes, as one process has.
    session = openEtcdSession(config, logger);
    session.start();
    for (const r of REGIONS) {
      const node = config.region(r).node;
      const supervisor = new RegionSupervisor({
        config,
        node: compileNodeConfig(config, r, { checkpointIntervalMs: 1_000 }),
        logger,
        http: { host: '127.0.0.1', port: Number(node.http.split(':').pop()) },
        coordination: session,
      });
      supervisors.set(r, supervisor);
      await supervisor.start();
    }
    const a = supervisors.get('a')!;
    const b = supervisors.get('b')!;

    const perRegion = partitions * recordsPerPartition;
    log(
      `producing ${recordsPerPartition} records into each of ${partitions} partitions in a and b at once, ` +
        `in ${settings.rounds} rounds …`,
    );
    // In rounds a little apart, so that replicas land between the local records of later rounds.
    for (let round = 0, produced = 0; round < settings.rounds; round++) {
      const count = Math.round((perRegion * (round + 1)) / settings.rounds) - produced;
      await Promise.all(
        REGIONS.map((r) => produceNumbered(kafka[r]!, r, TOPIC, count, partitions, produced)),
      );
      produced += count;
      await sleep(ROUND_PAUSE_MS);
    }
    for (const r of REGIONS) {
      await waitUntil(
        `region ${r} to hold all ${2 * perRegion} records`,
        async () => (await endOffsets(kafka[r]!, TOPIC)).reduce((x, y) => x + y, 0) >= 2 * perRegion,
        120_000,
      );
      const index = supervisors.get(r)!.node!.index;
      await waitUntil(
        `the index of ${r} to cover all ${perRegion} replicas`,
        () => indexedRecords(index, TOPIC) >= perRegion,
        30_000,
      );
    }
    const indexFigures: RpcFigures['index'] = {};
    for (const r of REGIONS) {
      const index = supervisors.get(r)!.node!.index;
      const runs = index
        .partitions()
        .filter((p) => p.topic === TOPIC)
        .reduce((n, p) => n + p.runs.size, 0);
      indexFigures[r] = {
        runs,
        replicatedRecords: indexedRecords(index, TOPIC),
        runsPerPartition: runs / partitions,
      };
    }

    const random = seededRandom(settings.seed);
    const ends = await endOffsets(kafka['a']!, TOPIC);
    const committed = ends.map((end, partition) => ({
      topic: TOPIC,
      partition,
      offset: Math.floor(random() * (end + 1)),
    }));
    log(`committing group ${GROUP} in a at random offsets of all ${partitions} partitions …`);
    await commitGroupOffsets(kafka['a']!, GROUP, committed);
    const committedAt = Date.now();

    client = createOperatorClient(b.grpcAddress!, {
      transport: { mode: 'insecure' },
      defaultTimeoutMs: 10_000,
    });
    log(
      `TranslateOffsets a → b via b's node: ${settings.warmup} warm-up calls, then ${settings.calls} timed …`,
    );
    const live = await timeTranslations(client, 'live');

    let checkpoint: RpcFigures['checkpoint'];
    if (settings.isCheckpointMeasured) {
      log(`waiting for b to hold a's checkpoint of ${GROUP}, then stopping a's node …`);
      await waitUntil(
        `a's checkpoint of ${GROUP} in b`,
        () => (b.node!.checkpoints.get('a', GROUP)?.computedAtMs ?? 0) > committedAt,
        30_000,
      );
      await a.stop();
      const computedAtMs = b.node!.checkpoints.get('a', GROUP)!.computedAtMs;
      log(`TranslateOffsets a → b via b's node, a's node stopped (from the checkpoint) …`);
      const figures = await timeTranslations(client, 'checkpoint');
      checkpoint = { ...figures, checkpointAgeMs: Date.now() - computedAtMs };
    }
    return {
      kafkaVersion: env.cluster('a').version,
      partitions,
      recordsPerPartitionPerRegion: recordsPerPartition,
      index: indexFigures,
      live,
      checkpoint,
      setupSeconds: (performance.now() - began) / 1000,
    };
  } finally {
    client?.close();
    await Promise.allSettled([...supervisors.values()].map((s) => s.stop()));
    await session?.stop();
    await env.stop();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------------------

interface Report {
  environment: {
    node: string;
    cores: number;
    cpu: string | undefined;
    loadAverageAtStart: number;
    loadAverageAtEnd: number;
  };
  settings: typeof settings;
  bytesPerRunEstimate: number;
  indexMemory: MemoryFigures[] | undefined;
  translateOffsets: RpcFigures | undefined;
}

function printTables(report: Report): void {
  const n = (x: number, digits = 0): string =>
    Number.isFinite(x)
      ? x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
      : '–';
  const row = (cells: string[], widths: number[], left = 1): string =>
    cells.map((c, i) => (i < left ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const kib = (bytes: number): string => `${n(bytes / 1024, 1)} KiB`;

  const memory = report.indexMemory;
  if (memory) {
    console.log(
      `\norigin index memory: ${settings.indexPartitions} target partitions of region a (mesh a, b, c), ` +
        `replica batches of 1..${settings.maxBatch} records, seed ${settings.seed}` +
        `\n(heap: heapUsed after full GCs, index alive − before it existed; records: replicated records;` +
        `\n net B/run: (heap − one-way heap) / (runs − partitions); estimate: BYTES_PER_RUN ` +
        `(${report.bytesPerRunEstimate}) × runs)`,
    );
    const widths = [13, 11, 9, 9, 11, 12, 8, 9, 9, 12, 8];
    console.log(
      row(
        [
          'pattern',
          'records',
          'batches',
          'runs',
          'local recs',
          'heap',
          'B/run',
          'net B/run',
          'B/record',
          'estimate',
          'feed ms',
        ],
        widths,
      ),
    );
    for (const m of memory)
      console.log(
        row(
          [
            m.pattern,
            n(m.records),
            n(m.batches),
            n(m.runs),
            n(m.localRecords),
            kib(m.heapBytes),
            n(m.bytesPerRun, 1),
            n(m.netBytesPerRun ?? NaN, 1),
            n(m.bytesPerRecord, 3),
            kib(m.estimatedBytes),
            n(m.feedMs),
          ],
          widths,
        ),
      );
    const oneWay = memory.find((m) => m.pattern === 'one-way');
    if (oneWay)
      console.log(
        `one-way is one run a partition: its heap is the fixed cost of ${oneWay.partitions} partitions, ` +
          `${kib(oneWay.heapBytes / oneWay.partitions)} each`,
      );
  }

  const t = report.translateOffsets;
  if (t) {
    console.log(
      `\nTranslateOffsets a → b, group of ${t.partitions} partitions, called on b's node over gRPC` +
        ` (Kafka ${t.kafkaVersion}, 2 single-broker clusters, ${t.recordsPerPartitionPerRegion} records a partition` +
        ` produced in each region at once)\n(client-side time of each call, one at a time, after ${settings.warmup} warm-up calls)`,
    );
    const widths = [36, 6, 8, 8, 8, 8, 8];
    console.log(row(['frontier from', 'calls', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'mean ms'], widths));
    const line = (label: string, f: LatencyFigures): string =>
      row(
        [label, n(f.calls), n(f.p50Ms, 1), n(f.p90Ms, 1), n(f.p99Ms, 1), n(f.maxMs, 1), n(f.meanMs, 1)],
        widths,
      );
    console.log(line("a's node, live (Peer.GetFrontiers)", t.live));
    if (t.checkpoint) console.log(line(`checkpoint in b (a's node stopped)`, t.checkpoint));
    if (t.checkpoint)
      console.log(
        `(the checkpoint was ${n(t.checkpoint.checkpointAgeMs / 1000, 1)} s old after the last call)`,
      );
    for (const f of [t.live, t.checkpoint])
      if (f && f.partitionsAnswered !== t.partitions)
        console.log(`  ! ${f.source}: ${f.partitionsAnswered} partitions answered, expected ${t.partitions}`);
    console.log(
      `index runs at that point: ` +
        Object.entries(t.index)
          .map(
            ([r, x]) =>
              `${r} ${n(x.runs)} runs (${n(x.runsPerPartition, 1)} a partition) over ${n(x.replicatedRecords)} replicas`,
          )
          .join('; ') +
        `; cluster set-up and measurements took ${n(t.setupSeconds)} s`,
    );
  }
  console.log(
    `\nload average ${report.environment.loadAverageAtStart} at start, ${report.environment.loadAverageAtEnd} at end` +
      ` (${report.environment.cores} cores; other work on the machine skews the latencies)`,
  );
}

async function main(): Promise<void> {
  const cores = cpus();
  const loadAtStart = loadavg()[0] ?? 0;
  const indexMemory = settings.memory ? runMemoryPart() : undefined;
  const logger = createLogger({
    // kafkajs logs retried errors (a coordinator loading) as errors: quiet unless asked.
    level: process.env['GEOMESH_LOG_LEVEL'] ?? 'fatal',
    destination: process.stderr,
  });
  const translateOffsets = settings.rpc ? await runRpcPart(logger) : undefined;
  const report: Report = {
    environment: {
      node: process.version,
      cores: cores.length,
      cpu: cores[0]?.model.trim(),
      loadAverageAtStart: Number(loadAtStart.toFixed(2)),
      loadAverageAtEnd: Number((loadavg()[0] ?? 0).toFixed(2)),
    },
    settings,
    bytesPerRunEstimate: BYTES_PER_RUN,
    indexMemory,
    translateOffsets,
  };
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else printTables(report);
}

if (settings.memory && typeof globalThis.gc !== 'function') {
  // The memory figures need full GCs on demand: run again with --expose-gc.
  const child = spawn(
    process.execPath,
    ['--expose-gc', ...process.execArgv, import.meta.filename, ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.once('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else await main();
