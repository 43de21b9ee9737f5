/**
 * Replication benchmark: one link a → b between two real Kafka clusters (one topic, 3 partitions), measured
 * against a baseline — a plain kafkajs pipe written here (consumer on a → producer on b, same partition,
 * headers and timestamps copied, no origin headers, MAC or dedup) with the same consumer and producer settings
 * as geomesh's source and sink. Figures are printed, never asserted; each geomesh figure comes with its ratio
 * to the baseline's.
 *
 *   npm run bench:replication [-- --records N] [-- --sizes 100,1024] [-- --json]
 *     [-- --latency-rate 1000] [-- --latency-seconds 20] [-- --latency-size 1024]
 *     [-- --workers 1,2 --rounds 2] [-- --partitions 3]
 *
 * `--workers` lists worker-thread counts of the node (docs/work-sharing.md, "Worker threads"; default 1).
 * With more than one count (or `--rounds` above 1), each size also copies a fresh backlog with every count in
 * turn, A B A B for `--rounds` rounds, and prints each run with the load average and the median per count.
 *
 * Defaults: N = 200,000 records for values under 1 KiB, 100,000 from 1 KiB (`--records` sets one N for all);
 * `--latency-seconds 0` skips the latency part. With `--json` the figures go to stdout as one JSON object and
 * progress goes to stderr. Both clusters get unmeasured records first, so the brokers are warm for every run.
 *
 * What is measured:
 * - Throughput: N records are produced into a before timing. Each contender runs in a child process of its
 *   own; the clock starts when it says its consumer joined the group and stops when the end offsets of the
 *   target topic in b (polled every 50 ms) add up to N. MB/s counts value bytes (1 MB = 10^6 bytes). CPU is
 *   the child's user + system time over the same span, per record.
 * - Memory: the child's peak resident set (VmHWM) over its life, and its VmRSS 1 s after the copy is done.
 * - Latency: a producer writes into a at a fixed rate, stamping each record's timestamp when it sends it; a
 *   consumer in b compares each record's timestamp with the time it received it: exact percentiles over
 *   every record after a 2 s warm-up. Both contenders run at the same time on topics of their own, so they
 *   see the same machine load. For geomesh the node's own histogram `geomesh_end_to_end_latency_seconds`
 *   (timestamp → write acknowledged by b; its buckets are coarse) is shown beside it.
 *
 * The child modes (`--child geomesh|pipe --spec <json>`) are how the benchmark starts its contenders.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseScriptArgs } from './script-args.ts';
import kafkajs, { type Admin, type Kafka, type Message } from 'kafkajs';
import { measureLatency, type LatencyFigures } from './bench/latency.ts';
import { compareWorkers, parseWorkerCounts, summarizeWorkers } from './bench/workers-abab.ts';

const { Kafka: KafkaClient, logLevel, Partitioners } = kafkajs;

const POLL_MS = 50;
const MB = 1e6;
const MIB = 2 ** 20;

const { values } = parseScriptArgs('bench:replication', {
  options: {
    records: { type: 'string' },
    sizes: { type: 'string', default: '100,1024' },
    'latency-rate': { type: 'string', default: '1000' },
    'latency-seconds': { type: 'string', default: '20' },
    'latency-size': { type: 'string', default: '1024' },
    workers: { type: 'string', default: '1' },
    partitions: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
    child: { type: 'string' },
    spec: { type: 'string' },
  },
});

/** Partitions of each benchmark topic (`--partitions`, default 3): a worker thread owns a share of them. */
const PARTITIONS = wholeNumber('partitions', values.partitions, 1);

function wholeNumber(name: string, text: string, min: number): number {
  const n = Number(text.replaceAll('_', ''));
  if (!Number.isInteger(n) || n < min) {
    console.error(`--${name} must be a whole number ≥ ${min}, got "${text}"`);
    process.exit(2);
  }
  return n;
}

// ---------------------------------------------------------------------------------------------------------
// Child modes: the contenders, each alone in its process so its memory and CPU can be read from /proc.
// ---------------------------------------------------------------------------------------------------------

interface GeomeshSpec {
  mesh: string;
  keyHex: string;
  clusters: Record<string, { brokers: string[] }>;
  topic: string;
  /** Worker threads of the node. */
  workers: number;
}

