/**
 * A link under work sharing: it reads and writes only the target partitions its instance owns, hands a batch
 * back when ownership goes away (before or during the write), and takes a partition over from where the
 * target shows earlier owners got.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GeomeshError } from '../../../../base/index.ts';
import { OriginHighwater } from '../../../../node/replication/index.ts';
import { FakeSink, TOPIC, linkWith } from '../../../support/fake-link.ts';

/** A sink that refuses writes the way the region node's fenced sink does once ownership is gone. */
class FencedSink extends FakeSink {
  isOwner = true;
  override write(...args: Parameters<FakeSink['write']>): ReturnType<FakeSink['write']> {
    if (!this.isOwner)
      return Promise.reject(new GeomeshError('GEOMESH_REPLICATION_NOT_OWNER', 'not the owner'));
    return super.write(...args);
  }
}

describe('link replicator under work sharing', () => {
  it('hands back a batch of a partition it does not own, unread and unwritten', async () => {
    let owned = false;
    const { source, sink, highwater } = await linkWith({ ownership: { owns: () => owned } });
    assert.deepEqual(await source.deliver(0, 9), { kind: 'released' });
    assert.equal(sink.written.length, 0);
    assert.equal(highwater.get(TOPIC, 0, 'a'), -1, 'no mark moved');
    owned = true;
    assert.deepEqual(await source.deliver(0, 9), { kind: 'done' });
    assert.equal(sink.written.length, 10);
  });

  it('tells the source which partitions are readable, from the ownership', async () => {
    const owns = new Set([1]);
    const { source } = await linkWith({ ownership: { owns: (_t, p) => owns.has(p) } });
    assert.equal(source.isReadable?.({ topic: TOPIC, partition: 0 }), false);
    assert.equal(source.isReadable?.({ topic: TOPIC, partition: 1 }), true);
    const plain = await linkWith();
    assert.equal(plain.source.isReadable, undefined, 'without work sharing every partition is read');
  });

  it('ends the batch without retrying when the sink refuses the write as not owned', async () => {
    const sink = new FencedSink();
    const { source, link } = await linkWith({ ownership: { owns: () => true }, sink });
    assert.deepEqual(await source.deliver(0, 4), { kind: 'done' });
    sink.isOwner = false;
    assert.deepEqual(await source.deliver(5, 9), { kind: 'released' });
    assert.equal(sink.written.length, 5, 'nothing written after ownership went');
    assert.equal(link.stats.writeRetries, 0, 'a fenced write is not retried');
  });

  it('takes a partition over just past the mark of the source region, and drops it by pausing', async () => {
    const highwater = new OriginHighwater();
    const { source, link } = await linkWith({ ownership: { owns: () => true }, highwater });
    link.takePartitions([{ topic: TOPIC, partition: 0 }]);
    assert.deepEqual(
      source.resumedAt.at(-1),
      { partition: 0, position: undefined },
      'nothing known: earliest',
    );
    highwater.advance(TOPIC, 0, 'a', 41);
    highwater.advance(TOPIC, 0, 'c', 900);
    source.committed = 30;
    link.takePartitions([
      { topic: TOPIC, partition: 0 },
      { topic: 'other-topic', partition: 0 },
    ]);
    assert.deepEqual(
      source.resumedAt.at(-1),
      { partition: 0, position: 42 },
      'mark of a + 1 beats committed 30',
    );
    assert.equal(source.resumedAt.length, 2, 'a topic the link does not carry is left alone');
    source.committed = 50;
    link.takePartitions([{ topic: TOPIC, partition: 0 }]);
    assert.deepEqual(source.resumedAt.at(-1), { partition: 0, position: 50 });
    link.dropPartitions([{ topic: TOPIC, partition: 0 }]);
    assert.ok(source.paused.has(0));
  });
});
