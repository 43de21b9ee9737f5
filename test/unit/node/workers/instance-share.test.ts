import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { TopicPartition } from '../../../../node/replication/index.ts';
import { InstanceShare, ownedBy } from '../../../../node/workers/index.ts';

const tp = (partition: number): TopicPartition => ({ topic: 't', partition });
const names = (tps: readonly TopicPartition[]) => tps.map((x) => `${x.topic}/${x.partition}`);

/** A share of worker `worker` of 2, whose take and drop work waits until the test lets it go. */
function share(worker = 0) {
  const lease = { valid: true, isValid: () => lease.valid };
  const events: string[] = [];
  const gates: (() => void)[] = [];
  const gate = () => new Promise<void>((resolve) => gates.push(resolve));
  const s = new InstanceShare({
    isMine: ownedBy(worker, 2),
    lease,
    onTake: async (tps) => {
      events.push(`take ${names(tps).join(',')}`);
      await gate();
    },
    onDrop: async (tps) => {
      events.push(`drop ${names(tps).join(',')}`);
      await gate();
    },
  });
  const release = async () => {
    while (gates.length === 0) await new Promise((r) => setImmediate(r));
    gates.shift()!();
  };
  return { s, lease, events, release };
}

describe('InstanceShare', () => {
  it('owns nothing until a take; takes only its part by the worker rule', async () => {
    const { s, events, release } = share(0);
    const all = [0, 1, 2, 3, 4, 5].map(tp);
    const mine = all.filter((x) => ownedBy(0, 2)(x.topic, x.partition));
    assert.ok(mine.length > 0 && mine.length < all.length);
    assert.equal(s.size, 0);
    const taken = s.take(all);
    await release();
    await taken;
    assert.deepEqual(events, [`take ${names(mine).join(',')}`]);
    for (const x of all)
      assert.equal(s.owns(x.topic, x.partition), mine.includes(x), `t/${x.partition} owned by its rule`);
  });

  it('writes only while owned and the lease is certainly alive', async () => {
    const { s, lease, release } = share(0);
    const [first] = [0, 1, 2, 3].map(tp).filter((x) => ownedBy(0, 2)(x.topic, x.partition));
    assert.equal(s.mayWrite(first!.topic, first!.partition), false, 'not taken yet');
    const taken = s.take([first!]);
    await release();
    await taken;
    assert.equal(s.mayWrite(first!.topic, first!.partition), true);
    lease.valid = false;
    assert.equal(s.mayWrite(first!.topic, first!.partition), false, 'the deadline passed: no write leaves');
    lease.valid = true;
    assert.equal(s.mayWrite(first!.topic, first!.partition), true);
  });

  it('a drop refuses writes at once, before its work (reading stops, writes settle) has run', async () => {
    const { s, events, release } = share(0);
    const mine = [0, 1, 2, 3].map(tp).filter((x) => ownedBy(0, 2)(x.topic, x.partition));
    const taken = s.take(mine);
    await release();
    await taken;
    const dropped = s.drop(mine);
    for (const x of mine) assert.equal(s.mayWrite(x.topic, x.partition), false, 'refused at once');
    let isDone = false;
    void dropped.then(() => (isDone = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(isDone, false, 'the drop is done only once its work has run');
    await release();
    await dropped;
    assert.deepEqual(events.at(-1), `drop ${names(mine).join(',')}`);
  });

  it('a drop that comes before its take has run wins: the partition is not taken', async () => {
    const { s, events, release } = share(0);
    const [x] = [0, 1, 2, 3].map(tp).filter((y) => ownedBy(0, 2)(y.topic, y.partition));
    const taken = s.take([x!]);
    const dropped = s.drop([x!]);
    await taken;
    assert.equal(s.owns(x!.topic, x!.partition), false, 'the later drop wins');
    await release();
    await dropped;
    assert.deepEqual(events, [`drop t/${x!.partition}`], 'never read, only its drop ran');
  });

  it('a drop that comes while its take runs ends with the partition not owned', async () => {
    const { s, events, release } = share(0);
    const [x] = [0, 1, 2, 3].map(tp).filter((y) => ownedBy(0, 2)(y.topic, y.partition));
    const taken = s.take([x!]);
    while (events.length === 0) await new Promise((r) => setImmediate(r));
    assert.equal(s.owns(x!.topic, x!.partition), true, 'taken, being read');
    const dropped = s.drop([x!]);
    assert.equal(s.mayWrite(x!.topic, x!.partition), false, 'no write from the drop on');
    await release();
    await taken;
    await release();
    await dropped;
    assert.deepEqual(events, [`take t/${x!.partition}`, `drop t/${x!.partition}`]);
    assert.equal(s.owns(x!.topic, x!.partition), false);
  });

  it('after any sequence of takes and drops, it owns exactly what was last taken and not dropped, by its rule', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 2 }),
        fc.array(fc.tuple(fc.boolean(), fc.uniqueArray(fc.integer({ min: 0, max: 7 }), { maxLength: 8 })), {
          maxLength: 12,
        }),
        async (worker, steps) => {
          const isMine = ownedBy(worker, 3);
          const s = new InstanceShare({
            isMine,
            lease: { isValid: () => true },
            onTake: () => Promise.resolve(),
            onDrop: () => Promise.resolve(),
          });
          const expected = new Set<number>();
          const work: Promise<void>[] = [];
          for (const [isTake, partitions] of steps) {
            const tps = partitions.map(tp);
            work.push(isTake ? s.take(tps) : s.drop(tps));
            for (const p of partitions)
              if (isTake) expected.add(p);
              else expected.delete(p);
          }
          await Promise.all(work);
          for (let p = 0; p < 8; p++)
            assert.equal(s.owns('t', p), expected.has(p) && isMine('t', p), `t/${p}`);
        },
      ),
      { numRuns: 200 },
    );
  });
});