interface PipeSpec {
  sourceBrokers: string[];
  targetBrokers: string[];
  sourceTopic: string;
  targetTopic: string;
  groupId: string;
}

/** Exit when the parent goes away (its end of stdin closes), whatever killed it. */
function exitWithParent(): void {
  process.stdin.on('end', () => process.exit(1));
  process.stdin.resume();
}

async function runGeomeshChild(spec: GeomeshSpec): Promise<void> {
  exitWithParent();
  // Loaded here, not at the top, so that each child holds only what its contender needs.
  const { createLogger } = await import('../node/log/index.ts');
  const { RegionNode } = await import('../node/region/index.ts');
  const { compileLink } = await import('../node/config/index.ts');
  const node = new RegionNode({
    mesh: spec.mesh,
    region: 'b',
    provenanceKey: Buffer.from(spec.keyHex, 'hex'),
    clusters: spec.clusters,
    inbound: [compileLink({ from: 'a', topics: [spec.topic], forwardsOrigin: (o) => o === 'a' })],
    logger: createLogger({ level: process.env['GEOMESH_LOG_LEVEL'] ?? 'warn', destination: process.stderr }),
    http: { host: '127.0.0.1', port: 0 },
    workers: spec.workers,
  });
  process.once('SIGTERM', () => void node.stop().finally(() => process.exit(0)));
  await node.start();
  console.log(`ready ${JSON.stringify({ http: node.httpAddress })}`);
}

async function runPipeChild(spec: PipeSpec): Promise<void> {
  exitWithParent();
  const client = (brokers: string[]): Kafka =>
    new KafkaClient({ clientId: 'bench-pipe', brokers, connectionTimeout: 3_000, logLevel: logLevel.ERROR });
  // The same settings as geomesh's KafkaRecordSource and KafkaRecordSink, so the ratio shows what geomesh
  // adds per record (origin headers, MAC, provenance check, dedup marks, metrics), not a different tuning.
  const consumer = client(spec.sourceBrokers).consumer({
    groupId: spec.groupId,
    readUncommitted: false,
    maxWaitTimeInMs: 100,
    maxBytesPerPartition: 1_048_576,
    allowAutoTopicCreation: false,
  });
  const producer = client(spec.targetBrokers).producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  process.once('SIGTERM', () => {
    void Promise.allSettled([consumer.disconnect(), producer.disconnect()]).finally(() => process.exit(0));
  });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topics: [spec.sourceTopic], fromBeginning: true });
  await consumer.run({
    autoCommit: true,
    autoCommitInterval: 1_000,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: 4,
    eachBatch: async (payload) => {
      const { batch } = payload;
      if (!payload.isRunning() || payload.isStale() || batch.messages.length === 0) return;
      await producer.send({
        topic: spec.targetTopic,
        acks: -1,
        messages: batch.messages.map((m) => ({
          partition: batch.partition,
          key: m.key,
          value: m.value,
          headers: m.headers ?? {},
          timestamp: m.timestamp,
        })),
      });
      payload.resolveOffset(batch.lastOffset());
      await payload.heartbeat();
    },
  });
  console.log(`ready {}`);
}

// ---------------------------------------------------------------------------------------------------------
// The parent: servers, data, timing, figures.
// ---------------------------------------------------------------------------------------------------------

/** A contender's child process, ready (its consumer joined the group). */
interface RunningChild {
  readonly pid: number;
  readonly ready: { http?: string };
  readonly startupMs: number;
  stderrTail(): string;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

async function spawnChild(kind: 'geomesh' | 'pipe', spec: GeomeshSpec | PipeSpec): Promise<RunningChild> {
  const began = performance.now();
  const child = spawn(
    process.execPath,
    [import.meta.filename, '--child', kind, '--spec', JSON.stringify(spec)],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  children.add(child);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      children.delete(child);
      resolve();
    }),
  );
  const stderr: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => {
    stderr.push(line);
    if (stderr.length > 40) stderr.shift();
  });
  const ready = await new Promise<{ http?: string }>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('ready ')) resolve(JSON.parse(line.slice(6)) as { http?: string });
    });
    child.once('exit', (code, signal) =>
      reject(
        new Error(`${kind} child exited (${code ?? signal}) before it was ready:\n${stderr.join('\n')}`),
      ),
    );
    setTimeout(() => reject(new Error(`${kind} child not ready after 60 s:\n${stderr.join('\n')}`)), 60_000);
  });
  return {
    pid: child.pid!,
    ready,
    startupMs: performance.now() - began,
    stderrTail: () => stderr.join('\n'),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** VmHWM (peak) and VmRSS (now) of a process, in bytes. */
function memoryOf(pid: number): { peakBytes: number; rssBytes: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { peakBytes: kib('VmHWM') * 1024, rssBytes: kib('VmRSS') * 1024 };
}

/** User + system CPU seconds of a process (/proc reports clock ticks of 1/100 s). */
function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The benchmark's own clients: quiet (a coordinator still loading is retried, not news); errors still throw. */
function client(brokers: string[], clientId: string): Kafka {
  return new KafkaClient({ clientId, brokers, connectionTimeout: 3_000, logLevel: logLevel.NOTHING });
}

async function createTopic(kafka: Kafka, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: PARTITIONS }] });
  } finally {
    await admin.disconnect();
  }
}

