/**
 * End-to-end latency at a fixed rate, shared by the benchmarks: a producer writes into a source topic at a
 * fixed rate, stamping each record's timestamp (CreateTime) as it sends it; a consumer of the target topic
 * compares each record's timestamp with the time it received it: exact percentiles over every record after
 * a warm-up. Optionally a node's own histogram `geomesh_end_to_end_latency_seconds` beside it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import kafkajs, { type Kafka, type Message } from 'kafkajs';

const { Partitioners } = kafkajs;
const POLL_MS = 50;

export interface LatencyFigures {
  produced: number;
  received: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** The rate the producer kept over the counted part (below the one asked for when it could not keep up). */
  sentPerSecond?: number;
  /** geomesh only: bucket bounds of its own histogram (timestamp → write acknowledged by b). */
  histogram?: HistogramFigures;
  /**
   * geomesh only: bucket bounds of its histogram of the node's part, per write (fetch response or stream
   * message in hand → write acknowledged by b); the rest of a record's latency is the source side (producer →
   * a → fetch) and the measuring consumer's read of b.
   */
  nodeHistogram?: HistogramFigures;
  /**
   * geomesh only, over the counted part: its main thread's event-loop delay (p99 and max) and its garbage
   * collections (pauses, their total and longest bucket bound) — what else holds a record up.
   */
  process?: {
    eventLoopDelayP99Ms: number;
    eventLoopDelayMaxMs: number;
    gcPauses: number;
    gcPauseTotalMs: number;
  };
}

export interface HistogramFigures {
  count: number;
  p50AtMostMs: number;
  p99AtMostMs: number;
  meanMs: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? NaN;
}

interface HistogramSnapshot {
  /** Cumulative counts by upper bound in seconds, ascending. */
  buckets: { le: number; count: number }[];
  count: number;
  sum: number;
}

/** Reads the histogram `name` (all label sets summed) from Prometheus text. */
function parseHistogram(text: string, name: string): HistogramSnapshot {
  const byLe = new Map<number, number>();
  let count = 0;
  let sum = 0;
  for (const line of text.split('\n')) {
    const value = Number(line.split(' ').pop());
    if (line.startsWith(`${name}_bucket{`)) {
      const le = /le="([^"]+)"/.exec(line)?.[1];
      if (le === undefined) continue;
      const bound = le === '+Inf' ? Infinity : Number(le);
      byLe.set(bound, (byLe.get(bound) ?? 0) + value);
    } else if (line.startsWith(`${name}_count`)) count += value;
    else if (line.startsWith(`${name}_sum`)) sum += value;
  }
  const buckets = [...byLe].map(([le, n]) => ({ le, count: n })).sort((x, y) => x.le - y.le);
  return { buckets, count, sum };
}

/** p50 and p99 upper bounds and the mean of what the histogram saw between two snapshots. */
function histogramFigures(before: HistogramSnapshot, after: HistogramSnapshot): HistogramFigures | undefined {
  const count = after.count - before.count;
  if (count <= 0) return undefined;
  const earlier = new Map(before.buckets.map((b) => [b.le, b.count]));
  const buckets = after.buckets.map((b) => ({ le: b.le, count: b.count - (earlier.get(b.le) ?? 0) }));
  const bound = (p: number): number => (buckets.find((b) => b.count >= p * count)?.le ?? Infinity) * 1000;
  return {
    count,
    p50AtMostMs: bound(0.5),
    p99AtMostMs: bound(0.99),
    meanMs: ((after.sum - before.sum) / count) * 1000,
  };
}

/** The value of the sample `name` (no labels), or the sum over its label sets, in Prometheus text. */
function sampleSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n'))
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) sum += Number(line.split(' ').pop());
  return sum;
}

/**
 * The node's event-loop delay since the scrape before `after` (prom-client resets it at every scrape) and its
 * garbage collections between the two scrapes.
 */
function processFigures(before: string, after: string): LatencyFigures['process'] {
  if (!after.includes('nodejs_gc_duration_seconds')) return undefined;
  const delta = (name: string): number => sampleSum(after, name) - sampleSum(before, name);
  return {
    eventLoopDelayP99Ms: sampleSum(after, 'nodejs_eventloop_lag_p99_seconds') * 1000,
    eventLoopDelayMaxMs: sampleSum(after, 'nodejs_eventloop_lag_max_seconds') * 1000,
    gcPauses: delta('nodejs_gc_duration_seconds_count'),
    gcPauseTotalMs: delta('nodejs_gc_duration_seconds_sum') * 1000,
  };
}

