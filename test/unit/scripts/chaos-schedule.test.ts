/** The chaos run's schedule: the same seed gives the same schedule, and every fault stays within its bounds. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  FAULT_BOUNDS,
  FAULT_KINDS,
  QUIET_BOUNDS,
  chaosSchedule,
  type ScheduleOptions,
} from '../../../scripts/chaos/schedule.ts';

const SLACK_MS = 15_000;
const options = (seed: number, minutes = 30): ScheduleOptions => ({
  seed,
  durationMs: minutes * 60_000,
  regions: ['a', 'b', 'c'],
  instances: ['a', 'b', 'c', 'c-2'],
});

describe('chaos schedule', () => {
  it('the same seed gives the same schedule; another seed another one', () => {
    assert.deepEqual(chaosSchedule(options(7)), chaosSchedule(options(7)));
    assert.notDeepEqual(chaosSchedule(options(7)), chaosSchedule(options(8)));
  });

  it('every fault within the bounds of its kind, its targets and the run; quiet periods between them', () => {
    for (let seed = 0; seed < 200; seed++) {
      const o = options(seed, 1 + (seed % 30));
      const faults = chaosSchedule(o, SLACK_MS);
      let previousEnd = 0;
      for (const f of faults) {
        const bounds = FAULT_BOUNDS[f.kind];
        assert.ok(f.lengthMs >= bounds.minMs && f.lengthMs <= bounds.maxMs, `seed ${seed}: ${f.kind} length`);
        assert.ok(f.atMs - previousEnd >= QUIET_BOUNDS.minMs, `seed ${seed}: quiet before ${f.kind}`);
        assert.ok(f.atMs - previousEnd <= QUIET_BOUNDS.maxMs, `seed ${seed}: quiet before ${f.kind}`);
        assert.ok(
          f.atMs + f.lengthMs + SLACK_MS <= o.durationMs,
          `seed ${seed}: ${f.kind} ends within the run`,
        );
        if (f.kind === 'kill-node' || f.kind === 'pause-node') {
          assert.equal(f.targets.length, 1);
          assert.ok(o.instances.includes(f.targets[0]!));
        } else if (f.kind === 'partition') {
          assert.equal(new Set(f.targets).size, 2, `seed ${seed}: two different regions`);
          for (const r of f.targets) assert.ok(o.regions.includes(r));
        } else if (f.kind === 'restart-etcd') assert.deepEqual(f.targets, []);
        else assert.ok(f.targets.length === 1 && o.regions.includes(f.targets[0]!));
        previousEnd = f.atMs + f.lengthMs + SLACK_MS;
      }
    }
  });

  it('the kinds rotate: a 30-minute run has every kind, none twice before all have come once', () => {
    const faults = chaosSchedule(options(11));
    const first = faults.slice(0, FAULT_KINDS.length).map((f) => f.kind);
    assert.deepEqual([...first].sort(), [...FAULT_KINDS].sort());
  });
});
