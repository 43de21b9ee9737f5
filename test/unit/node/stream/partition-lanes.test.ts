/**
 * A stream's batches per partition (node/stream/partition-lanes.ts): in order within a partition, at once
 * across partitions, what queued behind a busy lane merged into one, a bound on what is held, and a stop
 * that drops what is queued.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ticks } from '../../../support/polling.ts';
import { PartitionLanes, type LaneBatch } from '../../../../node/stream/partition-lanes.ts';

interface Batch extends LaneBatch {
  partition: number;
  offsets: number[];
}

const merge = (batches: readonly Batch[]): Batch => ({
  partition: batches[0]!.partition,
  offsets: batches.flatMap((b) => b.offsets),
  bytes: batches.reduce((n, b) => n + b.bytes, 0),
});

describe('PartitionLanes', () => {
  it('handles each partition in order, one at a time, partitions at once, merging what queued', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ partition: fc.integer({ min: 0, max: 3 }), delay: fc.integer({ min: 0, max: 4 }) }),
          {
            maxLength: 40,
          },
        ),
        async (plan) => {
          const handled = new Map<number, number[]>();
          const busy = new Set<number>();
          let concurrent = 0;
          let maxConcurrent = 0;
          const lanes = new PartitionLanes<Batch & { delay: number }>({
            maxQueuedBytes: 1_000_000,
            merge: (bs) => ({ ...merge(bs), delay: bs[0]!.delay }),
            handle: async (batch) => {
              assert.ok(!busy.has(batch.partition), 'two batches of one partition at once');
              busy.add(batch.partition);
              maxConcurrent = Math.max(maxConcurrent, ++concurrent);
              await ticks(batch.delay);
              handled.set(batch.partition, [...(handled.get(batch.partition) ?? []), ...batch.offsets]);
              concurrent--;
              busy.delete(batch.partition);
              return true;
            },
          });
          const next = new Map<number, number>();
          for (const { partition, delay } of plan) {
            const offset = next.get(partition) ?? 0;
            next.set(partition, offset + 1);
            await lanes.push(partition, { partition, offsets: [offset], bytes: 1, delay });
          }
          await lanes.settled();
          assert.equal(lanes.isBusy, false);
          for (const [partition, count] of next)
            assert.deepEqual(
              handled.get(partition),
              Array.from({ length: count }, (_, i) => i),
              `partition ${partition}: every batch once, in order`,
            );
          const partitions = new Set(plan.map((b) => b.partition)).size;
          assert.ok(maxConcurrent <= partitions);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('merges the batches that arrived while the partition was being written into one write', async () => {
    const calls: number[][] = [];
    let release!: () => void;
    const first = new Promise<void>((r) => (release = r));
    const lanes = new PartitionLanes<Batch>({
      maxQueuedBytes: 1_000,
      merge,
      handle: async (batch) => {
        calls.push(batch.offsets);
        if (calls.length === 1) await first;
        return true;
      },
    });
    await lanes.push(0, { partition: 0, offsets: [0], bytes: 1 });
    for (let o = 1; o <= 5; o++) await lanes.push(0, { partition: 0, offsets: [o], bytes: 1 });
    await ticks(3);
    assert.deepEqual(calls, [[0]], 'the first write is in flight, the others wait');
    release();
    await lanes.settled();
    assert.deepEqual(calls, [[0], [1, 2, 3, 4, 5]]);
  });

  it('holds the reader back while more than the bound is queued or being written', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const lanes = new PartitionLanes<Batch>({
      maxQueuedBytes: 10,
      merge,
      handle: () => gate.then(() => true),
    });
    await lanes.push(0, { partition: 0, offsets: [0], bytes: 6 });
    let pushed = false;
    const second = lanes.push(1, { partition: 1, offsets: [0], bytes: 6 }).then(() => (pushed = true));
    await ticks(5);
    assert.equal(pushed, false, '12 bytes held, bound 10: the push waits');
    release();
    await second;
    await lanes.settled();
    assert.equal(pushed, true);
  });

  it('a handler that says stop, or throws, stops every lane: what is queued is dropped', async () => {
    for (const failure of ['stop', 'throw'] as const) {
      const handled: string[] = [];
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const lanes = new PartitionLanes<Batch>({
        maxQueuedBytes: 1_000,
        merge,
        handle: async (batch) => {
          handled.push(`${batch.partition}:${batch.offsets.join(',')}`);
          if (batch.partition === 0) {
            if (failure === 'throw') throw new Error('write failed');
            return false;
          }
          await gate;
          return true;
        },
      });
      await lanes.push(1, { partition: 1, offsets: [0], bytes: 1 });
      await lanes.push(1, { partition: 1, offsets: [1], bytes: 1 });
      await lanes.push(0, { partition: 0, offsets: [0], bytes: 1 });
      await ticks(3);
      assert.equal(lanes.isStopped, true);
      release();
      await lanes.settled();
      assert.deepEqual(handled, ['1:0', '0:0'], `${failure}: partition 1's second batch was dropped`);
      assert.equal(lanes.error !== undefined, failure === 'throw');
      await lanes.push(2, { partition: 2, offsets: [0], bytes: 1 });
      await lanes.settled();
      assert.deepEqual(handled, ['1:0', '0:0'], 'nothing is taken after a stop');
    }
  });
});
