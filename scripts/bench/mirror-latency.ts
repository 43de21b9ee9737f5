/**
 * The latency part of `npm run bench:mirrormaker`: the replicators asked for (MirrorMaker 2 with its default
 * settings, geomesh, a --baseline checkout) started at once, each copying a topic of its own, and measured at
 * the same time with measureLatency (latency.ts), so that a before/after pair meets the same load.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kafka } from 'kafkajs';
import type { ManagedProcess } from '../../test/harness/index.ts';
import { measureLatency, type LatencyFigures } from './latency.ts';
import { startGeomeshNode, startMirrorMaker } from './mirror-contenders.ts';
import { createTopics, endOffsetSum } from './mirror-steps.ts';
import { roundOrder, type LatencyRound } from './mirror-report.ts';

const log = (line: string): void => console.error(line);

/** What the latency part measured, by contender. */
export type LatencyFigureSet = {
  mirrormaker?: LatencyFigures;
  geomesh?: LatencyFigures;
  baseline?: LatencyFigures;
  /** No replicator: the measuring consumer reads a itself, one hop (what no replicator can beat). */
  floor?: LatencyFigures;
};

/**
 * Latency of the replicators at once (those of --contenders, and --baseline), each on its own topic
 * (MirrorMaker 2 with its default settings); "floor": the same producer and consumer on a topic of a, read
 * back from a, without a replicator.
 */
export async function measureAll(ctx: {
  names: readonly ('mirrormaker' | 'geomesh' | 'baseline' | 'floor')[];
  /** The --baseline checkout. */
  baselineRoot?: string;
  latency: { rate: number; seconds: number; size: number; partitions: number };
  /** The geomesh nodes' worker threads (`--workers` as a number; "cores": those of the machine); default theirs. */
  workers?: number;
  /** MirrorMaker 2 with the throughput settings of the copies instead of its defaults. */
  mirrorTuned?: boolean;
  /** Prefix of the contenders' topics (each part of a run takes its own). */
  topicPrefix?: string;
  nodeArgs: readonly string[];
  a: Kafka;
  b: Kafka;
  dir: string;
  etcd: string;
  keyHex: string;
  classpath: string;
  brokersA: string[];
  brokersB: string[];
  heap: string;
  live: Set<ManagedProcess>;
}): Promise<LatencyFigureSet> {
  const { names, latency, nodeArgs } = ctx;
  const partitions = latency.partitions;
  const topicOf = (name: string): string => `${ctx.topicPrefix ?? 'mm-latency-'}${name}`;
  await createTopics(ctx.a, names.map(topicOf), partitions);
  // One record in each topic before the replicators start: measuring begins once all copied it.
  await writeProbes(ctx.a, names.map(topicOf));
  const started: { name: (typeof names)[number]; process: ManagedProcess; http?: string }[] = [];
  for (const name of names) {
    if (name === 'floor') continue;
    if (name === 'mirrormaker') {
      const mirror = startMirrorMaker({
        classpath: ctx.classpath,
        dir: ctx.dir,
        source: ctx.brokersA,
        target: ctx.brokersB,
        topics: topicOf(name),
        tasks: partitions,
        tuned: ctx.mirrorTuned ?? false,
        heap: ctx.heap,
      });
      started.push({ name, process: mirror });
      ctx.live.add(mirror);
      continue;
    }
    const node = await startGeomeshNode({
      dir: ctx.dir,
      etcd: ctx.etcd,
      source: ctx.brokersA,
      target: ctx.brokersB,
      topics: topicOf(name),
      provenanceKeyHex: ctx.keyHex,
      nodeArgs,
      ...(ctx.workers !== undefined && { workers: ctx.workers }),
      ...(name === 'baseline' && ctx.baselineRoot !== undefined && { root: ctx.baselineRoot }),
    });
    started.push({ name, process: node.process, http: node.http });
    ctx.live.add(node.process);
  }
  const replicated = names.filter((name) => name !== 'floor');
  await waitForProbes(ctx.b, replicated.map(topicOf), () => {
    const dead = started.find((p) => p.process.state === 'exited');
    if (dead) throw new Error(`${dead.process.name} exited before measuring:\n${dead.process.logTail(30)}`);
  });
  log(`  ${names.join(', ')} copied their first record; measuring …`);
  const figures = await Promise.all(
    names.map((name) => {
      const http = started.find((p) => p.name === name)?.http;
      return measureLatency(
        ctx.a,
        name === 'floor' ? ctx.a : ctx.b,
        topicOf(name),
        topicOf(name),
        latency,
        http === undefined ? undefined : async () => (await fetch(`http://${http}/metrics`)).text(),
      );
    }),
  );
  await Promise.all(started.map((p) => p.process.stop(15_000)));
  for (const p of started) ctx.live.delete(p.process);
  return Object.fromEntries(names.map((name, i) => [name, figures[i]!]));
}

