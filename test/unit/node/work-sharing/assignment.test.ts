import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { assignPartitions, type TopicPartition } from '../../../../node/work-sharing/index.ts';

type Assignment = Map<string, TopicPartition[]>;

/** Who holds each partition in `assignment`. */
function holderIn(assignment: Assignment): (tp: TopicPartition) => string | undefined {
  const by = new Map<string, string>();
  for (const [id, tps] of assignment) for (const tp of tps) by.set(`${tp.topic}/${tp.partition}`, id);
  return (tp) => by.get(`${tp.topic}/${tp.partition}`);
}

/** How many partitions have another owner in `after` than in `before`. */
function moved(before: Assignment, after: Assignment): number {
  const was = holderIn(before);
  const is = holderIn(after);
  return [...after.values()].flat().filter((tp) => was(tp) !== is(tp)).length;
}

describe('assignPartitions', () => {
  it('splits 12 partitions 6/6 between two instances, alternating', () => {
    const tps = Array.from({ length: 12 }, (_, partition) => ({ topic: 't', partition }));
    const assignment = assignPartitions(tps, ['b', 'a']);
    assert.deepEqual(
      assignment.get('a')!.map((tp) => tp.partition),
      [0, 2, 4, 6, 8, 10],
    );
    assert.deepEqual(
      assignment.get('b')!.map((tp) => tp.partition),
      [1, 3, 5, 7, 9, 11],
    );
  });

  it('gives every partition to exactly one instance, balanced within one, the same whatever the order', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.record({ topic: fc.constantFrom('a', 'b', 'c'), partition: fc.nat(40) }), {
          selector: (tp) => `${tp.topic}/${tp.partition}`,
          maxLength: 100,
        }),
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 7 }),
        (tps, ids) => {
          const assignment = assignPartitions(tps, ids);
          const shuffled = assignPartitions([...tps].reverse(), [...ids].reverse());
          assert.deepEqual([...assignment.entries()], [...shuffled.entries()]);
          const given = [...assignment.values()].flat();
          assert.equal(given.length, tps.length);
          assert.equal(new Set(given.map((tp) => `${tp.topic}/${tp.partition}`)).size, tps.length);
          const counts = [...assignment.values()].map((l) => l.length);
          assert.equal(assignment.size, ids.length);
          assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `counts ${counts.join(', ')}`);
        },
      ),
    );
  });

  it('a third instance joining 6/6 takes 2 from each: 4 partitions move, not 8', () => {
    const tps = Array.from({ length: 12 }, (_, partition) => ({ topic: 't', partition }));
    const before = assignPartitions(tps, ['a', 'b']);
    const after = assignPartitions(tps, ['a', 'b', 'c'], holderIn(before));
    assert.deepEqual(
      [...after.values()].map((l) => l.length),
      [4, 4, 4],
    );
    assert.equal(moved(before, after), 4);
    assert.deepEqual(
      after.get('c')!.map((tp) => tp.partition),
      [8, 9, 10, 11],
      'the last two of a and of b',
    );
    // The unsticky round-robin would have moved 8: a = 0,3,6,9; b = 1,4,7,10; c = 2,5,8,11.
    assert.equal(moved(before, assignPartitions(tps, ['a', 'b', 'c'])), 8);
  });

  it('an instance leaving moves only its own partitions', () => {
    const tps = Array.from({ length: 12 }, (_, partition) => ({ topic: 't', partition }));
    const before = assignPartitions(tps, ['a', 'b', 'c']);
    const after = assignPartitions(tps, ['a', 'c'], holderIn(before));
    assert.equal(moved(before, after), 4);
    for (const id of ['a', 'c']) {
      for (const tp of before.get(id)!) assert.ok(after.get(id)!.includes(tp), `${id} keeps ${tp.partition}`);
    }
  });

  it('sticky: balanced, each partition once, an instance keeps up to ⌊n/k⌋ of its own, and the result is a fixed point', () => {
    const tp = fc.record({ topic: fc.constantFrom('a', 'b', 'c'), partition: fc.nat(40) });
    fc.assert(
      fc.property(
        fc.uniqueArray(tp, { selector: (t) => `${t.topic}/${t.partition}`, maxLength: 80 }),
        fc.uniqueArray(fc.constantFrom('i1', 'i2', 'i3', 'i4', 'i5', 'i6'), { minLength: 1 }),
        fc.func(fc.option(fc.constantFrom('i1', 'i2', 'i3', 'i4', 'i5', 'i6', 'gone'), { nil: undefined })),
        (tps, ids, holderFn) => {
          const holders = new Map(tps.map((t) => [`${t.topic}/${t.partition}`, holderFn(t)]));
          const holderOf = (t: TopicPartition) => holders.get(`${t.topic}/${t.partition}`);
          const assignment = assignPartitions(tps, ids, holderOf);
          assert.deepEqual(
            [...assignment.entries()],
            [...assignPartitions([...tps].reverse(), [...ids].reverse(), holderOf).entries()],
          );
          const given = [...assignment.values()].flat();
          assert.equal(given.length, tps.length);
          assert.equal(new Set(given.map((t) => `${t.topic}/${t.partition}`)).size, tps.length);
          const counts = [...assignment.values()].map((l) => l.length);
          assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `counts ${counts.join(', ')}`);
          const floor = Math.floor(tps.length / new Set(ids).size);
          for (const id of ids) {
            const held = tps.filter((t) => holderOf(t) === id);
            const kept = held.filter((t) => assignment.get(id)!.includes(t));
            assert.ok(
              kept.length >= Math.min(held.length, floor),
              `${id} kept ${kept.length} of ${held.length}`,
            );
          }
          assert.deepEqual(
            [...assignPartitions(tps, ids, holderIn(assignment)).entries()],
            [...assignment.entries()],
            'settles',
          );
        },
      ),
    );
  });

  it('assigns nothing without instances', () => {
    assert.equal(assignPartitions([{ topic: 't', partition: 0 }], []).size, 0);
  });
});
