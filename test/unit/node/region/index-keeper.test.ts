import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeIndexRecordV1, indexTopicName } from '../../../../node/translation/index.ts';
import { FakeCluster, keeperOn, MESH } from '../../../support/fake-cluster.ts';

/** A keeper whose work sharing owns the `topic/partition`s in `sharing.owned`. */
function sharedKeeperOn(cluster: FakeCluster, sharing: { owned: Set<string>; isLeaseValid: boolean }) {
  return keeperOn(cluster, {
    mayFlush: (t, p) => sharing.owned.has(`${t}/${p}`),
    isLeaseValid: () => sharing.isLeaseValid,
  });
}

/** The index records written to the index topic, decoded. */
function flushed(cluster: FakeCluster) {
  return cluster.compactedWrites.flat().map((r) => decodeIndexRecordV1(r.key, r.value)!);
}

describe('IndexKeeper', () => {
  it('at start: loads what was flushed, scans the tail beyond it, sets the marks from the last copies', async () => {
    const cluster = new FakeCluster();
    cluster.createTopic('t', 2);
    for (let o = 10; o < 13; o++) cluster.appendReplica('t', 0, 'east', o);
    // A first node indexed and flushed offsets 0..2, then stopped.
    const first = keeperOn(cluster);
    await first.keeper.load();
    await first.keeper.scanTails(['t'], 'start');
    await first.keeper.flush();
    // Later records, one of them an application's own.
    cluster.appendLocal('t', 0);
    cluster.appendReplica('t', 0, 'east', 13);
    cluster.appendReplica('t', 1, 'south', 5);

    const { keeper, index, highwater } = keeperOn(cluster);
    await keeper.load();
    assert.equal(keeper.startReport.indexRunsLoaded, 1);
    await keeper.scanTails(['t'], 'start');
    assert.equal(index.get('t', 0)!.through, 5);
    assert.equal(index.get('t', 0)!.originAt(4)?.offset, 13);
    assert.equal(index.get('t', 0)!.originAt(3), undefined, 'a local record is not a replica');
    assert.equal(highwater.get('t', 0, 'east'), 13);
    assert.equal(highwater.get('t', 1, 'south'), 5);
    assert.equal(keeper.startReport.tailRecordsScanned, 3, 'only the records beyond the flushed index');
    assert.equal(keeper.startReport.targetRecords, 6);
  });

  it('a partition that ends before what the index covers was re-created: it is indexed again from its start', async () => {
    const cluster = new FakeCluster();
    cluster.createTopic('t', 1);
    for (let o = 0; o < 5; o++) cluster.appendReplica('t', 0, 'east', o);
    const { keeper, index, highwater } = keeperOn(cluster);
    await keeper.load();
    await keeper.scanTails(['t'], 'start');
    cluster.createTopic('t', 1);
    cluster.appendReplica('t', 0, 'east', 0);
    await keeper.scanTails(['t'], 'acquire');
    assert.equal(index.get('t', 0)!.through, 1);
    assert.equal(
      highwater.get('t', 0, 'east'),
      0,
      'an exact scan sets the mark to the last copy, lower than before',
    );
  });

  it('after a write of unknown outcome, flushed heads stop where the write began until the partition is re-synced', async () => {
    const cluster = new FakeCluster();
    cluster.createTopic('t', 1);
    cluster.appendReplica('t', 0, 'east', 0);
    const { keeper, index, highwater } = keeperOn(cluster);
    await keeper.load();
    await keeper.scanTails(['t'], 'start');
    keeper.noteUnsure('t', 0, 1);
    // The write did land, and the link noted a later one.
    cluster.appendReplica('t', 0, 'east', 1);
    cluster.appendReplica('t', 0, 'east', 2);
    index.noteWritten('t', 0, 2, [{ region: 'east', offset: 2 }]);
    await keeper.flush();
    const heads = flushed(cluster).filter((r) => r.kind === 'head');
    assert.deepEqual(heads.at(-1), { kind: 'head', topic: 't', partition: 0, through: 1 });
    await keeper.resync('t', 0);
    assert.equal(index.get('t', 0)!.originAt(1)?.offset, 1, 'the re-sync indexed what had landed');
    assert.equal(highwater.get('t', 0, 'east'), 2);
    await keeper.flush();
    const last = flushed(cluster)
      .filter((r) => r.kind === 'head')
      .at(-1);
    assert.deepEqual(last, { kind: 'head', topic: 't', partition: 0, through: 3 });
  });

  it('under work sharing it flushes only partitions it may, and only while the lease is certain', async () => {
    const cluster = new FakeCluster();
    cluster.createTopic('t', 2);
    const sharing = { owned: new Set(['t/0']), isLeaseValid: true };
    const { keeper, index } = sharedKeeperOn(cluster, sharing);
    await keeper.load();
    index.noteWritten('t', 0, 0, [{ region: 'east', offset: 0 }]);
    index.noteWritten('t', 1, 0, [{ region: 'east', offset: 0 }]);
    await keeper.flush();
    assert.deepEqual(
      [...new Set(flushed(cluster).map((r) => ('partition' in r ? r.partition : -1)))],
      [0],
      'partition 1 belongs to another instance',
    );
    sharing.isLeaseValid = false;
    index.noteWritten('t', 0, 1, [{ region: 'east', offset: 1 }]);
    const before = cluster.compactedWrites.flat().length;
    await keeper.flush();
    assert.equal(cluster.compactedWrites.flat().length, before, 'nothing without a certain lease');
  });

  it('a failed flush is retried with the next one; checkpoints enqueued are written too', async () => {
    const cluster = new FakeCluster();
    cluster.createTopic('t', 1);
    const { keeper, index } = keeperOn(cluster);
    await keeper.load();
    index.noteWritten('t', 0, 0, [{ region: 'east', offset: 7 }]);
    keeper.enqueue({
      kind: 'checkpoint',
      checkpoint: { region: 'west', group: 'g', computedAtMs: 1, partitions: [] },
    });
    cluster.failWrites = true;
    await keeper.flush();
    assert.equal(cluster.compactedWrites.length, 0);
    cluster.failWrites = false;
    await keeper.flush();
    const kinds = flushed(cluster)
      .map((r) => r.kind)
      .sort();
    assert.deepEqual(kinds, ['checkpoint', 'head', 'run']);
    assert.ok(cluster.compacted.get(indexTopicName(MESH))!.size >= 3);
  });

  it('prune drops runs retention deleted', async () => {
    const cluster = new FakeCluster();
    cluster.createTopic('t', 1);
    cluster.appendReplica('t', 0, 'east', 0);
    cluster.appendLocal('t', 0);
    cluster.appendReplica('t', 0, 'south', 0);
    const { keeper, index } = keeperOn(cluster);
    await keeper.load();
    await keeper.scanTails(['t'], 'start');
    assert.equal(index.runCount, 2);
    cluster.deleteBefore('t', 0, 2);
    await keeper.prune();
    assert.equal(index.runCount, 1);
    assert.equal(index.get('t', 0)!.originAt(0), undefined);
  });
});
