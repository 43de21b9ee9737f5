import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  auditCoverage,
  CoverageTracker,
  type CoverageInput,
  type SourceReadingState,
} from '../../../../node/replication/index.ts';

function reading(
  assigned: Record<string, number[]>,
  paused: Record<string, number[]> = {},
  isJoined = true,
): SourceReadingState {
  const toMap = (r: Record<string, number[]>) =>
    new Map(Object.entries(r).map(([t, ps]) => [t, new Set(ps)]));
  return { isJoined, assigned: toMap(assigned), paused: toMap(paused) };
}

function input(overrides: Partial<CoverageInput> = {}): CoverageInput {
  return {
    selected: ['orders'],
    subscribed: ['orders'],
    sourcePartitions: new Map([['orders', 3]]),
    targetPartitions: new Map([['orders', 3]]),
    reading: reading({ orders: [0, 1, 2] }),
    isHalted: () => false,
    ...overrides,
  };
}

describe('auditCoverage', () => {
  it('finds nothing when every partition is assigned and fetching', () => {
    assert.deepEqual(auditCoverage(input()), { partitions: 3, uncovered: [] });
  });

  it('names partitions added after the consumer joined (kafkajs never rebalances for them)', () => {
    const result = auditCoverage(
      input({
        sourcePartitions: new Map([['orders', 6]]),
        targetPartitions: new Map([['orders', 6]]),
      }),
    );
    assert.deepEqual(
      result.uncovered.map((u) => `${u.partition}:${u.reason}`),
      ['3:unassigned', '4:unassigned', '5:unassigned'],
    );
  });

  it('says why, in order: not subscribed, missing in the target, halted, paused, consumer not joined', () => {
    const result = auditCoverage({
      selected: ['a', 'b', 'new'],
      subscribed: ['a', 'b'],
      sourcePartitions: new Map([
        ['a', 4],
        ['b', 2],
        ['new', 1],
      ]),
      targetPartitions: new Map([
        ['a', 3],
        ['b', 2],
      ]),
      reading: reading({ a: [0, 1, 2, 3], b: [0, 1] }, { a: [1, 2] }),
      isHalted: (t, p) => t === 'a' && p === 2,
    });
    assert.deepEqual(
      result.uncovered.map((u) => `${u.topic}/${u.partition}:${u.reason}`),
      ['a/1:paused', 'a/2:halted', 'a/3:missing-in-target', 'new/0:not-subscribed'],
    );
    assert.equal(result.partitions, 7);
    const notJoined = auditCoverage(input({ reading: reading({}, {}, false) }));
    assert.deepEqual(
      notJoined.uncovered.map((u) => u.reason),
      ['not-joined', 'not-joined', 'not-joined'],
    );
  });

  it('under work sharing, counts partitions another instance owns as read, and unowned ones as not', () => {
    const result = auditCoverage(
      input({
        // This instance owns 0 and reads it; 1 is another's; 2 nobody's. Its consumer pauses 1 and 2.
        reading: reading({ orders: [0, 1, 2] }, { orders: [1, 2] }),
        ownership: {
          owns: (_t, p) => p === 0,
          ownerElsewhere: (_t, p) => (p === 1 ? 'instance-b' : undefined),
        },
      }),
    );
    assert.deepEqual(
      result.uncovered.map((u) => `${u.partition}:${u.reason}`),
      ['2:unowned'],
    );
  });

  it('a partition is covered exactly when it is subscribed, in the target, not halted, assigned, not paused (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 12 }),
        fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
        fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
        fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
        fc.boolean(),
        (count, targetCount, isAssigned, isPaused, isHalted, isJoined) => {
          const partitions = [...Array(count).keys()];
          const result = auditCoverage(
            input({
              sourcePartitions: new Map([['orders', count]]),
              targetPartitions: new Map([['orders', targetCount]]),
              reading: reading(
                { orders: partitions.filter((p) => isAssigned[p]) },
                { orders: partitions.filter((p) => isPaused[p]) },
                isJoined,
              ),
              isHalted: (_t, p) => isHalted[p]!,
            }),
          );
          const uncovered = new Set(result.uncovered.map((u) => u.partition));
          for (const p of partitions) {
            const isRead = p < targetCount && !isHalted[p] && isJoined && isAssigned[p]! && !isPaused[p];
            assert.equal(!uncovered.has(p), isRead, `partition ${p}`);
          }
          assert.equal(result.partitions, count);
        },
      ),
    );
  });
});

describe('CoverageTracker', () => {
  it('reports a lasting reason at once, a transient one at the second audit in a row, and clears on recovery', () => {
    const tracker = new CoverageTracker();
    const paused = { partitions: 3, uncovered: [{ topic: 'o', partition: 1, reason: 'paused' as const }] };
    const first = tracker.update(paused, 1_000);
    assert.deepEqual(first.reported, [{ topic: 'o', partition: 1, reason: 'paused', sinceMs: 1_000 }]);
    // Reported once, not again while it lasts.
    assert.deepEqual(tracker.update(paused, 2_000).reported, []);
    assert.equal(tracker.reported.length, 1);

    const rejoining = {
      partitions: 3,
      uncovered: [{ topic: 'o', partition: 2, reason: 'not-joined' as const }],
    };
    const t1 = tracker.update(rejoining, 3_000);
    assert.deepEqual(t1.recovered, [{ topic: 'o', partition: 1, reason: 'paused' }]);
    assert.deepEqual(t1.reported, [], 'a consumer rejoining for one audit is not reported');
    assert.deepEqual(tracker.reported, []);
    const t2 = tracker.update(rejoining, 4_000);
    assert.deepEqual(t2.reported, [{ topic: 'o', partition: 2, reason: 'not-joined', sinceMs: 3_000 }]);
    // Covered again: recovered, nothing reported.
    const clear = tracker.update({ partitions: 3, uncovered: [] }, 5_000);
    assert.deepEqual(clear.recovered, [{ topic: 'o', partition: 2, reason: 'not-joined' }]);
    assert.deepEqual(tracker.reported, []);
    // A transient finding that clears before the second audit is never reported.
    tracker.update(rejoining, 6_000);
    assert.deepEqual(tracker.update({ partitions: 3, uncovered: [] }, 7_000), {
      reported: [],
      recovered: [],
    });
  });
});
