/**
 * Work-sharing benchmark: one link a → b (one topic of 12 partitions, records pre-produced into a), copied by
 * three contenders run one after another on topics of their own, side by side in one run:
 *
 *   plain    one geomesh node for b, no work sharing (the baseline);
 *   shared×1 one instance with `workSharing` (etcd owner keys, the lease check before each write and the
 *            produce gate in the socket);
 *   shared×2 two instances with `workSharing`, 6 partitions each.
 *
 *   npm run bench:work-sharing [-- --records N] [-- --size BYTES] [-- --json]
 *
 * The contenders run twice, in reverse order the second time (ABC then CBA), so warm-up and drift fall on
 * each alike; the figures are the means of the two. Each instance runs in a child process of its own. The
 * clock starts when the first copied record lands in b
 * (so the start-up and the first ownership round are not counted) and stops when b's end offsets add up to N
 * (polled every 50 ms). CPU is the instances' user + system time over the run, per record. Figures are
 * printed, never asserted; each comes with its ratio to the plain node's. On a machine with few cores the
 * brokers, etcd and the instances share them: two instances show what sharing costs more than what it gains.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseScriptArgs } from './script-args.ts';

const PARTITIONS = 12;
const POLL_MS = 50;

const { values } = parseScriptArgs('bench:work-sharing', {
  options: {
    records: { type: 'string', default: '200000' },
    size: { type: 'string', default: '100' },
    json: { type: 'boolean', default: false },
    child: { type: 'boolean', default: false },
    spec: { type: 'string' },
  },
});

interface InstanceSpec {
  mesh: string;
  keyHex: string;
  clusters: Record<string, { brokers: string[] }>;
  topic: string;
  /** etcd endpoints when the instance shares work. */
  etcd?: string[];
  instanceId: string;
}

/** One instance of b's node, in this (child) process. */
async function runInstance(spec: InstanceSpec): Promise<void> {
  process.stdin.on('end', () => process.exit(1));
  process.stdin.resume();
  const { createLogger } = await import('../node/log/index.ts');
  const { RegionNode } = await import('../node/region/index.ts');
  const { EtcdCoordinator } = await import('../node/coordination/index.ts');
  const { PartitionOwnership } = await import('../node/work-sharing/index.ts');
  const { compileLink } = await import('../node/config/index.ts');
  const { DEFAULT_WORK_SHARING_LEASE_TTL_MS } = await import('../topology/index.ts');
  const logger = createLogger({
    level: process.env['GEOMESH_LOG_LEVEL'] ?? 'warn',
    destination: process.stderr,
  });
  let ownership: InstanceType<typeof PartitionOwnership> | undefined;
  const node = new RegionNode({
    mesh: spec.mesh,
    region: 'b',
    provenanceKey: Buffer.from(spec.keyHex, 'hex'),
    clusters: spec.clusters,
    inbound: [compileLink({ from: 'a', topics: [spec.topic], forwardsOrigin: (o) => o === 'a' })],
    logger,
    ...(spec.etcd && {
      workSharing: { instanceId: spec.instanceId, isLeaseValid: () => ownership?.isLeaseValid() ?? false },
    }),
  });
  const coordinator = spec.etcd
    ? new EtcdCoordinator({ endpoints: spec.etcd, mesh: spec.mesh, logger })
    : undefined;
  process.once('SIGTERM', () => {
    void (async () => {
      await ownership?.stop();
      await node.stop();
      await coordinator?.stop();
    })().finally(() => process.exit(0));
  });
  await coordinator?.start();
  await node.start();
  if (coordinator) {
    ownership = new PartitionOwnership({
      coordination: coordinator,
      region: 'b',
      instanceId: spec.instanceId,
      host: node,
      logger,
      leaseTtlMs: DEFAULT_WORK_SHARING_LEASE_TTL_MS,
    });
    ownership.start();
  }
  console.log('ready');
}

if (values.child) {
  await runInstance(JSON.parse(values.spec!) as InstanceSpec);
} else {
  await runParent();
}

interface Instance {
  pid: number;
  stop(): Promise<void>;
}

