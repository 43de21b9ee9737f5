/**
 * The flags of `npm run bench:mirrormaker`, parsed and checked when this module is loaded: a bad value is one
 * line naming the flag, the value and what to give instead (exit 2), before any server starts.
 */
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { parseScriptArgs } from '../script-args.ts';
import { findEntryPoint } from './mirror-contenders.ts';

const HELP = `npm run bench:mirrormaker [-- options]

  --runs N              runs per size; figures are medians (default 3; 0: the latency part alone)
  --sizes LIST          value sizes in bytes (default 100,1024)
  --records N           records per copy for every size (default 1,000,000 under 1 KiB, 500,000 from it)
  --partitions P        partitions of each topic; MirrorMaker 2's tasks.max (default 6)
  --cores LIST          cores geomesh is pinned to, one run each (default 1,2; more than the machine has
                        are left out)
  --workers N|cores     worker threads of every geomesh node: a number, or "cores" (as many as the cores
                        it is pinned to; the latency parts, unpinned: the machine's); default the node's
                        own (NODE_DEFAULTS.workers: auto)
  --contenders LIST     which to run: limit,mirrormaker,geomesh (default all three), and floor: in the
                        latency parts, the measuring producer and consumer without a replicator (the
                        consumer reads a), the one hop no replicator can beat
  --latency-rate R      records/s for the latency part (default 1000)
  --latency-seconds S   its length; 0 skips it (default 20)
  --latency-size B      its value size (default 1024)
  --latency-alone       measures that part one contender at a time (default all at once)
  --latency-rounds N    that part N times, the order rotating (alone: A → B, B → A, …); each contender's
                        median round by p99 is reported, and every round (default 1)
  --latency-mirror-tuned  MirrorMaker 2 in the latency parts with the copies' throughput settings (default:
                        its own defaults)
  --half-rate-seconds S latency again at half of MirrorMaker 2's median rate at --latency-size in this
                        run, each contender alone, for S s; 0 skips it (default 20; needs mirrormaker
                        among --contenders, --latency-size among --sizes and --runs ≥ 1)
  --heap FLAGS          heap flags of every JVM besides the brokers (default "-Xms256m -Xmx1g")
  --out PATH            writes PATH.json and PATH.md (default .cache/bench/mirrormaker)
  --cpu-prof DIR        geomesh nodes run with node --cpu-prof into DIR (profiling slows them: the figures
                        of such a run are not comparable); summarise with scripts/bench/cpu-profile-summary.ts
  --baseline DIR        another geomesh checkout (with its node_modules) run beside this one as contender
                        "baseline", same cores, same brokers, alternating: an A/B of two versions in one run
  --node-args=ARGS      extra Node flags for every geomesh node (e.g. --node-args=--trace-gc; its output goes to
                        the node's log, kept with --keep)
  --keep                keeps the work folder (configurations and every process's log) and says where
  --help                this text

Other work on the machine skews absolute figures: compare contenders within one run (ratios).`;

export const { values } = parseScriptArgs('bench:mirrormaker', {
  options: {
    runs: { type: 'string', default: '3' },
    sizes: { type: 'string', default: '100,1024' },
    records: { type: 'string' },
    partitions: { type: 'string', default: '6' },
    cores: { type: 'string', default: '1,2' },
    workers: { type: 'string' },
    contenders: { type: 'string', default: 'limit,mirrormaker,geomesh' },
    'latency-rate': { type: 'string', default: '1000' },
    'latency-seconds': { type: 'string', default: '20' },
    'latency-size': { type: 'string', default: '1024' },
    'half-rate-seconds': { type: 'string', default: '20' },
    'latency-alone': { type: 'boolean', default: false },
    'latency-rounds': { type: 'string', default: '1' },
    'latency-mirror-tuned': { type: 'boolean', default: false },
    heap: { type: 'string', default: '-Xms256m -Xmx1g' },
    out: { type: 'string', default: '.cache/bench/mirrormaker' },
    'cpu-prof': { type: 'string' },
    'node-args': { type: 'string', default: '' },
    baseline: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
  usage: HELP,
});

if (values.baseline && !findEntryPoint(resolve(values.baseline))) {
  console.error(
    `--baseline ${values.baseline}: not a geomesh checkout (no node/cli/bin.mjs there); give the folder of another checkout with its node_modules installed`,
  );
  process.exit(2);
}

function wholeNumber(name: string, text: string, min: number): number {
  const n = Number(text.replaceAll('_', '').replaceAll(',', ''));
  if (!Number.isInteger(n) || n < min) {
    console.error(`--${name} must be a whole number ≥ ${min}, got "${text}" (see --help)`);
    process.exit(2);
  }
  return n;
}

function list(name: string, text: string, min: number): number[] {
  return text
    .split(',')
    .filter((s) => s.trim() !== '')
    .map((s) => wholeNumber(name, s.trim(), min));
}

export const runs = wholeNumber('runs', values.runs, 0);
export const sizes = list('sizes', values.sizes, 1);
export const partitions = wholeNumber('partitions', values.partitions, 1);
export const machineCores = cpus().length;
export const requestedCores = list('cores', values.cores, 1);
export const coreCounts = requestedCores.filter((c) => c <= machineCores);
/** The worker threads of a node pinned to `cores`; undefined: the node's default. */
export const workersFor = (cores: number): number | undefined =>
  values.workers === undefined
    ? undefined
    : values.workers === 'cores'
      ? cores
      : wholeNumber('workers', values.workers, 1);
if (values.workers !== undefined) workersFor(1); // a bad value fails now, not after the backlog is written
export const contenders = new Set(values.contenders.split(',').map((s) => s.trim()));
for (const c of contenders)
  if (!['limit', 'mirrormaker', 'geomesh', 'floor'].includes(c)) {
    console.error(`--contenders takes limit, mirrormaker, geomesh and floor, got "${c}"`);
    process.exit(2);
  }
if (contenders.has('floor') && !contenders.has('mirrormaker') && !contenders.has('geomesh')) {
  console.error(
    '--contenders floor is measured beside a replicator in the latency parts: add mirrormaker or geomesh (e.g. --contenders geomesh,floor)',
  );
  process.exit(2);
}
export const recordsFor = (size: number): number =>
  values.records !== undefined
    ? wholeNumber('records', values.records, 1)
    : size < 1024
      ? 1_000_000
      : 500_000;
export const latency = {
  rate: wholeNumber('latency-rate', values['latency-rate'], 1),
  seconds: wholeNumber('latency-seconds', values['latency-seconds'], 0),
  size: wholeNumber('latency-size', values['latency-size'], 1),
  partitions,
};
export const latencyRounds = wholeNumber('latency-rounds', values['latency-rounds'], 1);
export const halfRateSeconds = wholeNumber('half-rate-seconds', values['half-rate-seconds'], 0);
export const nodeArgs = [
  ...(values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', resolve(values['cpu-prof'])] : []),
  ...values['node-args'].split(/\s+/).filter(Boolean),
];
