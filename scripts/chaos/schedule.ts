/**
 * The fault schedule of a chaos run: a pure function of the seed and the run's shape, so that the same seed
 * gives the same schedule. Faults come one at a time, each followed by a quiet period; the kinds rotate (every
 * kind once, in a seeded order, then again), and each fault's target and length are drawn within the bounds
 * of its kind (FAULT_BOUNDS). Nothing here touches a process: `scripts/chaos.ts` carries the schedule out.
 */
import { seededRandom } from '../../test/support/seeded-random.ts';

export type FaultKind =
  'kill-node' | 'pause-node' | 'restart-broker' | 'partition' | 'blackhole' | 'restart-etcd';

export const FAULT_KINDS: readonly FaultKind[] = [
  'kill-node',
  'pause-node',
  'restart-broker',
  'partition',
  'blackhole',
  'restart-etcd',
];

/**
 * How long each kind of fault lasts, ms (the drawn length is within [min, max]):
 * - kill-node: kill -9 of a node instance, restarted after the length;
 * - pause-node: kill -STOP of a node instance, kill -CONT after the length (over 2 lease TTLs at the top);
 * - restart-broker: kill -9 of a region's broker, started again after the length;
 * - partition: the WAN proxies of two regions (their Kafka listeners and nodes) cut for the length;
 * - blackhole: the WAN proxies of one region silent (connections accepted, nothing delivered) for the length;
 * - restart-etcd: kill -9 of etcd, started again after the length.
 */
export const FAULT_BOUNDS: Readonly<Record<FaultKind, { minMs: number; maxMs: number }>> = {
  'kill-node': { minMs: 2_000, maxMs: 15_000 },
  'pause-node': { minMs: 3_000, maxMs: 20_000 },
  'restart-broker': { minMs: 0, maxMs: 10_000 },
  partition: { minMs: 10_000, maxMs: 40_000 },
  blackhole: { minMs: 10_000, maxMs: 30_000 },
  'restart-etcd': { minMs: 2_000, maxMs: 12_000 },
};

/** The quiet period after each fault (and before the first), ms. */
export const QUIET_BOUNDS = { minMs: 10_000, maxMs: 30_000 };

export interface ScheduleOptions {
  seed: number;
  /** The length of the faulty part of the run, ms: no fault starts or lasts past it. */
  durationMs: number;
  /** The regions (broker restarts, partitions, blackholes). */
  regions: readonly string[];
  /** The node instances (kill -9, kill -STOP). */
  instances: readonly string[];
}

export interface Fault {
  /** ms from the start of the run. */
  atMs: number;
  kind: FaultKind;
  /** Instances (node faults), regions (the others), or nothing (etcd). */
  targets: string[];
  lengthMs: number;
}

/**
 * The schedule. A fault's slot is its length plus a bound for carrying it out and recovering (`slackMs`: a
 * restart takes seconds); the schedule ends where the next slot would not fit in `durationMs`.
 */
export function chaosSchedule(options: ScheduleOptions, slackMs = 15_000): Fault[] {
  const random = seededRandom(options.seed);
  const between = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const faults: Fault[] = [];
  let round: FaultKind[] = [];
  let at = between(QUIET_BOUNDS.minMs, QUIET_BOUNDS.maxMs);
  for (;;) {
    if (round.length === 0)
      round = FAULT_KINDS.map((kind) => ({ kind, key: random() }))
        .sort((x, y) => x.key - y.key)
        .map((x) => x.kind);
    const kind = round.shift()!;
    const bounds = FAULT_BOUNDS[kind];
    const lengthMs = between(bounds.minMs, bounds.maxMs);
    if (at + lengthMs + slackMs > options.durationMs) break;
    let targets: string[];
    if (kind === 'kill-node' || kind === 'pause-node') targets = [pick(options.instances)];
    else if (kind === 'partition') {
      const first = pick(options.regions);
      targets = [first, pick(options.regions.filter((r) => r !== first))].sort();
    } else if (kind === 'restart-etcd') targets = [];
    else targets = [pick(options.regions)];
    faults.push({ atMs: at, kind, targets, lengthMs });
    at += lengthMs + slackMs + between(QUIET_BOUNDS.minMs, QUIET_BOUNDS.maxMs);
  }
  return faults;
}

/** One line per fault: `+1m05s  partition a b for 23.4 s`. */
export function describeSchedule(faults: readonly Fault[]): string[] {
  return faults.map((f) => `${clock(f.atMs).padStart(7)}  ${describeFault(f)}`);
}

export function describeFault(f: Fault): string {
  const what = f.targets.length > 0 ? `${f.kind} ${f.targets.join(' ')}` : f.kind;
  return `${what} for ${(f.lengthMs / 1000).toFixed(1)} s`;
}

/** `+1m05s`. */
export function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `+${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}
