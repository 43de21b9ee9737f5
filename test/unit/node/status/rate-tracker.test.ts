import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RateTracker } from '../../../../node/status/index.ts';

describe('RateTracker', () => {
  it('is 0 before two samples, then the rate over the last completed interval', () => {
    const rates = new RateTracker();
    assert.equal(rates.rate('a->b'), 0);
    rates.observe('a->b', 10_000, 100);
    assert.equal(rates.rate('a->b'), 0);
    rates.observe('a->b', 15_000, 600);
    assert.equal(rates.rate('a->b'), 100);
    rates.observe('a->b', 20_000, 850);
    assert.equal(rates.rate('a->b'), 50, 'only the last interval counts');
    rates.observe('a->b', 22_000, 850);
    assert.equal(rates.rate('a->b'), 0, 'nothing written: 0');
  });

  it('starts again when the counter goes back (a restarted link), and ignores samples out of order', () => {
    const rates = new RateTracker();
    rates.observe('k', 0, 1_000);
    rates.observe('k', 1_000, 2_000);
    assert.equal(rates.rate('k'), 1_000);
    rates.observe('k', 2_000, 10);
    assert.equal(rates.rate('k'), 0);
    rates.observe('k', 1_500, 5_000);
    assert.equal(rates.rate('k'), 0, 'a sample older than the last is ignored');
    rates.observe('k', 4_000, 210);
    assert.equal(rates.rate('k'), 100);
  });

  it('keeps keys apart and forgets the ones not retained', () => {
    const rates = new RateTracker();
    for (const [key, per] of [
      ['a', 1],
      ['b', 2],
    ] as const) {
      rates.observe(key, 0, 0);
      rates.observe(key, 1_000, per * 10);
    }
    assert.deepEqual([rates.rate('a'), rates.rate('b')], [10, 20]);
    rates.retain(new Set(['b']));
    assert.deepEqual([rates.rate('a'), rates.rate('b')], [0, 20]);
  });

  it('equals the counter delta over the time delta for any two increasing samples', () => {
    fc.assert(
      fc.property(
        fc.nat(1_000_000),
        fc.integer({ min: 1, max: 600_000 }),
        fc.nat(1_000_000),
        fc.nat(1_000_000),
        (t0, dt, c0, dc) => {
          const rates = new RateTracker();
          rates.observe('k', t0, c0);
          rates.observe('k', t0 + dt, c0 + dc);
          assert.ok(Math.abs(rates.rate('k') - (dc * 1_000) / dt) < 1e-9);
        },
      ),
    );
  });
});
