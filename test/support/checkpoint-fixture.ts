/**
 * A checkpoint of group `billing` pushed by region a, for unit tests of translation and failover over a fake
 * cluster: consumed in a, a's own records up to 4 and b's (replicated into a) up to 4 on orders/0 (committed
 * offset 5). With b's index empty, b's log holds only its own records and the group resumes at 5 in b.
 */
import type { GroupCheckpoint } from '../../node/translation/index.ts';

export function checkpointOf(over: Partial<GroupCheckpoint> = {}): GroupCheckpoint {
  return {
    region: 'a',
    group: 'billing',
    computedAtMs: 1_700_000_000_000,
    partitions: [
      {
        topic: 'orders',
        partition: 0,
        committedOffset: 5,
        frontier: [
          { region: 'a', offset: 4 },
          { region: 'b', offset: 4 },
        ],
      },
    ],
    ...over,
  };
}
