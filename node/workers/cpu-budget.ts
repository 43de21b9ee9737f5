/**
 * How many cores this process may use: the CPUs it may be scheduled on (`os.availableParallelism()`, which
 * honours `taskset` and a container's cpuset), capped by its cgroup's CPU quota when one is set (a container's
 * CPU limit: cgroup v2 `cpu.max`, or v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us`), rounded up. Node reports
 * the affinity only, so a pod limited to 2 CPUs on a 64-core machine would otherwise count 64.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** Cores a quota allows (rounded up, at least 1), or undefined when there is no quota ("max", -1). */
export function coresOfQuota(quota: number, period: number): number | undefined {
  if (!Number.isFinite(quota) || quota <= 0 || !Number.isFinite(period) || period <= 0) return undefined;
  return Math.max(1, Math.ceil(quota / period));
}

/** The cores of cgroup v2's `cpu.max` ("max 100000" or "200000 100000"), or undefined. */
export function coresOfCpuMax(text: string): number | undefined {
  const [quota, period] = text.trim().split(/\s+/);
  if (quota === undefined || quota === 'max') return undefined;
  return coresOfQuota(Number(quota), Number(period ?? 100_000));
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The CPU quota of this process's cgroup, in cores, where the usual mount points show one. */
export function cgroupCores(root = '/sys/fs/cgroup'): number | undefined {
  const v2 = read(`${root}/cpu.max`);
  if (v2 !== undefined) return coresOfCpuMax(v2);
  for (const dir of [`${root}/cpu`, `${root}/cpu,cpuacct`]) {
    const quota = read(`${dir}/cpu.cfs_quota_us`);
    const period = read(`${dir}/cpu.cfs_period_us`);
    if (quota !== undefined && period !== undefined) return coresOfQuota(Number(quota), Number(period));
  }
  return undefined;
}

/** The cores this process may use: its CPU affinity, capped by its cgroup's CPU quota. */
export function cpuBudget(): number {
  const affinity = availableParallelism();
  const quota = cgroupCores();
  return quota === undefined ? affinity : Math.min(affinity, quota);
}
