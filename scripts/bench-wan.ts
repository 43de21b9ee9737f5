/**
 * WAN benchmark: one link a → b, every cross-region connection through the WAN proxy
 * (test/harness/wan-proxy.ts; a mesh of two regions as test/support/wan-mesh.ts runs it), at each one-way
 * delay asked for. Figures are printed, never asserted. `npm run bench:wan -- --help` lists the flags.
 *
 * Backlog mode (the default; scripts/bench/wan-backlog.ts): for each run, each delay and each contender in
 * turn (the same order every run, A B C A B C, so that the machine's noise reaches all alike), N records of
 * 1 KiB (values drawn from 10,000 random base64 strings) preloaded into a topic of a with P partitions, then
 * the contender started and timed from its first copied record to the last in b: geomesh pulling a's
 * cluster, geomesh streaming from a's node (only the link a → b runs, b's node following etcd's topology;
 * a version adds the topic to its link), and Apache MirrorMaker 2 in dedicated mode whose consumer reads a's
 * cluster through the same proxy (its bootstrap is the proxied listener; the proxy's byte counters must show
 * the records' bytes, else the run fails). Printed: the median of the runs, each contender at a delay against
 * itself at 0 ms, geomesh against MirrorMaker 2 at the same delay, WAN bytes per record byte; then end-to-end
 * latency at a fixed rate (CreateTime → arrival in b, p50/p99) of each contender at each delay (scripts/bench/
 * wan-latency.ts). Live mode (`--mode live`, scripts/bench/wan-live.ts): geomesh alone, timed while writing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ManagedProcess } from '../test/harness/index.ts';
import { IDLE_TOPIC, copyBacklog, writePayloadFile, type WanBench } from './bench/wan-backlog.ts';
import { latencyAt } from './bench/wan-latency.ts';
import { runLive } from './bench/wan-live.ts';
import { WAN_HELP, WAN_USAGE, WanUsageError, parseWanOptions, type WanConfig } from './bench/wan-options.ts';
import {
  renderBacklog,
  renderLatency,
  summariseBacklog,
  type BacklogFigures,
  type LatencyRow,
} from './bench/wan-report.ts';
import { startBenchMesh, startOneWay } from './bench/wan-versions.ts';

const log = (line: string): void => void process.stderr.write(`[bench:wan] ${line}\n`);
const load = (): number => Number((loadavg()[0] ?? 0).toFixed(2));

function parse(): WanConfig {
  try {
    return parseWanOptions(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof WanUsageError)) throw err;
    console.error(`bench:wan: ${err.message}\n${WAN_USAGE}`);
    process.exit(2);
  }
}

async function runBacklog(config: WanConfig): Promise<void> {
  const { ensureKafkaJars, ensureMirrorJars, removeAtExit } = await import('../test/harness/index.ts');
  await ensureKafkaJars(undefined, log);
  const classpath = await ensureMirrorJars(undefined, log);
  const loadAtStart = load();
  log(
    `${cpus().length} cores (${cpus()[0]?.model.trim() ?? '?'}), load average ${loadAtStart}; ` +
      `${config.runs} run(s) of ${config.records} records of ${config.valueBytes} B, ${config.partitions} partitions, ` +
      `delays ${config.delaysMs.join(', ')} ms each way, ${config.contenders.join(', ')}, ` +
      `geomesh on ${config.workers} worker thread(s)`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'geomesh-bench-wan-'));
  removeAtExit(dir);
  const mesh = await startBenchMesh(IDLE_TOPIC, config.workers, 'full');
  const live = new Set<ManagedProcess>();
  const bench: WanBench = { mesh, config, classpath, dir, live, log };
  const backlog: BacklogFigures[] = [];
  const latency: LatencyRow[] = [];
  try {
    await startOneWay(mesh, IDLE_TOPIC);
    const payloadFile = writePayloadFile(dir, config.valueBytes);
    for (let run = 1; run <= config.runs; run++)
      for (const delayMs of config.delaysMs)
        for (const contender of config.contenders) {
          const f = await copyBacklog(bench, contender, run, delayMs, payloadFile);
          backlog.push(f);
          log(
            `run ${run}, ${contender} at ${delayMs} ms each way: ${Math.round(f.recordsPerSecond)} records/s, ` +
              `${f.wanBytesPerRecordByte.toFixed(3)} WAN bytes per record byte` +
              (f.recordsInTarget !== f.records ? `, b holds ${f.recordsInTarget} of ${f.records}!` : '') +
              (f.switches > 0 ? `, ${f.switches} path switch(es)` : '') +
              ` (load ${f.loadAverage.toFixed(2)})`,
          );
        }
    if (config.latencySeconds > 0)
      for (const delayMs of config.delaysMs)
        for (const contender of config.contenders) {
          const row = await latencyAt(bench, contender, delayMs);
          latency.push(row);
          log(
            `latency, ${contender} at ${delayMs} ms each way: p50 ${row.p50Ms} ms, p99 ${row.p99Ms} ms ` +
              `(${row.received} of ${row.produced} received; load ${load()})`,
          );
        }
  } finally {
    await Promise.allSettled([...live].map((p) => p.stop(15_000)));
    await mesh.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const medians = summariseBacklog(backlog);
  const loadAtEnd = load();
  const out = config.isJson ? (line: string) => process.stderr.write(line + '\n') : console.log;
  out(
    `\nOne link a → b through the WAN proxy, ${config.records.toLocaleString('en-US')} records of ` +
      `${config.valueBytes} B preloaded, ${config.partitions} partitions, median of ${config.runs} run(s); ` +
      `${cpus().length} cores; load average ${loadAtStart} at start, ${loadAtEnd} at end.\n`,
  );
  out(renderBacklog(medians));
  if (latency.length > 0) {
    out(
      `End-to-end latency, ${config.latencyRate.toLocaleString('en-US')} records/s of ${config.valueBytes} B ` +
        `for ${config.latencySeconds} s (CreateTime → received by a consumer of b):\n`,
    );
    out(renderLatency(latency));
  }
  if (config.isJson)
    process.stdout.write(
      JSON.stringify({
        mode: 'backlog',
        settings: config,
        cores: cpus().length,
        loadAverage: { start: loadAtStart, end: loadAtEnd },
        medians,
        latency,
        runs: backlog,
      }) + '\n',
    );
}

const config = parse();
if (config.isHelp) {
  console.log(WAN_HELP);
  process.exit(0);
}
const started = load();
try {
  if (config.mode === 'live') {
    log(`load average ${started} at start`);
    await runLive(config, log);
    log(`load average ${load()} at end`);
  } else await runBacklog(config);
} catch (err) {
  console.error(err);
  process.exitCode = 1;
}
