/**
 * Source truncation and re-creation as the link sees them, over a fake source and sink: gaps compared with the
 * log start (truncation vs compaction), the halt and continue policies, and offsets going back (replay vs a
 * re-created partition, whose mark of the source's own records is rewound).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../../../../node/log/index.ts';
import { LinkReplicator, OriginHighwater, provenanceKeyObject } from '../../../../node/replication/index.ts';
import { FakeSink, FakeSource, TOPIC, linkWith } from '../../../support/fake-link.ts';
import { LINK_OPTION_DEFAULTS } from '../../../../topology/index.ts';

describe('source truncation', () => {
  it('a gap whose records the log start passed is a truncation of exactly those records', async () => {
    const { link, source, sink, truncated } = await linkWith();
    source.offsets = { logStart: 0, logEnd: 10 };
    assert.deepEqual(await source.deliver(0, 9), { kind: 'done' });
    source.offsets = { logStart: 25, logEnd: 30 };
    assert.deepEqual(await source.deliver(25, 29), { kind: 'done' });
    assert.deepEqual(truncated, [15]);
    assert.equal(link.stats.truncatedRecords, 15);
    assert.equal(sink.written.length, 15, 'the records after the gap are written (continue)');
  });

  it('a gap the log start did not pass (compaction, markers) is no truncation', async () => {
    const { link, source, sink, truncated } = await linkWith();
    source.offsets = { logStart: 0, logEnd: 30 };
    await source.deliver(0, 9);
    await source.deliver(14, 29);
    assert.equal(source.offsetCalls, 1, 'the gap was checked');
    assert.deepEqual(truncated, []);
    assert.equal(link.stats.truncatedRecords, 0);
    assert.equal(sink.written.length, 26);
  });

  it('a gap partly passed counts only the part below the log start', async () => {
    const { source, truncated } = await linkWith();
    source.offsets = { logStart: 0, logEnd: 30 };
    await source.deliver(0, 9);
    source.offsets = { logStart: 12, logEnd: 30 };
    await source.deliver(20, 29);
    assert.deepEqual(truncated, [2]);
  });

  it('halt: the partition halts before the batch, with the reason, and stays halted', async () => {
    const { link, source, sink, halted } = await linkWith({ policy: 'halt' });
    source.offsets = { logStart: 0, logEnd: 10 };
    await source.deliver(0, 9);
    source.offsets = { logStart: 25, logEnd: 30 };
    assert.deepEqual(await source.deliver(25, 29), { kind: 'halted', resumeAt: 25 });
    assert.deepEqual(halted, [0]);
    assert.equal(
      link.stats.halted.get(`${TOPIC}/0`),
      'source truncated: 15 records deleted before they were copied (offsets 10..24)',
    );
    assert.deepEqual(await source.deliver(25, 29), { kind: 'halted', resumeAt: 25 });
    assert.equal(link.stats.truncatedRecords, 15, 'counted once');
    assert.equal(sink.written.length, 10);
  });

  it('after a restart, the expectation comes from the marks and the committed offset', async () => {
    const highwater = new OriginHighwater();
    highwater.advance(TOPIC, 0, 'a', 19);
    const { source, truncated } = await linkWith({ highwater });
    source.committed = 15; // commits lag the writes
    source.offsets = { logStart: 35, logEnd: 50 };
    await source.deliver(35, 49);
    assert.deepEqual(truncated, [15], 'records 20..34 were never copied');
  });

  it('a fresh link with no history expects nothing: no truncation on its first batch', async () => {
    const { source, truncated } = await linkWith();
    source.offsets = { logStart: 100, logEnd: 110 };
    await source.deliver(100, 109);
    assert.equal(source.offsetCalls, 0);
    assert.deepEqual(truncated, []);
  });

  it('checks gaps at most once per interval', async () => {
    const source = new FakeSource();
    const link = new LinkReplicator({
      mesh: 'm',
      link: { from: 'a', to: 'b', forwardsOrigin: () => true },
      topics: [TOPIC],
      source,
      maxBatchBytes: LINK_OPTION_DEFAULTS.maxBatchBytes,
      sink: new FakeSink(),
      highwater: new OriginHighwater(),
      provenanceKey: provenanceKeyObject(Buffer.alloc(32, 7)),
      logger: silentLogger(),
      truncationCheckIntervalMs: 60_000,
    });
    await link.start();
    source.offsets = { logStart: 0, logEnd: 100 };
    await source.deliver(0, 9);
    await source.deliver(11, 19); // gap of 1 (a marker): checked, fine
    await source.deliver(21, 29); // gap of 1: within the interval, left for later
    assert.equal(source.offsetCalls, 1);
    assert.equal(link.stats.truncatedRecords, 0);
  });
});

describe('source offsets going back', () => {
  it('a replay (the partition still holds what was handled) drops duplicates and rewinds nothing', async () => {
    const { link, source, sink, highwater } = await linkWith();
    source.offsets = { logStart: 0, logEnd: 20 };
    await source.deliver(0, 19);
    await source.deliver(10, 19);
    assert.equal(source.offsetCalls, 1);
    assert.equal(sink.written.length, 20);
    assert.equal(link.stats.dropped.duplicate, 10);
    assert.equal(link.stats.sourceResets, 0);
    assert.equal(highwater.get(TOPIC, 0, 'a'), 19);
  });

  it('a re-created partition (it now ends before what was handled): continue rewinds the mark and copies the new records', async () => {
    const { link, source, sink, highwater, truncated } = await linkWith();
    source.offsets = { logStart: 0, logEnd: 30 };
    await source.deliver(0, 19, 30); // 20..29 existed, not copied yet
    source.offsets = { logStart: 0, logEnd: 5 };
    assert.deepEqual(await source.deliver(0, 4), { kind: 'done' });
    assert.equal(link.stats.sourceResets, 1);
    assert.deepEqual(truncated, [10], 'what the old partition held beyond the copied part');
    assert.equal(sink.written.length, 25, 'the new records are written, not dropped as duplicates');
    assert.equal(highwater.get(TOPIC, 0, 'a'), 4);
    await source.deliver(5, 9);
    assert.equal(sink.written.length, 30);
    assert.equal(link.stats.sourceResets, 1);
  });

  it('a re-created partition found after a restart (marks from the old one): continue', async () => {
    const highwater = new OriginHighwater();
    highwater.advance(TOPIC, 0, 'a', 99);
    highwater.advance(TOPIC, 0, 'c', 500);
    const { link, source, sink } = await linkWith({ highwater });
    source.offsets = { logStart: 0, logEnd: 3 };
    await source.deliver(0, 2);
    assert.equal(link.stats.sourceResets, 1);
    assert.equal(sink.written.length, 3);
    assert.equal(highwater.get(TOPIC, 0, 'c'), 500, "another origin's mark stays");
  });

  it('halt: a re-created partition halts before the batch and the marks stay', async () => {
    const { link, source, sink, highwater } = await linkWith({ policy: 'halt' });
    source.offsets = { logStart: 0, logEnd: 20 };
    await source.deliver(0, 19);
    source.offsets = { logStart: 0, logEnd: 5 };
    assert.deepEqual(await source.deliver(0, 4), { kind: 'halted', resumeAt: 0 });
    assert.match(link.stats.halted.get(`${TOPIC}/0`) ?? '', /source re-created or truncated from its end/);
    assert.equal(highwater.get(TOPIC, 0, 'a'), 19);
    assert.equal(sink.written.length, 20);
  });
});
