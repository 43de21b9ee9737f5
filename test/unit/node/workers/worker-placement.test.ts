import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { GeomeshError } from '../../../../base/index.ts';
import { NODE_DEFAULTS } from '../../../../node/config/index.ts';
import {
  checkPlacementPolicy,
  heldBy,
  PlacementDecider,
  workerOf,
  type PlacementPolicy,
} from '../../../../node/workers/index.ts';

const POLICY: PlacementPolicy = {
  spreadAbove: 0.5,
  spreadLagRecords: 10_000,
  spreadAfterMs: 1_000,
  gatherBelow: 0.2,
  gatherAfterMs: 30_000,
};

/** Feeds `busy` as 500 ms samples from `startMs`, `lag` records waiting; returns the decisions (undefined: stay). */
function feed(
  decider: PlacementDecider,
  busy: readonly (readonly number[])[],
  startMs = 0,
  lag = 50_000,
): (number | undefined)[] {
  return busy.map((b, i) =>
    decider.note({ fromMs: startMs + i * 500, toMs: startMs + (i + 1) * 500, busy: b, lagRecords: lag }),
  );
}

describe('PlacementDecider', () => {
  it('starts gathered and spreads once the worker in use stayed busy for spreadAfterMs', () => {
    const decider = new PlacementDecider(2, POLICY);
    assert.equal(decider.active, 1);
    // One busy window is not enough (a start-up spike, a collection): two in a row are 1,000 ms.
    assert.deepEqual(
      feed(decider, [
        [0.9, 0],
        [0.1, 0],
        [0.9, 0],
        [0.7, 0],
      ]),
      [undefined, undefined, undefined, 2],
    );
    assert.equal(decider.active, 2);
  });

  it('does not spread a busy worker that is not behind (a start-up second, a collection): records must wait', () => {
    const decider = new PlacementDecider(2, POLICY);
    assert.ok(
      feed(
        decider,
        Array.from({ length: 20 }, () => [0.95, 0]),
        0,
        9_999,
      ).every((d) => d === undefined),
    );
    assert.equal(decider.active, 1);
    // Behind as well: it spreads after 1 s.
    assert.deepEqual(
      feed(
        decider,
        [
          [0.95, 0],
          [0.95, 0],
        ],
        10_000,
        10_000,
      ),
      [undefined, 2],
    );
  });

  it('reads only the workers in use while gathered: an idle worker 1 does not hold back a spread', () => {
    const decider = new PlacementDecider(4, POLICY);
    assert.deepEqual(
      feed(decider, [
        [0.6, 0, 0, 0],
        [0.6, 0, 0, 0],
      ]),
      [undefined, 4],
    );
  });

  it('gathers once all workers together stayed below gatherBelow for gatherAfterMs, not sooner', () => {
    const decider = new PlacementDecider(2, POLICY);
    decider.moved(2);
    const calm = Array.from({ length: 60 }, () => [0.05, 0.05]);
    const decisions = feed(decider, calm);
    assert.deepEqual(decisions.slice(0, 59), new Array(59).fill(undefined));
    assert.equal(decisions[59], 1);
    assert.equal(decider.active, 1);
  });

  it('starts the calm over when one window is busy: the sum counts, not each worker', () => {
    const decider = new PlacementDecider(2, POLICY);
    decider.moved(2);
    const samples = [
      ...Array.from({ length: 50 }, () => [0.05, 0.05]),
      [0.15, 0.1], // 0.25 together: not calm, though each is under 0.2
      ...Array.from({ length: 59 }, () => [0.05, 0.05]),
    ];
    assert.ok(feed(decider, samples).every((d) => d === undefined));
    assert.equal(feed(decider, [[0.05, 0.05]], 110 * 500)[0], 1);
  });

  it('never moves back and forth: between gatherBelow and spreadAbove it stays where it is', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.double({ min: 0.2, max: 0.499, noNaN: true }),
            fc.double({ min: 0, max: 0.25, noNaN: true }),
          ),
          {
            maxLength: 200,
          },
        ),
        fc.boolean(),
        (samples, isSpread) => {
          const decider = new PlacementDecider(2, POLICY);
          if (isSpread) decider.moved(2);
          // Spread: the sum is ≥ 0.2, so no gather; gathered: worker 0 is < 0.5, so no spread.
          const decisions = feed(decider, samples);
          assert.ok(decisions.every((d) => d === undefined));
        },
      ),
    );
  });

  it('only ever answers 1 or every worker, and each answer is a change', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 8 }),
        fc.array(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 8, maxLength: 8 }), {
          maxLength: 300,
        }),
        (workers, samples) => {
          const decider = new PlacementDecider(workers, { ...POLICY, gatherAfterMs: 1_000 });
          let active = 1;
          for (const d of feed(decider, samples)) {
            if (d === undefined) continue;
            assert.ok(d === 1 || d === workers);
            assert.notEqual(d, active);
            active = d;
          }
          assert.equal(decider.active, active);
        },
      ),
    );
  });

  it('refuses fewer than 2 workers and a policy that would flap, naming the setting', () => {
    assert.throws(() => new PlacementDecider(1, POLICY), RangeError);
    assert.throws(
      () => checkPlacementPolicy({ ...POLICY, gatherBelow: 0.6 }),
      (err: unknown) =>
        err instanceof GeomeshError && /gatherBelow \(0\.6\) must be below spreadAbove/.test(err.message),
    );
    assert.throws(
      () => checkPlacementPolicy({ ...POLICY, spreadAbove: 1.5 }),
      (err: unknown) => err instanceof GeomeshError && /spreadAbove must be a share/.test(err.message),
    );
    assert.throws(
      () => checkPlacementPolicy({ ...POLICY, gatherAfterMs: -1 }),
      /gatherAfterMs must be a number ≥ 0/,
    );
  });

  it('accepts the node defaults', () => {
    const d = NODE_DEFAULTS.workerPlacement;
    assert.doesNotThrow(() =>
      checkPlacementPolicy({
        spreadAbove: d.spreadAbovePercent / 100,
        spreadLagRecords: d.spreadLagRecords,
        spreadAfterMs: d.spreadAfterMs,
        gatherBelow: d.gatherBelowPercent / 100,
        gatherAfterMs: d.gatherAfterMs,
      }),
    );
  });
});

describe('heldBy', () => {
  it('gives each partition one holder under a placement, and during a move at most one, never a third worker', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.nat(500),
        fc.integer({ min: 2, max: 16 }),
        fc.integer({ min: 1, max: 16 }),
        fc.integer({ min: 1, max: 16 }),
        (topic, partition, workers, a, b) => {
          const active = Math.min(a, workers);
          const next = Math.min(b, workers);
          const holders = (moving: number | null) =>
            Array.from({ length: workers }, (_, w) => w).filter((w) =>
              heldBy(w, { active, moving }, topic, partition),
            );
          assert.deepEqual(holders(null), [workerOf(topic, partition, active)]);
          const during = holders(next);
          assert.ok(during.length <= 1);
          // Held during the move only by a worker that holds it before and after it.
          for (const w of during) {
            assert.equal(w, workerOf(topic, partition, active));
            assert.equal(w, workerOf(topic, partition, next));
          }
        },
      ),
    );
  });

  it('gathered (one worker in use): worker 0 holds everything', () => {
    for (let p = 0; p < 20; p++) assert.ok(heldBy(0, { active: 1, moving: null }, 'orders', p));
    for (let p = 0; p < 20; p++) assert.ok(!heldBy(1, { active: 1, moving: null }, 'orders', p));
  });
});