/**
 * Records produced during this first part of a latency run are copied but not counted (warm-up). 2 s was too
 * short: brokers, replicators and the measuring clients freshly started (their JITs cold) gave the first
 * contender of a run a p99 of 40–50 ms where the next one, on brokers warmed by it, got 13–15 ms.
 */
const LATENCY_WARMUP_SECONDS = 10;
const MEASURED_HEADER = 'bench.measured';

/**
 * Produces `rate` records/s into `sourceTopic` of a, each stamped with the time it was sent, and measures,
 * for every record, when a consumer of `targetTopic` in b received it. The first LATENCY_WARMUP_SECONDS are
 * not counted; `metrics`, when given, is read as the counted part starts and ends (for geomesh's histogram).
 */
export async function measureLatency(
  a: Kafka,
  b: Kafka,
  sourceTopic: string,
  targetTopic: string,
  options: { rate: number; seconds: number; size: number; partitions: number },
  metrics?: () => Promise<string>,
): Promise<LatencyFigures> {
  const warmup = Math.round(options.rate * LATENCY_WARMUP_SECONDS);
  const measured = Math.round(options.rate * options.seconds);
  const total = warmup + measured;
  const latencies: number[] = [];
  let histogramBefore: Promise<string> | undefined;
  let sentPerSecond: number | undefined;
  const consumer = b.consumer({ groupId: `bench.latency.${randomUUID()}`, maxWaitTimeInMs: 100 });
  const producer = a.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
  const value = randomBytes(options.size);
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [targetTopic], fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        const now = Date.now();
        for (const m of batch.messages)
          if (m.headers?.[MEASURED_HEADER]?.toString() === '1') latencies.push(now - Number(m.timestamp));
        await Promise.resolve();
      },
    });
    await producer.connect();
    const tickMs = 10;
    const maxPerSend = options.partitions * Math.max(1, Math.floor(900_000 / (options.size + 100)));
    const began = performance.now();
    let sent = 0;
    let countedFrom = began;
    while (sent < total) {
      // At most `maxPerSend` records a request: a producer that fell behind (a loaded machine) catches up in
      // several, each partition's batch under the broker's 1 MB default message.max.bytes.
      const due = Math.min(
        total,
        sent + maxPerSend,
        Math.floor(((performance.now() - began) / 1000) * options.rate),
      );
      if (due > sent) {
        if (sent < warmup && due >= warmup) {
          histogramBefore = metrics?.().catch(() => '');
          countedFrom = performance.now();
        }
        const timestamp = String(Date.now());
        const messages: Message[] = [];
        for (let seq = sent; seq < due; seq++)
          messages.push({
            partition: seq % options.partitions,
            key: `k-${seq % 1000}`,
            value,
            timestamp,
            headers: { [MEASURED_HEADER]: seq < warmup ? '0' : '1' },
          });
        await producer.send({ topic: sourceTopic, acks: -1, messages });
        sent = due;
      } else await sleep(tickMs);
    }
    sentPerSecond = measured / Math.max(0.001, (performance.now() - countedFrom) / 1000);
    const deadline = Date.now() + 60_000;
    while (latencies.length < measured && Date.now() < deadline) await sleep(POLL_MS);
  } finally {
    await Promise.allSettled([consumer.disconnect(), producer.disconnect()]);
  }
  const sorted = [...latencies].sort((x, y) => x - y);
  const figures: LatencyFigures = {
    produced: measured,
    received: latencies.length,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    maxMs: sorted[sorted.length - 1] ?? NaN,
    ...(sentPerSecond !== undefined && { sentPerSecond: Math.round(sentPerSecond) }),
  };
  if (metrics && histogramBefore) {
    const [before, after] = [await histogramBefore, await metrics()];
    const of = (name: string) => histogramFigures(parseHistogram(before, name), parseHistogram(after, name));
    const histogram = of('geomesh_end_to_end_latency_seconds');
    if (histogram) figures.histogram = histogram;
    const nodeHistogram = of('geomesh_node_latency_seconds');
    if (nodeHistogram) figures.nodeHistogram = nodeHistogram;
    const process = processFigures(before, after);
    if (process) figures.process = process;
  }
  return figures;
}
