/**
 * A source batch larger than the link's maxBatchBytes, as the link writes it (over a fake source and sink):
 * in writes of at most maxBatchBytes, in order, each decided after the write before it was acknowledged, so
 * a later write sees the marks of an earlier one.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { silentLogger } from '../../../../node/log/index.ts';
import {
  LinkReplicator,
  OriginHighwater,
  approximateBytes,
  provenanceKeyObject,
  type RecordSet,
  type SourceRecord,
} from '../../../../node/replication/index.ts';
import { FakeSink, FakeSource, TOPIC, recordAt } from '../../../support/fake-link.ts';

const KEY = Buffer.alloc(32, 7);

/** A record of `t/0` at `offset`: local, or a replica of `c@originOffset`. */
function recordOf(offset: number, originOffset?: number, valueBytes = 40): SourceRecord {
  const origin = originOffset === undefined ? undefined : { region: 'c', offset: originOffset, key: KEY };
  return recordAt(offset, origin, Buffer.alloc(valueBytes, offset % 256));
}

/** A sink that remembers every write's records and their bytes as the link counts them. */
class CountingSink extends FakeSink {
  readonly writeBytes: number[] = [];
  override write(topic: string, partition: number, records: RecordSet) {
    this.writeBytes.push([...records].reduce((n, r) => n + approximateBytes(r), 0));
    return super.write(topic, partition, records);
  }
}

async function linkOf(maxBatchBytes: number) {
  const source = new FakeSource();
  const sink = new CountingSink();
  const highwater = new OriginHighwater();
  const link = new LinkReplicator({
    mesh: 'm',
    link: { from: 'a', to: 'b', forwardsOrigin: (o) => o === 'a' || o === 'c' },
    topics: [TOPIC],
    source,
    sink,
    maxBatchBytes,
    highwater,
    provenanceKey: provenanceKeyObject(KEY),
    logger: silentLogger(),
    truncationCheckIntervalMs: 0,
  });
  await link.start();
  return { link, source, sink, highwater };
}

function deliver(source: FakeSource, records: SourceRecord[]) {
  return source.onBatch!({
    topic: TOPIC,
    partition: 0,
    records,
    highWatermark: records.at(-1)!.offset + 1,
  });
}

describe('a batch larger than maxBatchBytes', () => {
  it('is written in order, in writes of at most maxBatchBytes, every record once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 120 }),
        fc.integer({ min: 1024, max: 8192 }),
        fc.integer({ min: 1, max: 300 }),
        async (count, maxBatchBytes, valueBytes) => {
          const { link, source, sink } = await linkOf(maxBatchBytes);
          const records = Array.from({ length: count }, (_, i) => recordOf(i, undefined, valueBytes));
          assert.deepEqual(await deliver(source, records), { kind: 'done' });
          assert.equal(sink.written.length, count);
          assert.deepEqual(
            sink.written,
            records.map((r) => r.value!.toString()),
          );
          for (const bytes of sink.writeBytes)
            assert.ok(bytes <= maxBatchBytes, `${bytes} > ${maxBatchBytes}`);
          // Each write is as full as the next record allows: no two neighbours would have fitted in one.
          for (let i = 1; i < sink.writes.length; i++) {
            const firstOfNext = sink.writeBytes[i]! / sink.writes[i]!;
            assert.ok(sink.writeBytes[i - 1]! + firstOfNext > maxBatchBytes - 1);
          }
          await link.stop();
        },
      ),
      { numRuns: 40 },
    );
  });

  it('decides a later write after the earlier one landed: a replica seen twice in one batch is written once', async () => {
    const { link, source, sink, highwater } = await linkOf(1024);
    // c@7 at source offset 0 and again at offset 40: more than one write apart.
    const records = [
      recordOf(0, 7),
      ...Array.from({ length: 39 }, (_, i) => recordOf(i + 1)),
      recordOf(40, 7),
    ];
    assert.deepEqual(await deliver(source, records), { kind: 'done' });
    assert.ok(sink.writes.length > 1, `one write only (${sink.writes.join(',')})`);
    assert.equal(sink.written.length, 40, 'the second copy of c@7 is dropped');
    assert.equal(link.stats.dropped.duplicate, 1);
    assert.ok(highwater.isDuplicate(TOPIC, 0, 'c', 7));
    await link.stop();
  });

  it('stops at a write the target refuses, leaving the rest of the batch undecided (and uncounted)', async () => {
    const { link, source, sink, highwater } = await linkOf(1024);
    highwater.advance(TOPIC, 0, 'c', 50);
    let calls = 0;
    const write = sink.write.bind(sink);
    sink.write = (topic, partition, records) => {
      calls++;
      if (calls === 2) return Promise.reject(new Error('target gone'));
      return write(topic, partition, records);
    };
    // 60 new replicas, then 10 already written (c@0..9): the refused write comes long before those.
    const records = [
      ...Array.from({ length: 60 }, (_, i) => recordOf(i, 100 + i)),
      ...Array.from({ length: 10 }, (_, i) => recordOf(60 + i, i)),
    ];
    await link.stop();
    // A stopped link does not retry: the failed write ends the batch, and nothing after it is written.
    await assert.rejects(deliver(source, records), /target gone/);
    assert.equal(calls, 2);
    assert.equal(sink.written.length, sink.writes[0]);
    // Undecided records are not counted: the batch is read again, and counted then.
    assert.equal(link.stats.dropped.duplicate, 0);
  });

  it('releases the batch once it is handled, after its last write landed; not after a failure', async () => {
    const { link, source, sink } = await linkOf(1024);
    const records = Array.from({ length: 50 }, (_, i) => recordOf(i));
    const released: number[] = [];
    // A list that can give its memory back (as fetched records can): written when it is released.
    const list = Object.assign([...records], { release: () => released.push(sink.written.length) });
    assert.deepEqual(
      await source.onBatch!({ topic: TOPIC, partition: 0, records: list, highWatermark: 50 }),
      {
        kind: 'done',
      },
    );
    assert.ok(sink.writes.length > 1);
    assert.deepEqual(released, [50], 'released once, with every record written');

    sink.write = () => Promise.reject(new Error('target gone'));
    await link.stop();
    const failing = Object.assign([recordOf(50)], { release: () => released.push(-1) });
    await assert.rejects(
      source.onBatch!({ topic: TOPIC, partition: 0, records: failing, highWatermark: 51 }),
      /target gone/,
    );
    assert.deepEqual(released, [50], 'a batch whose handling failed is not released');
  });
});
