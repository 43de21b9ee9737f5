import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { cgroupCores, coresOfCpuMax, coresOfQuota, cpuBudget } from '../../../../node/workers/index.ts';

describe('cpu budget', () => {
  it("cgroup v2's cpu.max: a quota in cores, rounded up; none for max", () => {
    assert.equal(coresOfCpuMax('max 100000\n'), undefined);
    assert.equal(coresOfCpuMax('200000 100000\n'), 2);
    assert.equal(coresOfCpuMax('150000 100000'), 2);
    assert.equal(coresOfCpuMax('50000 100000'), 1);
    assert.equal(coresOfCpuMax(''), undefined);
  });

  it('a quota allows ceil(quota / period) cores, at least 1; -1 or nonsense is no quota', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.integer({ min: 1_000, max: 1_000_000 }),
        (q, p) => {
          const cores = coresOfQuota(q, p)!;
          assert.ok(cores >= 1 && cores * p >= q && (cores - 1) * p < Math.max(q, p));
        },
      ),
    );
    for (const [q, p] of [
      [-1, 100_000],
      [Number.NaN, 100_000],
      [100_000, 0],
    ])
      assert.equal(coresOfQuota(q!, p!), undefined);
  });

  it('reads v2 first, then v1 (cpu or cpu,cpuacct); no file, no quota', () => {
    const root = mkdtempSync(join(tmpdir(), 'geomesh-cgroup-'));
    try {
      assert.equal(cgroupCores(root), undefined);
      mkdirSync(join(root, 'cpu,cpuacct'));
      writeFileSync(join(root, 'cpu,cpuacct', 'cpu.cfs_quota_us'), '300000\n');
      writeFileSync(join(root, 'cpu,cpuacct', 'cpu.cfs_period_us'), '100000\n');
      assert.equal(cgroupCores(root), 3);
      writeFileSync(join(root, 'cpu.max'), '100000 100000\n');
      assert.equal(cgroupCores(root), 1);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("this process's budget is at least 1 and never above its CPU affinity", () => {
    const budget = cpuBudget();
    assert.ok(budget >= 1 && budget <= availableParallelism());
  });
});
