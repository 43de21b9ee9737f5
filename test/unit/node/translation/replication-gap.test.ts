/**
 * The replication gap of a failover (node/translation/replication-gap.ts): per origin, the records a group
 * has not consumed in the source region that the target does not hold yet; over hand-built origin indexes,
 * then through two translation services (live, from a checkpoint, and a checkpoint persisted and read back).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PeerApi } from '../../../../node/translation-service/index.ts';
import {
  OriginIndex,
  PartitionRuns,
  decodeIndexRecordV1,
  encodeIndexRecordV1,
  frontierAt,
  missingOf,
  totalRecords,
  unconsumedAfter,
} from '../../../../node/translation/index.ts';
import { fakeTranslationService } from '../../../support/fake-translation.ts';

/** Runs from [targetStart, length, origin, originStart] tuples. */
function runsOf(...runs: [number, number, string, number][]): PartitionRuns {
  const out = new PartitionRuns();
  for (const [targetStart, length, origin, originStart] of runs)
    out.load({ targetStart, length, origin, originStart });
  return out;
}

describe('replication gap: counting', () => {
  it('a one-way link: the source region own records after the group, less those the target holds', () => {
    // a holds 100 own records; the group committed 40; b replicated a's 0..69.
    const unconsumed = unconsumedAfter(undefined, 'a', new Map([['a', 39]]), 40, 100);
    assert.deepEqual(unconsumed, [{ region: 'a', fromOffset: 40, toOffset: 99, records: 60 }]);
    assert.deepEqual(missingOf(runsOf([0, 70, 'a', 0]), 'b', unconsumed), [{ region: 'a', records: 30 }]);
    assert.deepEqual(missingOf(runsOf([0, 100, 'a', 0]), 'b', unconsumed), [], 'caught up: nothing missing');
    assert.deepEqual(missingOf(undefined, 'b', unconsumed), [{ region: 'a', records: 60 }], 'nothing yet');
  });

  it('active-active: per origin, replicas of a third region and of the target itself', () => {
    // a's log: own records at 0..9, c's 0..19 at 10..29, b's 0..4 at 30..34, own records at 35..39.
    const inA = runsOf([10, 20, 'c', 0], [30, 5, 'b', 0]);
    const committed = 15; // consumed a's 0..9 and c's 0..4
    const frontier = frontierAt(inA, 'a', committed);
    assert.deepEqual([...frontier].sort(), [
      ['a', 14],
      ['c', 4],
    ]);
    const unconsumed = unconsumedAfter(inA, 'a', frontier, committed, 40);
    assert.deepEqual(unconsumed, [
      { region: 'a', fromOffset: 15, toOffset: 39, records: 5 }, // its own, at 35..39
      { region: 'b', fromOffset: 0, toOffset: 4, records: 5 },
      { region: 'c', fromOffset: 5, toOffset: 19, records: 15 },
    ]);
    // b holds a's records up to origin offset 36 (two of the unconsumed: 35, 36) and c's 0..9 (c5..c9).
    const inB = runsOf([0, 10, 'a', 0], [10, 2, 'a', 35], [12, 10, 'c', 0]);
    const missing = missingOf(inB, 'b', unconsumed);
    assert.deepEqual(missing, [
      { region: 'a', records: 3 },
      { region: 'c', records: 10 },
    ]);
    assert.equal(totalRecords(missing), 13, "b's own records are never missing in b");
  });

  it('a caught-up group has nothing unconsumed, whatever the target lacks', () => {
    assert.deepEqual(unconsumedAfter(undefined, 'a', new Map([['a', 99]]), 100, 100), []);
  });

  it('countOriginBetween counts one origin by origin offset across runs', () => {
    const runs = runsOf([0, 5, 'c', 0], [5, 5, 'a', 0], [10, 5, 'c', 5]);
    assert.equal(runs.countOriginBetween('c', 3, 7), 5);
    assert.equal(runs.countOriginBetween('c', 10, 20), 0);
    assert.equal(runs.countOriginBetween('a', 0, 100), 5);
    assert.equal(runs.countOriginBetween('x', 0, 100), 0);
    assert.equal(runs.countOriginBetween('c', 7, 3), 0, 'an empty range');
  });
});

describe('replication gap: through the translation services of two regions', () => {
  // a: orders/0 holds own records 0..9, billing committed 5 (fake cluster). b: holds a's 0..6 at 0..6.
  const indexB = new OriginIndex();
  indexB.runsOf('orders', 0).load({ targetStart: 0, length: 7, origin: 'a', originStart: 0 });
  const a = fakeTranslationService({ region: 'a', regions: ['a', 'b'] }).svc;
  let isAUp = true;
  const peerA: PeerApi = {
    getFrontiers: (group, topics) =>
      isAUp ? a.localFrontiers(group, topics) : Promise.reject(new Error('connect ECONNREFUSED')),
    seek: () => Promise.reject(new Error('unused')),
    pushCheckpoints: () => Promise.reject(new Error('unused')),
    listGroups: () => Promise.reject(new Error('unused')),
  };
  const b = fakeTranslationService({
    region: 'b',
    regions: ['a', 'b'],
    index: indexB,
    peer: (r) => (r === 'a' ? peerA : undefined),
  }).svc;

  it('live: a counts what billing has not consumed, b what of it it lacks', async () => {
    isAUp = true;
    const t = await b.translate('billing', 'a', 'b');
    assert.equal(t.source, 'live');
    const [p] = t.partitions;
    assert.equal(p!.targetOffset, 5);
    assert.deepEqual(p!.notReplicated, [{ region: 'a', records: 3 }], 'a5, a6 in b; a7..a9 not yet');
    assert.equal(p!.notReplicatedCounted, true);
  });

  it("from a's checkpoint (as persisted in b's index topic), the gap as of the checkpoint", async () => {
    const frontiers = await a.localFrontiers('billing', []);
    const stored = encodeIndexRecordV1({
      kind: 'checkpoint',
      checkpoint: { group: 'billing', ...frontiers },
    });
    const read = decodeIndexRecordV1(stored.key, stored.value);
    assert.ok(read?.kind === 'checkpoint');
    assert.equal(b.receiveCheckpoint(read.checkpoint), true);
    isAUp = false;
    const t = await b.translate('billing', 'a', 'b');
    assert.equal(t.source, 'checkpoint');
    assert.deepEqual(t.partitions[0]!.notReplicated, [{ region: 'a', records: 3 }]);
    assert.equal(t.partitions[0]!.notReplicatedCounted, true);
  });

  it('a checkpoint of an older node (no counts) is read, and the gap is unknown, not zero', async () => {
    const old = decodeIndexRecordV1('c1|a|billing', '{"at":5,"p":[["orders",0,5,[["a",4]]]]}');
    assert.ok(old?.kind === 'checkpoint');
    b.receiveCheckpoint({ ...old.checkpoint, computedAtMs: Date.now() });
    isAUp = false;
    const t = await b.translate('billing', 'a', 'b');
    assert.deepEqual(t.partitions[0]!.notReplicated, []);
    assert.equal(t.partitions[0]!.notReplicatedCounted, false);
  });
});
