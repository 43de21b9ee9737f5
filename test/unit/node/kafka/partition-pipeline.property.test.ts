/**
 * The source's batches in hand (node/kafka/partition-pipeline.ts): whatever the outcomes and timings, a
 * partition's batches are handled one at a time in the order queued, none after a batch that changed the
 * partition's position, `queue` resolves only once the batch before has ended, and the offsets to commit are
 * only ever what a handled batch acknowledged.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ticks } from '../../../support/polling.ts';
import { PartitionPipeline, type PipelineResult } from '../../../../node/kafka/partition-pipeline.ts';

type Outcome = 'done' | 'halt' | 'throw';

describe('PartitionPipeline', () => {
  it('handles a partition in order, one batch at a time, and nothing queued after a position change', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            partition: fc.integer({ min: 0, max: 2 }),
            size: fc.integer({ min: 1, max: 5 }),
            outcome: fc.constantFrom<Outcome>('done', 'done', 'done', 'halt', 'throw'),
            delay: fc.integer({ min: 0, max: 3 }),
          }),
          { maxLength: 30 },
        ),
        async (plan) => {
          const pipeline = new PartitionPipeline();
          const next = new Map<number, number>();
          const running = new Map<number, boolean>();
          const handled: { partition: number; first: number; end: number; outcome: Outcome }[] = [];
          const queued = plan.map((b) => {
            const first = next.get(b.partition) ?? 0;
            next.set(b.partition, first + b.size);
            return { ...b, first, end: first + b.size };
          });
          const resolvedAt: number[] = [];
          const endedAt: number[] = [];
          let clock = 0;
          const queuing = queued.map((b, i) =>
            pipeline
              .queue('t', b.partition, async (): Promise<PipelineResult> => {
                assert.ok(!running.get(b.partition), 'two batches of one partition at once');
                running.set(b.partition, true);
                handled.push(b);
                await ticks(b.delay);
                running.set(b.partition, false);
                endedAt[i] = ++clock;
                if (b.outcome === 'throw') throw new Error('write failed');
                if (b.outcome === 'halt') return { resetsPosition: true, ackedTo: b.first };
                return { ackedTo: b.end };
              })
              .then(() => (resolvedAt[i] = ++clock)),
          );
          await Promise.all(queuing);
          await pipeline.drained();
          assert.equal(pipeline.inHand, 0);

          const toCommit = pipeline.takeUncommitted();
          assert.deepEqual(pipeline.takeUncommitted(), [], 'each acknowledged offset is taken once');
          for (const partition of [0, 1, 2]) {
            const mine = queued.filter((b) => b.partition === partition);
            // Expected: the batches up to and including the first that changed the position.
            const stop = mine.findIndex((b) => b.outcome !== 'done');
            const expected = stop < 0 ? mine : mine.slice(0, stop + 1);
            assert.deepEqual(
              handled.filter((b) => b.partition === partition).map((b) => b.first),
              expected.map((b) => b.first),
            );
            // `queue` of a batch resolved after the batch before it (of its partition) ended.
            for (let k = 1; k < mine.length; k++) {
              const i = queued.indexOf(mine[k]!);
              const before = queued.indexOf(mine[k - 1]!);
              if (endedAt[before] !== undefined) assert.ok(resolvedAt[i]! > endedAt[before]);
            }
            const done = expected.filter((b) => b.outcome === 'done');
            const last = expected.at(-1);
            const acked =
              last?.outcome === 'halt' ? Math.max(last.first, done.at(-1)?.end ?? -1) : done.at(-1)?.end;
            const committed = toCommit.filter((o) => o.partition === partition);
            if (acked === undefined || acked < 0) assert.deepEqual(committed, []);
            else assert.deepEqual(committed, [{ topic: 't', partition, offset: acked }]);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('drops what was queued before a reset, and commits each acknowledged offset once unless given back', async () => {
    const pipeline = new PartitionPipeline();
    const ran: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    void pipeline.queue('t', 0, async () => {
      ran.push(0);
      await gate;
      return { ackedTo: 10 };
    });
    await ticks(2);
    assert.deepEqual(ran, [0], 'the first batch is being handled');
    void pipeline.queue('t', 0, () => {
      ran.push(1);
      return Promise.resolve({ ackedTo: 20 });
    });
    pipeline.reset('t', 0); // e.g. the consumer rejoined its group
    void pipeline.queue('t', 0, () => {
      ran.push(2);
      return Promise.resolve({ ackedTo: 15 });
    });
    release();
    await pipeline.drained();
    assert.deepEqual(ran, [0, 2]);
    // The acknowledged offset only moves forward: 10, then 15.
    const first = pipeline.takeUncommitted();
    assert.deepEqual(first, [{ topic: 't', partition: 0, offset: 15 }]);
    assert.deepEqual(pipeline.takeUncommitted(), []);
    pipeline.uncommit(first);
    assert.deepEqual(pipeline.takeUncommitted(), first);
  });
});