async function endOffsetSum(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((n, o) => n + Number(o.high), 0);
}

/** Produces `count` records with `size`-byte values (a key and one small header each) as fast as it can. */
async function preProduce(kafka: Kafka, topic: string, count: number, size: number): Promise<void> {
  const pool = randomBytes(MIB + size);
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    const perRequest = Math.max(100, Math.min(5_000, Math.floor(MIB / (size + 40))));
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < count) {
        const start = next;
        const end = Math.min(count, start + perRequest);
        next = end;
        const messages: Message[] = [];
        for (let seq = start; seq < end; seq++) {
          const at = (seq * 7919) % MIB;
          messages.push({
            partition: seq % PARTITIONS,
            key: `k-${seq % 1000}`,
            value: pool.subarray(at, at + size),
            headers: { app: 'bench' },
          });
        }
        await producer.send({ topic, acks: 1, messages });
      }
    };
    await Promise.all([worker(), worker(), worker()]);
  } finally {
    await producer.disconnect();
  }
}

interface ThroughputFigures {
  records: number;
  seconds: number;
  recordsPerSecond: number;
  megabytesPerSecond: number;
  cpuSeconds: number;
  cpuMicrosPerRecord: number;
  peakRssMiB: number;
  rssAfterMiB: number;
  startupMs: number;
  /** Records found in b at the end (more than `records` would mean duplicates). */
  recordsInTarget: number;
}

/** Times one contender copying `count` records of `topic` into `targetTopic` of b. */
async function timeCopy(
  child: RunningChild,
  targetAdmin: Admin,
  targetTopic: string,
  count: number,
  size: number,
): Promise<ThroughputFigures> {
  const cpuAtStart = cpuSecondsOf(child.pid);
  const began = performance.now();
  // A link that makes no progress for this long is stuck (its last log lines say why): fail, do not wait.
  const stallMs = 60_000;
  let copied = 0;
  let progressedAt = Date.now();
  while (copied < count) {
    if (Date.now() - progressedAt > stallMs)
      throw new Error(
        `stalled: ${copied} of ${count} records in b, none more for ${stallMs / 1000} s:\n${child.stderrTail()}`,
      );
    await sleep(POLL_MS);
    const now = await endOffsetSum(targetAdmin, targetTopic);
    if (now > copied) progressedAt = Date.now();
    copied = now;
  }
  const seconds = (performance.now() - began) / 1000;
  const cpuSeconds = cpuSecondsOf(child.pid) - cpuAtStart;
  await sleep(1_000);
  const memory = memoryOf(child.pid);
  return {
    records: count,
    seconds,
    recordsPerSecond: count / seconds,
    megabytesPerSecond: (count * size) / MB / seconds,
    cpuSeconds,
    cpuMicrosPerRecord: (cpuSeconds * 1e6) / count,
    peakRssMiB: memory.peakBytes / MIB,
    rssAfterMiB: memory.rssBytes / MIB,
    startupMs: child.startupMs,
    recordsInTarget: await endOffsetSum(targetAdmin, targetTopic),
  };
}

