/**
 * The peer record stream under faults, as the operator's worst days bring them: a two-region mesh (a, b)
 * whose every cross-region connection goes through a WAN proxy (`--delay-ms` each way, default 40: an 80 ms
 * round trip), its links on `transport: stream`, both regions writing 1 KiB records all along. Faults, one
 * after the other, on the source side of b's link from a:
 *
 *   kill      a's node killed with kill -9, then started again (`--kills` times, default 5);
 *   cut       the proxy in front of a's node cut (connections refused) for `--cut-seconds` (default 30),
 *             while the Kafka path between the regions stays up;
 *   blackhole the same proxy accepting and going silent (the stream stalls) for as long.
 *
 * For each, how long b's link took to switch to pulling a's cluster, and back to the stream once the fault
 * ended (the path from `geomesh_link_path`). Then the writers stop and every region's copy is audited: every
 * record of every origin exactly once, in order per origin and partition, nothing back in its origin.
 * Figures printed, and written as JSON with `--json FILE`; exit 1 when the audit fails, 2 on bad usage.
 *
 *   npm run chaos:stream [-- --kills 5 --cut-seconds 30 --delay-ms 40 --workers 2 --json out.json]
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { metricSum, waitFor } from '../test/support/polling.ts';
import { WanMesh, Writers, auditConverged } from '../test/support/wan-mesh.ts';

const HELP = `npm run chaos:stream [-- options]

The peer record stream under faults: a two-region mesh through WAN proxies, links on transport: stream,
both regions writing; a's node killed (kill -9) and restarted, the proxy in front of it cut, then
blackholed; the time each switch of b's link took; every record audited (exactly once, in order).

  --kills N          kill -9 rounds of a's node (default 5)
  --cut-seconds S    how long the cut and the blackhole last (default 30)
  --delay-ms MS      one-way delay of every proxy (default 40: an 80 ms round trip)
  --rate N           records per second each region writes (default 500)
  --workers N        worker threads of each node (default 1: the data path on the main thread); with more,
                     each worker streams its own partitions through its node
  --json FILE        also write the figures as JSON
  --help             this text

Exit: 0 the audit passed, 1 it failed (or a switch did not happen within 90 s), 2 bad usage.`;

function usage(message: string): never {
  console.error(`chaos:stream: ${message}\n\n${HELP}`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      kills: { type: 'string', default: '5' },
      'cut-seconds': { type: 'string', default: '30' },
      'delay-ms': { type: 'string', default: '40' },
      rate: { type: 'string', default: '500' },
      workers: { type: 'string', default: '1' },
      json: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  }));
} catch (err) {
  usage((err as Error).message);
}
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const wholeAtLeast = (name: string, text: string, min: number): number => {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min) usage(`--${name} must be a whole number ≥ ${min}, got "${text}"`);
  return n;
};
const kills = wholeAtLeast('kills', values.kills, 0);
const cutMs = wholeAtLeast('cut-seconds', values['cut-seconds'], 1) * 1_000;
const delayMs = wholeAtLeast('delay-ms', values['delay-ms'], 0);
const rate = wholeAtLeast('rate', values.rate, 10);
const workers = wholeAtLeast('workers', values.workers, 1);

const REGIONS = ['a', 'b'] as const;
const TOPIC = 'stream-faults';
/** Bound on one switch: the stream's silence bound and a retry, with a wide margin for a loaded machine. */
const SWITCH_BOUND_MS = 90_000;
const BATCH = 50;

interface Switch {
  fault: string;
  round: number;
  /** Seconds from the fault to b's link pulling, and from the fault's end to its streaming again. */
  toPullS: number;
  toStreamS: number;
}

