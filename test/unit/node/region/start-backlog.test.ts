import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OriginHighwater } from '../../../../node/replication/index.ts';
import { startBacklog } from '../../../../node/region/worker-placement.ts';

const remote = (bounds: Record<string, { partition: number; low: number; high: number }[]>) => ({
  topicOffsets: (topic: string) => Promise.resolve(bounds[topic] ?? []),
});

describe('startBacklog (worker placement at start)', () => {
  it('counts each source partition past the mark of its own records, or from its log start', async () => {
    const highwater = new OriginHighwater();
    highwater.advance('orders', 0, 'a', 899); // 900 copied of 1,000
    highwater.advance('orders', 1, 'c', 5_000); // another origin's mark says nothing of a's records
    const records = await startBacklog(
      [
        {
          spec: { from: 'a', forwardsOrigin: (o) => o === 'a' },
          remote: remote({
            orders: [
              { partition: 0, low: 0, high: 1_000 },
              { partition: 1, low: 200, high: 700 },
            ],
          }),
          topics: ['orders'],
        },
      ],
      highwater,
    );
    assert.equal(records, 100 + 500);
  });

  it('counts a link that does not carry its source region’s records from the log start, and sums the links', async () => {
    const highwater = new OriginHighwater();
    highwater.advance('t', 0, 'a', 99);
    const records = await startBacklog(
      [
        {
          spec: { from: 'a', forwardsOrigin: () => false },
          remote: remote({ t: [{ partition: 0, low: 0, high: 100 }] }),
          topics: ['t'],
        },
        {
          spec: { from: 'b', forwardsOrigin: () => true },
          remote: remote({ t: [{ partition: 0, low: 10, high: 10 }] }),
          topics: ['t'],
        },
      ],
      highwater,
    );
    assert.equal(records, 100);
  });
});
