/**
 * The processes `npm run bench:mirrormaker` measures and the ones that set it up, each a ManagedProcess (log
 * file, ended by pid, killed by its watchdog if the benchmark dies): Apache MirrorMaker 2 in dedicated mode,
 * `geomesh node` (optionally pinned with `taskset`), and Kafka's producer and consumer performance tools.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManagedProcess, PROJECT_ROOT, freePort } from '../../test/harness/index.ts';

/** JVM flags of Kafka's own start scripts (kafka-run-class.sh), with a capped heap. */
function jvmFlags(heap: string): string[] {
  return [
    ...heap.split(/\s+/).filter(Boolean),
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:InitiatingHeapOccupancyPercent=35',
    '-XX:+ExplicitGCInvokesConcurrent',
    '-XX:-UsePerfData',
    '-Djava.awt.headless=true',
  ];
}

/**
 * The settings the MirrorMaker 2 documentation of Kafka distributions recommends for high volumes (bigger
 * producer batches with some linger, bigger fetches), on top of `tasks.max` = partitions.
 */
export const MIRROR_THROUGHPUT_SETTINGS: Readonly<Record<string, string>> = {
  'target.producer.batch.size': '327680',
  'target.producer.linger.ms': '100',
  'source.consumer.fetch.max.bytes': '52428800',
  'source.consumer.max.partition.fetch.bytes': '1048576',
  'source.consumer.max.poll.records': '500',
};

export interface MirrorMakerOptions {
  classpath: string;
  dir: string;
  source: readonly string[];
  target: readonly string[];
  /** A Java regex of the source topics to mirror. */
  topics: string;
  tasks: number;
  /** MIRROR_THROUGHPUT_SETTINGS on top of the defaults. */
  tuned: boolean;
  heap: string;
}

let mirrors = 0;

/** MirrorMaker 2's log: warnings and errors, and what its tasks say as they start (for a stalled run). */
const MIRROR_LOG_CONFIG = `status = error
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.out.ref = OUT
logger.mirror.name = org.apache.kafka.connect.mirror
logger.mirror.level = INFO
`;

/**
 * MirrorMaker 2 in dedicated mode, one direction source → target, IdentityReplicationPolicy (the same topic
 * names, as geomesh). Cluster aliases are new for each start, so that no two starts share internal topics,
 * consumer groups or stored offsets.
 */
export function startMirrorMaker(options: MirrorMakerOptions): ManagedProcess {
  const n = ++mirrors;
  const [src, dst] = [`src${n}`, `dst${n}`];
  const settings: Record<string, string> = {
    clusters: `${src}, ${dst}`,
    [`${src}.bootstrap.servers`]: options.source.join(','),
    [`${dst}.bootstrap.servers`]: options.target.join(','),
    [`${src}->${dst}.enabled`]: 'true',
    [`${src}->${dst}.topics`]: options.topics,
    [`${dst}->${src}.enabled`]: 'false',
    'replication.policy.class': 'org.apache.kafka.connect.mirror.IdentityReplicationPolicy',
    'tasks.max': String(options.tasks),
    // One broker per cluster.
    'replication.factor': '1',
    'checkpoints.topic.replication.factor': '1',
    'heartbeats.topic.replication.factor': '1',
    'offset-syncs.topic.replication.factor': '1',
    'offset.storage.replication.factor': '1',
    'status.storage.replication.factor': '1',
    'config.storage.replication.factor': '1',
  };
  if (options.tuned)
    for (const [key, value] of Object.entries(MIRROR_THROUGHPUT_SETTINGS))
      settings[key.replace(/^target\./, `${dst}.`).replace(/^source\./, `${src}.`)] = value;
  const file = join(options.dir, `mirror-maker-${n}.properties`);
  const logConfig = join(options.dir, 'mirror-maker-log4j2.properties');
  writeFileSync(logConfig, MIRROR_LOG_CONFIG);
  // A .properties file: backslashes are escapes there, so they are doubled.
  writeFileSync(
    file,
    Object.entries(settings)
      .map(([k, v]) => `${k} = ${v.replaceAll('\\', '\\\\')}`)
      .join('\n') + '\n',
  );
  const process = new ManagedProcess({
    name: `mirror-maker-${n}`,
    command: 'java',
    args: [
      ...jvmFlags(options.heap),
      `-Dlog4j2.configurationFile=${logConfig}`,
      '-cp',
      options.classpath,
      'org.apache.kafka.connect.mirror.MirrorMaker',
      file,
    ],
    logFile: join(options.dir, `mirror-maker-${n}.log`),
  });
  process.start();
  return process;
}

