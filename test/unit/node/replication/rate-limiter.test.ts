import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RateLimiter, type RateLimiterClock } from '../../../../node/replication/index.ts';
import { linkWith } from '../../../support/fake-link.ts';

/** A clock that only moves when the limiter sleeps (or the test advances it). */
function fakeClock(): RateLimiterClock & { t: number; slept: number[] } {
  const clock = {
    t: 0,
    slept: [] as number[],
    now: () => clock.t,
    sleep: (ms: number) => {
      clock.slept.push(ms);
      clock.t += ms;
      return Promise.resolve();
    },
  };
  return clock;
}

describe('RateLimiter', () => {
  it('lets one second of records through at once, then paces the rest', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(100, clock);
    await limiter.take(100);
    assert.deepEqual(clock.slept, []);
    await limiter.take(50);
    assert.deepEqual(clock.slept, [500]);
  });

  it('refills with time but never beyond one second of records', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(10, clock);
    await limiter.take(10);
    clock.t += 60_000;
    await limiter.take(10);
    await limiter.take(5);
    assert.deepEqual(clock.slept, [500]);
  });

  it('property: over any sequence of takes, records per elapsed second never exceed the rate plus one burst', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1000 }),
        fc.array(fc.integer({ min: 1, max: 500 }), { maxLength: 50 }),
        async (rate, takes) => {
          const clock = fakeClock();
          const limiter = new RateLimiter(rate, clock);
          let total = 0;
          for (const n of takes) {
            await limiter.take(n);
            total += n;
            assert.ok(
              total <= rate + (clock.t / 1000) * rate + 1e-6,
              `${total} records after ${clock.t} ms at ${rate}/s`,
            );
          }
        },
      ),
    );
  });

  it('refuses a rate that is not positive', () => {
    assert.throws(() => new RateLimiter(0), RangeError);
  });
});

describe('LinkReplicator with maxRecordsPerSecond', () => {
  it('writes every record, paced by the limiter, in chunks of at most one second of records', async () => {
    const clock = fakeClock();
    const { source, sink } = await linkWith({ maxRecordsPerSecond: 100, rateLimiterClock: clock });
    source.offsets = { logStart: 0, logEnd: 250 };
    assert.deepEqual(await source.deliver(0, 249), { kind: 'done' });
    assert.equal(sink.written.length, 250);
    assert.equal(sink.writes.length, 3, 'chunks of 100, 100, 50');
    assert.equal(
      clock.slept.reduce((a, b) => a + b, 0),
      1500,
      '250 records at 100/s after a 100-record burst',
    );
  });
});
