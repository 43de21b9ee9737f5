import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { GeomeshError } from '../../../../base/index.ts';
import { fnv1a, ownedBy, workerOf } from '../../../../node/workers/index.ts';

describe('workerOf', () => {
  it('hashes a topic with 32-bit FNV-1a (reference values)', () => {
    assert.equal(fnv1a(''), 0x811c9dc5);
    assert.equal(fnv1a('a'), 0xe40c292c);
    assert.equal(fnv1a('foobar'), 0xbf9cf968);
  });

  it('sends consecutive partitions of a topic round the workers: shares differ by at most one', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 16 }), fc.nat(200), (topic, workers, count) => {
        const shares = new Array<number>(workers).fill(0);
        for (let p = 0; p < count; p++) shares[workerOf(topic, p, workers)]!++;
        assert.ok(Math.max(...shares) - Math.min(...shares) <= 1, `${topic}: ${shares.join('/')}`);
        assert.equal(
          shares.reduce((a, b) => a + b, 0),
          count,
        );
      }),
    );
  });

  it('gives each partition exactly one owner among the workers, the same on every call', () => {
    fc.assert(
      fc.property(fc.string(), fc.nat(1000), fc.integer({ min: 1, max: 64 }), (topic, partition, workers) => {
        const owners = Array.from({ length: workers }, (_, w) => w).filter((w) =>
          ownedBy(w, workers)(topic, partition),
        );
        assert.deepEqual(owners, [workerOf(topic, partition, workers)]);
      }),
    );
  });

  it('gives every partition to worker 0 when there is one worker', () => {
    for (let p = 0; p < 50; p++) assert.equal(workerOf('orders', p, 1), 0);
  });

  it('spreads the first partitions of many one-partition topics over the workers', () => {
    const shares = [0, 0];
    for (let i = 0; i < 200; i++) shares[workerOf(`topic-${i}`, 0, 2)]!++;
    assert.ok(shares[0]! > 60 && shares[1]! > 60, shares.join('/'));
  });

  it('refuses a worker count that is not a positive whole number, naming the setting', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      assert.throws(
        () => workerOf('t', 0, bad),
        (err: unknown) =>
          err instanceof GeomeshError && err.code === 'GEOMESH_CONFIG_INVALID' && /workers/.test(err.message),
      );
    }
    assert.throws(() => workerOf('t', -1, 2), RangeError);
  });
});