async function runBenchmark(): Promise<void> {
  const sizes = values.sizes
    .split(',')
    .filter((s) => s.trim() !== '')
    .map((s) => wholeNumber('sizes', s.trim(), 1));
  const recordsFor = (size: number): number =>
    values.records !== undefined
      ? wholeNumber('records', values.records, 1)
      : size < 1024
        ? 200_000
        : 100_000;
  const latency = {
    partitions: PARTITIONS,
    rate: wholeNumber('latency-rate', values['latency-rate'], 1),
    seconds: wholeNumber('latency-seconds', values['latency-seconds'], 0),
    size: wholeNumber('latency-size', values['latency-size'], 1),
  };
  const log = (line: string): void => {
    if (!values.json) console.log(line);
    else console.error(line);
  };

  const { ensureKafkaJars, TestEnvironment } = await import('../test/harness/index.ts');
  await ensureKafkaJars();
  const cores = cpus();
  const loadAtStart = loadavg()[0] ?? 0;
  const env = await TestEnvironment.start({ kafka: ['a', 'b'], kafkaJit: 'full' });
  const running = new Set<RunningChild>();
  const admins: Admin[] = [];
  try {
    const brokers = { a: env.cluster('a').bootstrapServers, b: env.cluster('b').bootstrapServers };
    const a = client(brokers.a, 'bench-a');
    const b = client(brokers.b, 'bench-b');
    const adminB = b.admin();
    admins.push(adminB);
    await adminB.connect();
    const key = randomBytes(32).toString('hex');
    let runs = 0;
    const workerCounts = parseWorkerCounts(values.workers);
    const rounds = wholeNumber('rounds', values.rounds, 1);
    const startGeomesh = async (topic: string, workers = workerCounts[0]!): Promise<RunningChild> => {
      const child = await spawnChild('geomesh', {
        mesh: `bench${++runs}`,
        keyHex: key,
        clusters: { a: { brokers: brokers.a }, b: { brokers: brokers.b } },
        topic,
        workers,
      } satisfies GeomeshSpec);
      running.add(child);
      return child;
    };
    const startPipe = async (sourceTopic: string, targetTopic: string): Promise<RunningChild> => {
      await createTopic(b, targetTopic);
      const child = await spawnChild('pipe', {
        sourceBrokers: brokers.a,
        targetBrokers: brokers.b,
        sourceTopic,
        targetTopic,
        groupId: `bench.pipe.${randomUUID()}`,
      } satisfies PipeSpec);
      running.add(child);
      return child;
    };
    const finish = async (child: RunningChild): Promise<void> => {
      await child.stop();
      running.delete(child);
    };

    log(
      `Kafka ${env.cluster('a').version} (2 single-broker clusters), Node ${process.version}, ` +
        `${cores.length} cores (${cores[0]?.model.trim() ?? 'unknown CPU'}), load average ${loadAtStart.toFixed(2)}`,
    );
    // The brokers' JIT and page cache warm up on records that are not measured, so that whichever contender
    // runs first is not the one that pays for it.
    log('warming up both clusters …');
    await Promise.all(
      [a, b].map(async (kafka) => {
        await createTopic(kafka, 'bench.warmup');
        await preProduce(kafka, 'bench.warmup', 50_000, 100);
      }),
    );
    const throughput: {
      valueBytes: number;
      records: number;
      geomesh: ThroughputFigures;
      baseline: ThroughputFigures;
    }[] = [];
    const byWorkers: { valueBytes: number; runs: unknown[]; medians: unknown[] }[] = [];
    for (const size of sizes) {
      const count = recordsFor(size);
      const topic = `bench.${size}b`;
      await createTopic(a, topic);
      log(`producing ${count} records of ${size} B into a …`);
      await preProduce(a, topic, count, size);

      log(`  baseline pipe a → b …`);
      const pipe = await startPipe(topic, `${topic}.pipe`);
      const baseline = await timeCopy(pipe, adminB, `${topic}.pipe`, count, size);
      await finish(pipe);

      log(`  geomesh link a → b …`);
      const node = await startGeomesh(topic);
      const geomesh = await timeCopy(node, adminB, topic, count, size);
      await finish(node);
      throughput.push({ valueBytes: size, records: count, geomesh, baseline });
      if (workerCounts.length > 1 || rounds > 1) {
        log(`  worker threads ${workerCounts.join(' vs ')}, ${rounds} round(s), a fresh backlog each …`);
        const runs = await compareWorkers(
          workerCounts,
          rounds,
          async (workers, tag) => {
            await createTopic(a, `${topic}.${tag}`);
            await preProduce(a, `${topic}.${tag}`, count, size);
            const child = await startGeomesh(`${topic}.${tag}`, workers);
            const figures = await timeCopy(child, adminB, `${topic}.${tag}`, count, size);
            await finish(child);
            return figures;
          },
          log,
        );
        const medians = summarizeWorkers(runs);
        for (const m of medians)
          log(
            `  median, workers ${m.workers}: ${Math.round(m.recordsPerSecond).toLocaleString('en-US')} records/s ` +
              `(×${m.ratio.recordsPerSecond.toFixed(2)}), ${m.cpuMicrosPerRecord.toFixed(1)} µs CPU/record ` +
              `(×${m.ratio.cpuMicrosPerRecord.toFixed(2)})`,
          );
        byWorkers.push({ valueBytes: size, runs, medians });
      }
    }

    let latencyFigures: { geomesh: LatencyFigures; baseline: LatencyFigures } | undefined;
    if (latency.seconds > 0) {
      log(`latency: ${latency.rate} records/s for ${latency.seconds} s, ${latency.size} B, both at once …`);
      // Both contenders run at the same time, each on its own topic, producer and consumer, so that both see
      // the same load on a shared machine (run one after the other, whichever went first fared worse).
      await createTopic(a, 'bench.latency.pipe');
      await createTopic(a, 'bench.latency.geomesh');
      const pipe = await startPipe('bench.latency.pipe', 'bench.latency.pipe');
      const node = await startGeomesh('bench.latency.geomesh');
      const metrics = async (): Promise<string> => (await fetch(`http://${node.ready.http}/metrics`)).text();
      const [baseline, geomesh] = await Promise.all([
        measureLatency(a, b, 'bench.latency.pipe', 'bench.latency.pipe', latency),
        measureLatency(a, b, 'bench.latency.geomesh', 'bench.latency.geomesh', latency, metrics),
      ]);
      await Promise.all([finish(pipe), finish(node)]);
      latencyFigures = { geomesh, baseline };
    }

    const report = {
      environment: {
        kafkaVersion: env.cluster('a').version,
        node: process.version,
        cores: cores.length,
        cpu: cores[0]?.model.trim(),
        loadAverageAtStart: Number(loadAtStart.toFixed(2)),
        loadAverageAtEnd: Number((loadavg()[0] ?? 0).toFixed(2)),
      },
      link: { from: 'a', to: 'b', topics: 1, partitions: PARTITIONS, workers: workerCounts[0] },
      ...(byWorkers.length > 0 && { workers: byWorkers }),
      throughput: throughput.map((t) => ({
        ...t,
        ratio: {
          recordsPerSecond: t.geomesh.recordsPerSecond / t.baseline.recordsPerSecond,
          cpuMicrosPerRecord: t.geomesh.cpuMicrosPerRecord / t.baseline.cpuMicrosPerRecord,
          peakRssMiB: t.geomesh.peakRssMiB / t.baseline.peakRssMiB,
        },
      })),
      latency: latencyFigures && {
        ...latency,
        ...latencyFigures,
        ratio: {
          p50: latencyFigures.geomesh.p50Ms / latencyFigures.baseline.p50Ms,
          p99: latencyFigures.geomesh.p99Ms / latencyFigures.baseline.p99Ms,
        },
      },
    };
    if (values.json) console.log(JSON.stringify(report, null, 2));
    else printTables(report);
  } finally {
    await Promise.allSettled([...running].map((c) => c.stop()));
    await Promise.allSettled(admins.map((admin) => admin.disconnect()));
    await env.stop();
  }
}

