import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { assignPartitions } from '../../../../node/work-sharing/index.ts';

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

  it('assigns nothing without instances', () => {
    assert.equal(assignPartitions([{ topic: 't', partition: 0 }], []).size, 0);
  });
});
