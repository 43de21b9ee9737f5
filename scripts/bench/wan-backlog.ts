/**
 * bench:wan's backlog copy: N records preloaded into a topic of a (Kafka's producer performance tool, direct
 * to a's cluster), then one contender started and timed from its first copied record to the last in b
 * (timeCopy, as bench:mirrormaker counts): geomesh's node of b pulling or streaming (a version of the
 * topology that adds the topic to b's link, wan-versions.ts), or MirrorMaker 2 whose consumer bootstraps at
 * the WAN listener of a's cluster. The bytes the proxies delivered over the copy are counted, and a copy
 * whose reads did not cross the proxy fails the run.
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import type { ManagedProcess } from '../../test/harness/index.ts';
import { metricSum } from '../../test/support/polling.ts';
import type { WanMesh } from '../../test/support/wan-mesh.ts';
import { PRODUCER_PERF_SETTINGS, startMirrorMaker, startProducerPerf } from './mirror-contenders.ts';
import { createTopics, deleteTopics, finished, timeCopy, type CopyContender } from './mirror-steps.ts';
import type { WanConfig, WanContender } from './wan-options.ts';
import type { BacklogFigures } from './wan-report.ts';
import { applyVersion } from './wan-versions.ts';

/** The topic b's link carries between copies (nothing is written into it). */
export const IDLE_TOPIC = 'wan-idle';
/** Distinct random values the backlog is drawn from: its batches compress about as text does, not to nothing. */
const PAYLOAD_LINES = 10_000;
/** Least share of the records' bytes a contender reading a's cluster must have moved through the proxy. */
const LEAST_PROXIED_SHARE = 0.9;

/** What a backlog copy needs: the mesh, the MirrorMaker 2 classpath, a work folder, the processes alive. */
export interface WanBench {
  mesh: WanMesh;
  config: WanConfig;
  classpath: string;
  dir: string;
  live: Set<ManagedProcess>;
  log: (line: string) => void;
}

/** A file of PAYLOAD_LINES random values of `size` characters (base64: about 6 bits of entropy a byte). */
export function writePayloadFile(dir: string, size: number): string {
  const file = join(dir, `payload-${size}.txt`);
  const lines = Array.from({ length: PAYLOAD_LINES }, () =>
    randomBytes(Math.ceil((size * 3) / 4) + 3)
      .toString('base64')
      .slice(0, size),
  );
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/** b's node as timeCopy watches it (its log goes to this process's stderr). */
function nodeOfB(mesh: WanMesh): CopyContender {
  return {
    name: "b's geomesh node",
    pid: mesh.pid('b'),
    get state() {
      return mesh.isRunning('b') ? 'running' : 'exited';
    },
    logTail: () => '(its log is above, lines starting with [b])',
  };
}

/**
 * b's /metrics, asked again for up to 10 s while its endpoint refuses: b's node restarts its parts for a new
 * topology version, and a copy's first look can fall in that moment.
 */
async function metricsOfB(mesh: WanMesh): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await mesh.metrics('b');
    } catch (err) {
      if (attempt >= 50) throw err;
      await sleep(200);
    }
  }
}

async function switchesOfB(mesh: WanMesh): Promise<number> {
  return metricSum(await metricsOfB(mesh), 'geomesh_link_path_switches_total', 'from="a"');
}

/** Whether b's link from a is on the stream path now. */
export async function isStreaming(mesh: WanMesh): Promise<boolean> {
  return metricSum(await metricsOfB(mesh), 'geomesh_link_path{', 'from="a",to="b",path="stream"') === 1;
}

/** Bytes the proxies in front of a's cluster and a's node delivered so far (to b's side). */
export interface ProxiedBytes {
  cluster: number;
  node: number;
}

export function proxiedBytes(mesh: WanMesh): ProxiedBytes {
  return { cluster: mesh.env.wan('a').bytes.down, node: mesh.peerProxy('a').bytes.down };
}

/**
 * Fails loudly when a copy of `bytes` bytes of records did not cross the proxies: MirrorMaker 2 and a pulling
 * link fetch a's record batches as stored (uncompressed), so at least their bytes; a stream, something.
 */
