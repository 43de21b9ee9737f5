/**
 * bench:wan's live mode (`--mode live`): b's node starts again on a topology whose links pull, or stream, and
 * once b's link is on that path (a streaming link may pull for its first seconds, until a's node answers its
 * heartbeats) N records are written into a as fast as one producer writes them (batches of 1,000, acks from
 * every replica). The clock starts with the writes and stops when b has written all N: records/s is N over
 * that span, printed beside the producer's own rate (a link as fast as the producer is bounded by it). The WAN
 * bytes (what the proxies in front of a's cluster and a's node delivered to b) per byte of records written
 * (key and value) are taken over the same span. The values are the record's number padded with one repeated
 * character, so they compress far better than real payloads: the stream's figure is a floor.
 */
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { metricSum } from '../../test/support/polling.ts';
import { pullTopologyFile } from '../../test/support/stream-mesh.ts';
import { Writers, type WanMesh } from '../../test/support/wan-mesh.ts';
import type { WanConfig } from './wan-options.ts';
import { startBenchMesh } from './wan-versions.ts';

const TOPIC = 'wan-bench';
const POLL_MS = 100;
const RUN_TIMEOUT_MS = 10 * 60_000;

interface RunFigures {
  path: 'pull' | 'stream';
  delayMs: number;
  records: number;
  seconds: number;
  recordsPerSecond: number;
  producerRecordsPerSecond: number;
  wanBytes: number;
  writtenBytes: number;
  wanBytesPerWrittenByte: number;
  switches: number;
  loadAverage: number;
}

/** Runs the live mode with `config` (its records, delays, value size, --json). */
export async function runLive(config: WanConfig, log: (line: string) => void): Promise<void> {
  const { records, delaysMs, valueBytes } = config;
  log(`starting two regions through the WAN proxy (${records} records of ${valueBytes} B per run)`);
  const mesh = await startBenchMesh(TOPIC, config.workers);
  const pullFile = pullTopologyFile(mesh);
  const writers = await new Writers(mesh.kafka, TOPIC, {
    regions: ['a', 'b'],
    batch: 0,
    intervalMs: 0,
    valueBytes,
    isLooping: false,
  }).start();
  /** What the proxies in front of a's cluster and a's node delivered (to b's node: a's node reads direct). */
  const wanBytes = () => mesh.env.wan('a').bytes.down + mesh.peerProxy('a').bytes.down;
  const figures: RunFigures[] = [];
  try {
    for (const path of ['pull', 'stream'] as const) {
      for (const delayMs of delaysMs) {
        await mesh.stopNode('b');
        for (const proxy of mesh.between('a', 'b')) proxy.setDelay(delayMs);
        mesh.startNode('b', path === 'pull' ? pullFile : undefined);
        await mesh.waitReady('b');
        const f = await measure(records, mesh, path, delayMs, wanBytes, () => writers.burst('a', records));
        figures.push(f);
        log(
          `${path} at ${delayMs} ms each way: ${f.recordsPerSecond.toFixed(0)} records/s ` +
            `(producer ${f.producerRecordsPerSecond.toFixed(0)}/s), ` +
            `${f.wanBytesPerWrittenByte.toFixed(3)} WAN bytes per written byte (load ${f.loadAverage.toFixed(1)})`,
        );
      }
    }
  } finally {
    await writers.stop();
    await mesh.stop();
  }
  if (config.isJson) {
    process.stdout.write(JSON.stringify({ records: records, valueBytes, runs: figures }) + '\n');
    return;
  }
  console.log(`\none link a → b, ${records} records of ${valueBytes} B (padded values, very compressible)`);
  console.log(
    'path    one-way delay  records/s  producer/s  × same path at 0 ms  WAN bytes / written byte  switches',
  );
  for (const f of figures) {
    const base = figures.find((g) => g.path === f.path && g.delayMs === 0);
    console.log(
      [
        f.path.padEnd(7),
        `${f.delayMs} ms`.padEnd(14),
        f.recordsPerSecond.toFixed(0).padEnd(10),
        f.producerRecordsPerSecond.toFixed(0).padEnd(11),
        (base ? (f.recordsPerSecond / base.recordsPerSecond).toFixed(2) : '-').padEnd(20),
        f.wanBytesPerWrittenByte.toFixed(3).padEnd(25),
        String(f.switches),
      ].join(' '),
    );
  }
}

/** Waits for b's link to take `path`, then writes the records (`write`) and times them into b. */
async function measure(
  count: number,
  mesh: WanMesh,
  path: 'pull' | 'stream',
  delayMs: number,
  wanBytes: () => number,
  write: () => Promise<void>,
): Promise<RunFigures> {
  const deadline = Date.now() + RUN_TIMEOUT_MS;
  const read = async () => {
    const text = await mesh.metrics('b');
    return {
      records: metricSum(text, 'geomesh_replicated_records_total', 'from="a"'),
      bytes: metricSum(text, 'geomesh_replicated_bytes_total', 'from="a"'),
      onPath: metricSum(text, 'geomesh_link_path{', `from="a",to="b",path="${path}"`) === 1,
      switches: metricSum(text, 'geomesh_link_path_switches_total', 'from="a"'),
    };
  };
  let at = await read();
  // A pulling link reports no path metric; a streaming one reports the path it is on.
  while (path === 'stream' && !at.onPath) {
    if (Date.now() > deadline) throw new Error(`b's link from a did not take the ${path} path in time`);
    await sleep(POLL_MS);
    at = await read();
  }
  const start = { ms: performance.now(), wan: wanBytes(), ...at };
  let producerSeconds = NaN;
  const writing = write().then(() => (producerSeconds = (performance.now() - start.ms) / 1000));
  while (at.records - start.records < count) {
    if (Date.now() > deadline)
      throw new Error(`b wrote ${at.records - start.records} of ${count} records in time`);
    await sleep(POLL_MS);
    at = await read();
  }
  await writing;
  const seconds = (performance.now() - start.ms) / 1000;
  const wan = wanBytes() - start.wan;
  const written = at.bytes - start.bytes;
  const records = at.records - start.records;
  return {
    path,
    delayMs,
    records,
    seconds,
    recordsPerSecond: records / seconds,
    producerRecordsPerSecond: count / producerSeconds,
    wanBytes: wan,
    writtenBytes: written,
    wanBytesPerWrittenByte: written > 0 ? wan / written : NaN,
    switches: at.switches,
    loadAverage: loadavg()[0]!,
  };
}