export interface GeomeshNodeOptions {
  dir: string;
  etcd: string;
  source: readonly string[];
  target: readonly string[];
  /** A regex of the source topics to replicate. */
  topics: string;
  provenanceKeyHex: string;
  /** Cores to pin the node to with `taskset -c 0..cores-1`; undefined: not pinned. */
  cores?: number;
  /** Extra arguments for Node (e.g. `--cpu-prof`). */
  nodeArgs?: readonly string[];
  /** The node's worker threads (`geomesh node --workers`); undefined: its default. */
  workers?: number;
  /** The geomesh checkout to run (its own node_modules); default this one. */
  root?: string;
}

let nodes = 0;

/** `geomesh node` for region b of a two-region topology with one link a → b; resolves with its HTTP address. */
export async function startGeomeshNode(
  options: GeomeshNodeOptions,
): Promise<{ process: ManagedProcess; http: string }> {
  const n = ++nodes;
  const http = `127.0.0.1:${await freePort()}`;
  const file = join(options.dir, `geomesh-${n}.yaml`);
  writeFileSync(
    file,
    [
      `mesh: bench-${n}-${randomUUID().slice(0, 8)}`,
      `etcd: { endpoints: ['${options.etcd}'] }`,
      "provenance: { key: '${GEOMESH_PROVENANCE_KEY}' }",
      'regions:',
      '  a:',
      `    kafka: { brokers: [${options.source.map((b) => `'${b}'`).join(', ')}] }`,
      `    node: { grpc: '127.0.0.1:${await freePort()}' }`,
      '  b:',
      `    kafka: { brokers: [${options.target.map((b) => `'${b}'`).join(', ')}] }`,
      `    node: { grpc: '127.0.0.1:${await freePort()}', http: '${http}' }`,
      'links:',
      `  - { from: a, to: b, topics: { include: ['${options.topics}'] } }`,
      '',
    ].join('\n'),
  );
  const launch = launchSettings(options.root ?? PROJECT_ROOT);
  const nodeCommand = [
    process.execPath,
    ...launch.flags,
    ...(options.nodeArgs ?? []),
    entryPoint(options.root ?? PROJECT_ROOT),
    'node',
    '--topology',
    file,
    '--region',
    'b',
    ...(options.workers === undefined ? [] : ['--workers', String(options.workers)]),
  ];
  const pinned =
    options.cores === undefined ? nodeCommand : ['taskset', '-c', `0-${options.cores - 1}`, ...nodeCommand];
  const node = new ManagedProcess({
    name: `geomesh-${n}`,
    command: pinned[0]!,
    args: pinned.slice(1),
    cwd: options.dir,
    env: {
      ...process.env,
      ...launch.env,
      GEOMESH_PROVENANCE_KEY: options.provenanceKeyHex,
      GEOMESH_LOG_LEVEL: process.env['GEOMESH_LOG_LEVEL'] ?? 'warn',
    },
    logFile: join(options.dir, `geomesh-${n}.log`),
  });
  node.start();
  return { process: node, http };
}

/** A checkout's `geomesh` entry point (`bin.ts` in older checkouts), or undefined when it has none. */
export function findEntryPoint(root: string): string | undefined {
  return ['bin.mjs', 'bin.ts']
    .map((name) => join(root, 'node', 'cli', name))
    .find((path) => existsSync(path));
}

function entryPoint(root: string): string {
  const path = findEntryPoint(root);
  if (!path) throw new Error(`${root} is not a geomesh checkout: no node/cli/bin.mjs there`);
  return path;
}