export function assertProxied(
  contender: WanContender,
  before: ProxiedBytes,
  after: ProxiedBytes,
  bytes: number,
): void {
  const fromCluster = after.cluster - before.cluster;
  if (contender !== 'stream' && fromCluster < LEAST_PROXIED_SHARE * bytes)
    throw new Error(
      `${contender}: ${fromCluster} bytes came through the WAN proxy in front of a's cluster for ${bytes} bytes ` +
        'of records copied: it did not read a through the proxy (check its bootstrap servers)',
    );
  // Streamed records are compressed (base64 values: to about 3/4), never to a tenth.
  if (contender === 'stream' && after.node - before.node < bytes / 10)
    throw new Error(
      `stream: ${after.node - before.node} bytes came through the proxy in front of a's node for ${bytes} bytes ` +
        'of records copied: the link did not stream them',
    );
}

/**
 * MirrorMaker 2 copying `topic` a → b, its consumer bootstrapped at the WAN listener of a's cluster (the proxy),
 * its producer writing to b direct; `tuned`: MIRROR_THROUGHPUT_SETTINGS.
 */
export function startMirrorThroughWan(bench: WanBench, topic: string, tuned: boolean): ManagedProcess {
  const mirror = startMirrorMaker({
    classpath: bench.classpath,
    dir: bench.dir,
    source: bench.mesh.env.wanBootstrapServers('a'),
    target: bench.mesh.env.cluster('b').bootstrapServers,
    topics: topic,
    tasks: bench.config.partitions,
    tuned,
    heap: bench.config.heap,
  });
  bench.live.add(mirror);
  return mirror;
}

/** Copies one backlog with `contender` at `delayMs` each way; the topics are deleted afterwards. */
export async function copyBacklog(
  bench: WanBench,
  contender: WanContender,
  run: number,
  delayMs: number,
  payloadFile: string,
): Promise<BacklogFigures> {
  const { mesh, config } = bench;
  const { records, valueBytes, partitions } = config;
  const topic =
    contender === 'mirrormaker' ? `mirror-r${run}-d${delayMs}` : `wan-${contender}-r${run}-d${delayMs}`;
  for (const proxy of mesh.between('a', 'b')) proxy.setDelay(delayMs);
  // The target topic too: the copy is timed by polling b's end offsets, which cannot be read before it exists
  // (MirrorMaker 2 at 0 ms copied the whole backlog before b's topic was first seen: no rate).
  await createTopics(mesh.kafka['a']!, [topic], partitions);
  await createTopics(mesh.kafka['b']!, [topic], partitions);
  const writer = startProducerPerf({
    classpath: bench.classpath,
    dir: bench.dir,
    brokers: mesh.env.cluster('a').bootstrapServers,
    topic,
    records,
    size: valueBytes,
    payloadFile,
    properties: PRODUCER_PERF_SETTINGS,
    heap: config.heap,
  });
  bench.live.add(writer);
  await finished(writer);
  bench.live.delete(writer);

  const before = proxiedBytes(mesh);
  let copy;
  let switches = 0;
  if (contender === 'mirrormaker') {
    const mirror = startMirrorThroughWan(bench, topic, true);
    try {
      copy = await timeCopy(mirror, mesh.kafka['b']!, topic, records, valueBytes);
    } finally {
      await mirror.stop(15_000);
      bench.live.delete(mirror);
    }
  } else {
    const switchesBefore = await switchesOfB(mesh);
    await applyVersion(mesh, [IDLE_TOPIC, topic], contender);
    copy = await timeCopy(nodeOfB(mesh), mesh.kafka['b']!, topic, records, valueBytes);
    switches = Math.max(0, (await switchesOfB(mesh)) - switchesBefore);
    if (contender === 'stream' && !(await isStreaming(mesh))) switches++;
    await applyVersion(mesh, [IDLE_TOPIC], 'stream');
  }
  const after = proxiedBytes(mesh);
  const bytes = records * valueBytes;
  assertProxied(contender, before, after, bytes);
  const wanBytes = after.cluster - before.cluster + after.node - before.node;
  await Promise.all([deleteTopics(mesh.kafka['a']!, topic), deleteTopics(mesh.kafka['b']!, topic)]);
  return {
    contender,
    run,
    delayMs,
    records,
    recordsPerSecond: copy.recordsPerSecond,
    secondsToFirstRecord: copy.secondsToFirstRecord,
    wanBytes,
    wanBytesPerRecordByte: wanBytes / bytes,
    recordsInTarget: copy.recordsInTarget,
    switches,
    loadAverage: loadavg()[0]!,
  };
}
