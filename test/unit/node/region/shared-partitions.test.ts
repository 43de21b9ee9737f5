import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../../../../node/log/index.ts';
import { createReplicationMetrics, Registry } from '../../../../node/observability/index.ts';
import { SharedPartitions, type SharedLink } from '../../../../node/region/shared-partitions.ts';
import type { TopicPartition } from '../../../../node/replication/index.ts';
import { decodeIndexRecordV1 } from '../../../../node/translation/index.ts';
import { FakeCluster, keeperOn } from '../../../support/fake-cluster.ts';

function setup() {
  const cluster = new FakeCluster();
  cluster.createTopic('t', 4);
  const lease = { isValid: true };
  const { keeper, index, highwater } = keeperOn(cluster, {
    mayFlush: (t, p) => shared.mayFlush(t, p),
    isLeaseValid: () => lease.isValid,
  });
  const taken: TopicPartition[][] = [];
  const dropped: TopicPartition[][] = [];
  const link: SharedLink = {
    topics: ['t'],
    takePartitions: (tps) => taken.push([...tps]),
    dropPartitions: (tps) => dropped.push([...tps]),
  };
  const metrics = createReplicationMetrics(new Registry());
  /** What fence and unfence saw, in order: `fence t/1 (indexed: false)`. */
  const fences: string[] = [];
  const fencing = { fails: false };
  const shared: SharedPartitions = new SharedPartitions({
    keeper,
    index,
    cluster,
    links: () => [link],
    writesSettled: () => Promise.resolve(),
    isLeaseValid: () => lease.isValid,
    fences: {
      fence: (topic, partition) => {
        fences.push(`fence ${topic}/${partition} (indexed: ${index.get(topic, partition) !== undefined})`);
        return fencing.fails ? Promise.reject(new Error('broker away')) : Promise.resolve();
      },
      release: (topic, partition) => {
        fences.push(`unfence ${topic}/${partition}`);
        return Promise.resolve();
      },
    },
    topicRefreshMs: 60_000,
    metrics,
    logger: silentLogger(),
  });
  return { cluster, index, highwater, keeper, shared, lease, taken, dropped, fences, fencing };
}

describe('SharedPartitions', () => {
  it('lists the target partitions of the links’ topics', async () => {
    const { shared } = setup();
    assert.deepEqual(
      (await shared.targetPartitions()).map((tp) => tp.partition),
      [0, 1, 2, 3],
    );
  });

  it('acquiring loads the earlier owner’s index and the tail, sets the marks, then the links read', async () => {
    const { cluster, index, highwater, keeper, shared, lease, taken } = setup();
    await keeper.load();
    // An earlier owner wrote and flushed partition 1, then wrote one more record before it died.
    cluster.appendReplica('t', 1, 'east', 100);
    index.noteWritten('t', 1, 0, [{ region: 'east', offset: 100 }]);
    await shared.acquire([{ topic: 't', partition: 1 }]);
    await shared.release([{ topic: 't', partition: 1 }], true);
    cluster.appendReplica('t', 1, 'east', 101);
    assert.equal(index.get('t', 1), undefined, 'released: forgotten');

    await shared.acquire([{ topic: 't', partition: 1 }]);
    assert.equal(index.get('t', 1)!.through, 2);
    assert.equal(highwater.get('t', 1, 'east'), 101);
    assert.deepEqual(taken.at(-1), [{ topic: 't', partition: 1 }]);
    assert.equal(shared.owns('t', 1), true);
    assert.equal(shared.mayWrite('t', 1), true);
    lease.isValid = false;
    assert.equal(shared.mayWrite('t', 1), false, 'owned but the lease is unsure: no write');
    assert.equal(shared.mayWrite('t', 2), false);
  });

  it('acquiring fences earlier owners before it reads the index and tail; releasing gives the fence up', async () => {
    const { cluster, index, keeper, shared, fences, fencing, taken } = setup();
    await keeper.load();
    cluster.appendReplica('t', 1, 'east', 100);
    await shared.acquire([{ topic: 't', partition: 1 }]);
    assert.deepEqual(fences, ['fence t/1 (indexed: false)'], 'fenced before the tail scan indexed it');
    assert.equal(index.get('t', 1)!.through, 1, 'then the tail was scanned');
    await shared.release([{ topic: 't', partition: 1 }], false);
    assert.deepEqual(fences.at(-1), 'unfence t/1');

    fencing.fails = true;
    const takenBefore = taken.length;
    await assert.rejects(shared.acquire([{ topic: 't', partition: 2 }]), /broker away/);
    assert.deepEqual(fences.slice(-2), ['fence t/2 (indexed: false)', 'unfence t/2']);
    assert.equal(shared.owns('t', 2), false, 'a partition that could not be fenced is not taken');
    assert.equal(taken.length, takenBefore, 'nor read');
  });

  it('a handover flushes the partition’s index for the next owner; a loss does not', async () => {
    const { cluster, index, keeper, shared, lease, dropped } = setup();
    await keeper.load();
    await shared.acquire([
      { topic: 't', partition: 0 },
      { topic: 't', partition: 2 },
    ]);
    index.noteWritten('t', 0, 0, [{ region: 'east', offset: 5 }]);
    index.noteWritten('t', 2, 0, [{ region: 'east', offset: 6 }]);
    await shared.release([{ topic: 't', partition: 0 }], true);
    const written = () =>
      cluster.compactedWrites
        .flat()
        .map((r) => decodeIndexRecordV1(r.key, r.value)!)
        .filter((r) => r.kind === 'head')
        .map((r) => ('partition' in r ? r.partition : -1));
    assert.deepEqual(written(), [0, 2], 'the handover flushed (partition 2, still owned, went along)');
    assert.deepEqual(dropped.at(-1), [{ topic: 't', partition: 0 }]);
    index.noteWritten('t', 0, 1, [{ region: 'east', offset: 7 }]);
    index.noteWritten('t', 2, 1, [{ region: 'east', offset: 8 }]);
    await keeper.flush();
    assert.deepEqual(written(), [0, 2, 2], 'a partition handed over is not flushed any more');
    lease.isValid = false;
    await shared.release([{ topic: 't', partition: 2 }], false);
    lease.isValid = true;
    index.noteWritten('t', 2, 2, [{ region: 'east', offset: 9 }]);
    await keeper.flush();
    assert.deepEqual(written(), [0, 2, 2], 'a lost partition is the next owner’s to index');
    assert.deepEqual(shared.owned, []);
  });

  it('translation of a partition another instance owns reads an index of its own, brought to the end per request', async () => {
    const { cluster, index, keeper, shared } = setup();
    await keeper.load();
    cluster.appendReplica('t', 3, 'east', 50);
    const view = await shared.indexFor([{ topic: 't', partition: 3 }]);
    assert.equal(view.get('t', 3)!.originAt(0)?.offset, 50);
    assert.equal(index.get('t', 3), undefined, 'the live index is untouched');
    cluster.appendReplica('t', 3, 'east', 51);
    const again = await shared.indexFor([{ topic: 't', partition: 3 }]);
    assert.equal(again.get('t', 3)!.originAt(1)?.offset, 51);
  });
});