async function startInstance(spec: InstanceSpec): Promise<Instance> {
  const child: ChildProcess = spawn(
    process.execPath,
    [import.meta.filename, '--child', '--spec', JSON.stringify(spec)],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (l) => stderr.push(l));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (l) => l === 'ready' && resolve());
    child.once('exit', (code) =>
      reject(new Error(`instance exited (${code}):\n${stderr.slice(-20).join('\n')}`)),
    );
  });
  return {
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** User + system CPU seconds of a process (/proc reports clock ticks of 1/100 s). */
function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function runParent(): Promise<void> {
  const records = Number(values.records);
  const size = Number(values.size);
  if (!Number.isInteger(records) || records < 1000 || !Number.isInteger(size) || size < 1) {
    console.error('--records must be a whole number ≥ 1000 and --size ≥ 1');
    process.exit(2);
  }
  const log = (line: string) => (values.json ? console.error(line) : console.log(line));
  const { TestEnvironment } = await import('../test/harness/index.ts');
  const { createKafkaClient } = await import('../node/kafka/index.ts');
  const { silentLogger } = await import('../node/log/index.ts');
  const env = await TestEnvironment.start({ kafka: ['a', 'b'], etcd: true, kafkaJit: 'full' });
  const kafka = {
    a: createKafkaClient({
      brokers: env.cluster('a').bootstrapServers,
      clientId: 'bench-a',
      logger: silentLogger(),
    }),
    b: createKafkaClient({
      brokers: env.cluster('b').bootstrapServers,
      clientId: 'bench-b',
      logger: silentLogger(),
    }),
  };
  const keyHex = randomBytes(32).toString('hex');
  const clusters = {
    a: { brokers: env.cluster('a').bootstrapServers },
    b: { brokers: env.cluster('b').bootstrapServers },
  };
  const contenders = [
    { name: 'plain', instances: 1, shared: false },
    { name: 'shared×1', instances: 1, shared: true },
    { name: 'shared×2', instances: 2, shared: true },
  ];
  const order = [0, 1, 2, 2, 1, 0];
  const runs: { name: string; recordsPerSecond: number; cpuMicrosPerRecord: number; seconds: number }[] = [];
  try {
    const admin = kafka.a.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: order.map((_, run) => ({ topic: `bench-${run}`, numPartitions: PARTITIONS })),
    });
    await admin.disconnect();
    const value = Buffer.alloc(size, 120);
    const producer = kafka.a.producer();
    await producer.connect();
    log(`producing ${records.toLocaleString('en')} records of ${size} B into ${order.length} topics of a…`);
    for (let i = 0; i < order.length; i++) {
      for (let start = 0; start < records; start += 5_000) {
        const messages = Array.from({ length: Math.min(5_000, records - start) }, (_, j) => ({
          partition: (start + j) % PARTITIONS,
          key: `k${start + j}`,
          value,
        }));
        await producer.send({ topic: `bench-${i}`, acks: 1, messages });
      }
    }
    await producer.disconnect();
    const targetAdmin = kafka.b.admin();
    await targetAdmin.connect();
    const landed = async (topic: string): Promise<number> => {
      try {
        const offsets = await targetAdmin.fetchTopicOffsets(topic);
        return offsets.reduce((n, o) => n + Number(o.high), 0);
      } catch {
        return 0; // not created in b yet
      }
    };
    for (const [i, which] of order.entries()) {
      const contender = contenders[which]!;
      const topic = `bench-${i}`;
      const instances = await Promise.all(
        Array.from({ length: contender.instances }, (_, n) =>
          startInstance({
            mesh: `bench${i}`,
            keyHex,
            clusters,
            topic,
            instanceId: `i${n}`,
            ...(contender.shared && { etcd: env.etcd!.endpoints }),
          }),
        ),
      );
      while ((await landed(topic)) === 0) await sleep(POLL_MS);
      const startedAt = performance.now();
      const cpuBefore = instances.map((x) => cpuSecondsOf(x.pid));
      while ((await landed(topic)) < records) await sleep(POLL_MS);
      const seconds = (performance.now() - startedAt) / 1000;
      const cpu = instances.reduce((n, x, k) => n + cpuSecondsOf(x.pid) - cpuBefore[k]!, 0);
      await Promise.all(instances.map((x) => x.stop()));
      const result = {
        name: contender.name,
        recordsPerSecond: Math.round(records / seconds),
        cpuMicrosPerRecord: Math.round((cpu / records) * 1e7) / 10,
        seconds: Math.round(seconds * 100) / 100,
      };
      runs.push(result);
      log(
        `  ${contender.name}: ${result.recordsPerSecond.toLocaleString('en')} rec/s, ${result.cpuMicrosPerRecord} µs CPU a record`,
      );
    }
    await targetAdmin.disconnect();
  } finally {
    await env.stop();
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const results = contenders.map((c) => {
    const mine = runs.filter((r) => r.name === c.name);
    return {
      name: c.name,
      recordsPerSecond: Math.round(mean(mine.map((r) => r.recordsPerSecond))),
      cpuMicrosPerRecord: Math.round(mean(mine.map((r) => r.cpuMicrosPerRecord)) * 10) / 10,
      runs: mine.map((r) => r.recordsPerSecond),
    };
  });
  const base = results[0]!;
  const machine = { cores: cpus().length, loadAverage1m: Math.round(loadavg()[0]! * 10) / 10 };
  if (values.json) {
    console.log(JSON.stringify({ records, size, partitions: PARTITIONS, machine, results, runs }));
    return;
  }
  console.log(
    `\n${records.toLocaleString('en')} records of ${size} B, ${PARTITIONS} partitions, ${machine.cores} cores, load ${machine.loadAverage1m}`,
  );
  console.log(
    `${'contender'.padEnd(10)} ${'rec/s'.padStart(9)} ${'×plain'.padStart(7)} ${'µs CPU/rec'.padStart(11)} ${'×plain'.padStart(7)}`,
  );
  for (const r of results) {
    console.log(
      `${r.name.padEnd(10)} ${r.recordsPerSecond.toLocaleString('en').padStart(9)} ${(r.recordsPerSecond / base.recordsPerSecond).toFixed(2).padStart(7)} ` +
        `${String(r.cpuMicrosPerRecord).padStart(11)} ${(r.cpuMicrosPerRecord / base.cpuMicrosPerRecord).toFixed(2).padStart(7)}  ${r.runs.map((n) => n.toLocaleString('en')).join(', ')}`,
    );
  }
}