/**
 * The environment and Node flags a checkout's `geomesh` runs with: those of its entry point's first line
 * (`#!/usr/bin/env -S NAME=VALUE… node FLAGS`, which the `geomesh` launcher reads too); none for an older
 * checkout.
 */
export function launchSettings(root: string): { env: Record<string, string>; flags: string[] } {
  const first = readFileSync(entryPoint(root), 'utf8').split('\n', 1)[0] ?? '';
  const [, assignments = '', flags = ''] =
    /^#!\S*env(?: -S)?((?: \w+=\S*)*) (?:\S*\/)?node(?: (.*))?$/.exec(first) ?? [];
  const env = Object.fromEntries(
    assignments
      .split(/\s+/)
      .filter(Boolean)
      .map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]),
  );
  return { env, flags: flags.split(/\s+/).filter(Boolean) };
}

let tools = 0;

interface ToolOptions {
  classpath: string;
  dir: string;
  brokers: readonly string[];
  topic: string;
  records: number;
  heap: string;
}

/** One of Kafka's performance tools (`org.apache.kafka.tools.<main>`), its output in a log of its own. */
function startTool(
  name: string,
  main: string,
  options: ToolOptions,
  args: readonly string[],
): ManagedProcess {
  const n = ++tools;
  const tool = new ManagedProcess({
    name: `${name}-${n}`,
    command: 'java',
    args: [
      ...jvmFlags(options.heap),
      '-cp',
      options.classpath,
      `org.apache.kafka.tools.${main}`,
      '--bootstrap-server',
      options.brokers.join(','),
      '--topic',
      options.topic,
      '--num-records',
      String(options.records),
      ...args,
    ],
    logFile: join(options.dir, `${name}-${n}.log`),
  });
  tool.start();
  return tool;
}

/** Fast settings for writing a backlog (not measured) and for the producer half of a broker-pair limit. */
export const PRODUCER_PERF_SETTINGS: Readonly<Record<string, string>> = {
  acks: 'all',
  'batch.size': '327680',
  'linger.ms': '100',
};

/**
 * Kafka's producer performance tool: `records` records of `size` bytes into `topic`, as fast as it goes (the
 * tool sends one random value again and again); with `payloadFile`, values drawn at random from its lines.
 */
export function startProducerPerf(
  options: ToolOptions & {
    size: number;
    properties: Readonly<Record<string, string>>;
    payloadFile?: string;
  },
): ManagedProcess {
  return startTool('producer-perf', 'ProducerPerformance', options, [
    ...(options.payloadFile === undefined
      ? ['--record-size', String(options.size)]
      : ['--payload-file', options.payloadFile]),
    '--throughput',
    '-1',
    '--reporting-interval',
    '600000',
    '--command-property',
    ...Object.entries(options.properties).map(([k, v]) => `${k}=${v}`),
  ]);
}

/** Kafka's consumer performance tool: reads `records` records of `topic` from the beginning. */
export function startConsumerPerf(options: ToolOptions): ManagedProcess {
  return startTool('consumer-perf', 'ConsumerPerformance', options, [
    '--group',
    `bench-consumer-perf-${randomUUID()}`,
    '--timeout',
    '60000',
  ]);
}

/** The records/s a producer performance tool printed in its summary line. */
export function producerPerfRate(log: string): number {
  const match = /(\d+) records sent, ([\d.]+) records\/sec/.exec(log);
  if (!match) throw new Error(`the producer performance tool printed no summary:\n${log.slice(-2000)}`);
  return Number(match[2]);
}

/** The records/s a consumer performance tool printed (fetch.nMsg.sec: its fetching time, rebalance excluded). */
export function consumerPerfRate(log: string): number {
  const lines = log.split('\n');
  const header = lines.findIndex((l) => l.startsWith('start.time'));
  const names = lines[header]?.split(',').map((s) => s.trim()) ?? [];
  const values = lines[header + 1]?.split(',').map((s) => s.trim()) ?? [];
  const rate = Number(values[names.indexOf('fetch.nMsg.sec')]);
  if (header < 0 || !Number.isFinite(rate))
    throw new Error(`the consumer performance tool printed no summary:\n${log.slice(-2000)}`);
  return rate;
}