type Report = {
  environment: { loadAverageAtStart: number; loadAverageAtEnd: number };
  throughput: {
    valueBytes: number;
    records: number;
    geomesh: ThroughputFigures;
    baseline: ThroughputFigures;
    ratio: { recordsPerSecond: number; cpuMicrosPerRecord: number; peakRssMiB: number };
  }[];
  latency:
    | {
        rate: number;
        seconds: number;
        size: number;
        geomesh: LatencyFigures;
        baseline: LatencyFigures;
        ratio: { p50: number; p99: number };
      }
    | undefined;
};

function printTables(report: Report): void {
  const n = (x: number, digits = 0): string =>
    x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const row = (cells: string[], widths: number[]): string =>
    cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');

  console.log(
    `\nthroughput of one link a → b, 1 topic × ${PARTITIONS} partitions, records pre-produced into a` +
      `\n(from the link's consumer joining until all records are in b; MB = 10^6 value bytes;` +
      `\n CPU and RSS are the contender's own child process)`,
  );
  const widths = [7, 9, 10, 8, 11, 7, 10, 10, 10];
  console.log(
    row(
      ['value', 'records', '', 'seconds', 'records/s', 'MB/s', 'CPU µs/rec', 'peak RSS', 'RSS after'],
      widths,
    ),
  );
  for (const t of report.throughput) {
    const line = (label: string, f: ThroughputFigures, first: boolean): string =>
      row(
        [
          first ? `${t.valueBytes} B` : '',
          first ? n(t.records) : '',
          label,
          n(f.seconds, 2),
          n(f.recordsPerSecond),
          n(f.megabytesPerSecond, 1),
          n(f.cpuMicrosPerRecord, 1),
          `${n(f.peakRssMiB)} MiB`,
          `${n(f.rssAfterMiB)} MiB`,
        ],
        widths,
      );
    console.log(line('geomesh', t.geomesh, true));
    console.log(line('baseline', t.baseline, false));
    console.log(
      row(
        [
          '',
          '',
          'ratio',
          `×${n(t.geomesh.seconds / t.baseline.seconds, 2)}`,
          `×${n(t.ratio.recordsPerSecond, 2)}`,
          `×${n(t.geomesh.megabytesPerSecond / t.baseline.megabytesPerSecond, 2)}`,
          `×${n(t.ratio.cpuMicrosPerRecord, 2)}`,
          `×${n(t.ratio.peakRssMiB, 2)}`,
          `×${n(t.geomesh.rssAfterMiB / t.baseline.rssAfterMiB, 2)}`,
        ],
        widths,
      ),
    );
    for (const [label, f] of [
      ['geomesh', t.geomesh],
      ['baseline', t.baseline],
    ] as const)
      if (f.recordsInTarget !== t.records)
        console.log(`  ! ${label}: b holds ${f.recordsInTarget} records, expected ${t.records}`);
  }

  const l = report.latency;
  if (l) {
    console.log(
      `\nend-to-end latency, ${n(l.rate)} records/s for ${l.seconds} s, ${l.size} B values` +
        `\n(record timestamp set by the producer in a → received by a consumer in b; exact percentiles)`,
    );
    const lw = [10, 9, 9, 9, 9, 9];
    console.log(row(['', 'received', '', 'p50 ms', 'p99 ms', 'max ms'], lw));
    const line = (label: string, f: LatencyFigures): string =>
      row([label, `${n(f.received)}`, '', n(f.p50Ms), n(f.p99Ms), n(f.maxMs)], lw);
    console.log(line('geomesh', l.geomesh));
    console.log(line('baseline', l.baseline));
    console.log(
      row(
        [
          'ratio',
          '',
          '',
          `×${n(l.ratio.p50, 2)}`,
          `×${n(l.ratio.p99, 2)}`,
          `×${n(l.geomesh.maxMs / l.baseline.maxMs, 2)}`,
        ],
        lw,
      ),
    );
    for (const [label, f] of [
      ['geomesh', l.geomesh],
      ['baseline', l.baseline],
    ] as const)
      if (f.received !== f.produced) console.log(`  ! ${label}: received ${f.received} of ${f.produced}`);
    const h = l.geomesh.histogram;
    if (h)
      console.log(
        `geomesh's own histogram geomesh_end_to_end_latency_seconds (timestamp → write acknowledged by b, ` +
          `${n(h.count)} records): p50 ≤ ${n(h.p50AtMostMs)} ms, p99 ≤ ${n(h.p99AtMostMs)} ms (bucket bounds), ` +
          `mean ${n(h.meanMs, 1)} ms`,
      );
  }
  console.log(
    `\nload average ${report.environment.loadAverageAtStart} at start, ${report.environment.loadAverageAtEnd} at end` +
      ` (other work on the machine skews these figures; compare ratios taken in one run)`,
  );
}

if (values.child === 'geomesh') await runGeomeshChild(JSON.parse(values.spec ?? '{}') as GeomeshSpec);
else if (values.child === 'pipe') await runPipeChild(JSON.parse(values.spec ?? '{}') as PipeSpec);
else if (values.child !== undefined) {
  console.error(`--child must be geomesh or pipe, got "${values.child}"`);
  process.exit(2);
} else await runBenchmark();