/**
 * Latency of each replicator alone, one after another (at a rate high enough to load the machine, those
 * measured at once would slow each other): each on its topic of `topicPrefix`.
 */
export async function measureEach(
  ctx: Parameters<typeof measureAll>[0] & { topicPrefix: string },
): Promise<LatencyFigureSet> {
  const figures: LatencyFigureSet = {};
  for (const name of ctx.names) {
    log(`  ${name} alone …`);
    Object.assign(figures, await measureAll({ ...ctx, names: [name] }));
  }
  return figures;
}

/**
 * The latency part `rounds` times, all at once or each alone; from round to round the order rotates (alone:
 * A → B, then B → A, …), so that neither always goes first on the brokers. Each round on topics of its own.
 */
export async function measureRounds(
  ctx: Parameters<typeof measureAll>[0] & { topicPrefix: string; rounds: number; together: boolean },
): Promise<LatencyRound[]> {
  const rounds: LatencyRound[] = [];
  for (let r = 0; r < ctx.rounds; r++) {
    const names = roundOrder(ctx.names, r);
    const topicPrefix = ctx.rounds === 1 ? ctx.topicPrefix : `${ctx.topicPrefix}r${r + 1}-`;
    if (ctx.rounds > 1) log(`  round ${r + 1} of ${ctx.rounds}: ${names.join(ctx.together ? ', ' : ' → ')}`);
    const figures = ctx.together
      ? await measureAll({ ...ctx, names, topicPrefix })
      : await measureEach({ ...ctx, names, topicPrefix });
    rounds.push({ order: names, figures });
  }
  return rounds;
}

/** Writes one record into each of `topics` of a (retried while a loaded broker does not know a new topic yet). */
export async function writeProbes(a: Kafka, topics: readonly string[]): Promise<void> {
  const producer = a.producer();
  await producer.connect();
  try {
    for (const topic of topics) {
      for (let attempt = 1; ; attempt++) {
        try {
          await producer.send({ topic, messages: [{ value: 'probe' }] });
          break;
        } catch (err) {
          if (attempt >= 60) throw err;
          await sleep(500);
        }
      }
    }
  } finally {
    await producer.disconnect();
  }
}

/**
 * Waits until each of `topics` holds a record in b (the probe, copied), for 300 s at most; `check` throws when
 * a replicator died meanwhile.
 */
export async function waitForProbes(b: Kafka, topics: readonly string[], check: () => void): Promise<void> {
  const deadline = Date.now() + 300_000;
  const adminB = b.admin();
  await adminB.connect();
  try {
    for (const topic of topics)
      while ((await endOffsetSum(adminB, topic).catch(() => 0)) < 1) {
        check();
        if (Date.now() > deadline) throw new Error(`${topic}: the probe record did not reach b in 300 s`);
        await sleep(200);
      }
  } finally {
    await adminB.disconnect();
  }
}
