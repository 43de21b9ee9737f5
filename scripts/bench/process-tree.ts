/**
 * CPU time and memory of a whole process tree, read from /proc (Linux): a contender is measured with every
 * process it started (a JVM's threads are one process; a Node process's workers too).
 */
import { readdirSync, readFileSync } from 'node:fs';

/** /proc reports CPU times in clock ticks of 1/100 s on Linux. */
const TICKS_PER_SECOND = 100;

interface ProcStat {
  ppid: number;
  /** utime + stime + cutime + cstime, in ticks: its own CPU and that of its children it has reaped. */
  ticks: number;
}

function statOf(pid: number): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      ppid: Number(fields[1]),
      ticks: Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]),
    };
  } catch {
    return undefined; // gone since the listing
  }
}

/** `root` and all its live descendants. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = statOf(pid);
    if (!stat) continue;
    const siblings = children.get(stat.ppid) ?? [];
    siblings.push(pid);
    children.set(stat.ppid, siblings);
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}

/** User + system CPU seconds of the tree under `root` (0 for a process that is gone). */
export function treeCpuSeconds(root: number): number {
  return processTree(root).reduce((sum, pid) => sum + (statOf(pid)?.ticks ?? 0), 0) / TICKS_PER_SECOND;
}

function statusKib(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** The CPU time of several process trees (e.g. both brokers), in seconds. */
export function treesCpuSeconds(roots: readonly number[]): number {
  return roots.reduce((sum, root) => sum + treeCpuSeconds(root), 0);
}

/** The whole machine's CPU time since boot, all cores: busy (anything but idle and iowait) and in all, in ticks. */
export interface MachineTicks {
  busy: number;
  total: number;
}

export function machineTicks(): MachineTicks {
  // The first line of /proc/stat: "cpu  user nice system idle iowait irq softirq steal guest guest_nice".
  const fields = readFileSync('/proc/stat', 'utf8')
    .split('\n', 1)[0]!
    .trim()
    .split(/\s+/)
    .slice(1, 9)
    .map(Number);
  const total = fields.reduce((sum, t) => sum + t, 0);
  return { busy: total - fields[3]! - fields[4]!, total };
}

/** The share of the machine's cores that was busy between two readings (0–1). */
export function busyShare(from: MachineTicks, to: MachineTicks): number {
  const total = to.total - from.total;
  return total > 0 ? (to.busy - from.busy) / total : 0;
}

/** Resident bytes of the tree under `root` now. */
export function treeRssBytes(root: number): number {
  return processTree(root).reduce((sum, pid) => sum + statusKib(pid, 'VmRSS') * 1024, 0);
}

/**
 * Peak resident bytes of the tree under `root`: the larger of the sum of its processes' own peaks (VmHWM,
 * an upper bound for a tree of several) and the largest sum of resident sets seen by `sample()`.
 */
export class PeakRss {
  readonly #root: number;
  #sampled = 0;

  constructor(root: number) {
    this.#root = root;
  }

  sample(): void {
    this.#sampled = Math.max(this.#sampled, treeRssBytes(this.#root));
  }

  bytes(): number {
    const own = processTree(this.#root).reduce((sum, pid) => sum + statusKib(pid, 'VmHWM') * 1024, 0);
    return Math.max(own, this.#sampled);
  }
}