const mesh = await WanMesh.start({
  mesh: 'stream-faults',
  regions: REGIONS,
  topics: [TOPIC],
  topicPattern: TOPIC,
  etcdProxied: [],
  delayMs,
  defaults: ['options: { transport: stream }'],
  key: randomBytes(32).toString('hex'),
  nodeArgs: ['--workers', String(workers)],
});
let exitCode = 0;
try {
  const pathOf = async (): Promise<string> => {
    const text = await mesh.metrics('b').catch(() => '');
    for (const path of ['stream', 'pull'])
      if (metricSum(text, 'geomesh_link_path{', `from="a",to="b",path="${path}"`) === 1) return path;
    return 'none';
  };
  /** Seconds until b's link from a is on `path`. */
  const secondsUntil = async (path: string, since: number): Promise<number> => {
    await waitFor(async () => (await pathOf()) === path, {
      timeoutMs: SWITCH_BOUND_MS,
      intervalMs: 100,
      what: `b's link from a on the ${path} path`,
    });
    return Math.round((performance.now() - since) / 100) / 10;
  };
  const switches: Switch[] = [];
  const say = (s: Switch) => {
    switches.push(s);
    console.error(
      `[chaos:stream] ${s.fault} ${s.round}: pulling after ${s.toPullS} s, streaming again ${s.toStreamS} s after it ended`,
    );
  };
  await secondsUntil('stream', performance.now());
  const writers = await new Writers(mesh.kafka, TOPIC, {
    regions: REGIONS,
    batch: BATCH,
    intervalMs: Math.max(1, Math.round((1_000 * BATCH) / rate)),
    valueBytes: 1_024,
  }).start();
  const startedAt = performance.now();
  await sleep(3_000);
  for (let round = 1; round <= kills; round++) {
    const at = performance.now();
    await mesh.signal('a', 'SIGKILL');
    const toPullS = await secondsUntil('pull', at);
    await sleep(2_000);
    const back = performance.now();
    mesh.startNode('a');
    await mesh.waitReady('a');
    say({ fault: 'kill -9', round, toPullS, toStreamS: await secondsUntil('stream', back) });
  }
  for (const fault of ['cut', 'blackhole'] as const) {
    const proxy = mesh.peerProxy('a');
    const at = performance.now();
    if (fault === 'cut') proxy.cut();
    else proxy.blackhole();
    const toPullS = await secondsUntil('pull', at);
    await sleep(Math.max(0, cutMs - (performance.now() - at)));
    const healed = performance.now();
    proxy.heal();
    say({ fault, round: 1, toPullS, toStreamS: await secondsUntil('stream', healed) });
  }
  await writers.stop();
  const seconds = (performance.now() - startedAt) / 1_000;
  const text = await mesh.metrics('b');
  const switchesCounted = metricSum(text, 'geomesh_link_path_switches_total', 'from="a"');
  const audits = await auditConverged(mesh, writers, 180_000);
  const summary = {
    delayMs,
    kills,
    cutSeconds: cutMs / 1_000,
    seconds: Math.round(seconds),
    written: { ...writers.written },
    held: Object.fromEntries(REGIONS.map((r) => [r, audits[r]!.total])),
    duplicates: Object.fromEntries(REGIONS.map((r) => [r, audits[r]!.duplicates])),
    loops: Object.fromEntries(REGIONS.map((r) => [r, audits[r]!.loops])),
    orderKept: REGIONS.every((r) => audits[r]!.isOrderKept),
    switchesCounted,
    switches,
    workers,
  };
  console.log(
    `stream under faults: ${delayMs} ms each way, ${seconds.toFixed(0)} s of writes, 1 KiB records, ` +
      `${workers} worker thread${workers === 1 ? '' : 's'} per node`,
  );
  console.log('fault      round  to pull (s)  back to stream (s)');
  for (const s of switches)
    console.log(
      `${s.fault.padEnd(11)}${String(s.round).padEnd(7)}${String(s.toPullS).padEnd(13)}${s.toStreamS}`,
    );
  console.log(
    `written a ${writers.written['a']}, b ${writers.written['b']}; held a ${summary.held['a']}, b ${summary.held['b']}; ` +
      `duplicates 0, loops 0, order kept (audited); b's link switched paths ${switchesCounted} times`,
  );
  if (values.json) writeFileSync(values.json, `${JSON.stringify(summary, null, 2)}\n`);
} catch (err) {
  console.error(`[chaos:stream] FAILED: ${(err as Error).stack ?? String(err)}`);
  exitCode = 1;
} finally {
  await mesh.stop();
}
process.exit(exitCode);
