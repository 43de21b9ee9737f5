/**
 * Shared reads (node/stream/shared-reads.ts) over in-memory logs: streams of the same topic are served from
 * one read of each partition; a stream behind the window reads on its own until it reaches it; a slow stream
 * falls off instead of stalling the others; every stream gets every record once, in order per partition.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it, type TestContext } from 'node:test';
import type { SourceRecord } from '../../../../node/replication/index.ts';
import {
  recordBytes,
  SharedReads,
  type FanoutBatch,
  type FanoutRead,
} from '../../../../node/stream/index.ts';
import { LogRecordSource } from '../../../support/log-record-source.ts';
import { testLogger } from '../../../support/test-logger.ts';

const PARTITIONS = [0, 1];

function record(partition: number, offset: number): SourceRecord {
  return {
    topic: 't',
    partition,
    offset,
    timestamp: '1',
    key: null,
    value: Buffer.from(`p${partition}-${offset}`.padEnd(100, '.')),
    headers: {},
  };
}
const RECORD = recordBytes(record(0, 0));

/** Shared reads over logs of `logEnd` records per partition (more appear as `grow` raises it). */
function setup(t: TestContext, options: { logEnd: number; windowRecords: number; slowStreamMs?: number }) {
  let logEnd = options.logEnd;
  const opened: { groupId: string; source: LogRecordSource }[] = [];
  const read: Record<FanoutRead, number> = { shared: 0, own: 0 };
  const deleted: string[] = [];
  const reads = new SharedReads({
    mesh: 'm',
    region: 'a',
    openReader: (groupId) => {
      const source = new LogRecordSource(PARTITIONS, (p, o) => (o < logEnd ? record(p, o) : undefined), 10);
      opened.push({ groupId, source });
      return source;
    },
    deleteReaderGroup: (groupId) => {
      deleted.push(groupId);
      return Promise.resolve();
    },
    windowBytes: options.windowRecords * RECORD,
    ...(options.slowStreamMs !== undefined && { slowStreamMs: options.slowStreamMs }),
    onRead: (_topic, kind, records) => (read[kind] += records),
    logger: testLogger(),
  });
  const controllers: AbortController[] = [];
  t.after(() => controllers.forEach((c) => c.abort()));
  /** A stream from `from` on every partition; `gate` (when given) holds each delivery until it resolves. */
  const stream = (to: string, from: number, gate?: () => Promise<void>) => {
    const controller = new AbortController();
    controllers.push(controller);
    const got = new Map<number, number[]>(PARTITIONS.map((p) => [p, []]));
    const served = reads.serve({
      to,
      topic: 't',
      starts: new Map(PARTITIONS.map((p) => [p, from])),
      signal: controller.signal,
      deliver: async (batch: FanoutBatch) => {
        await gate?.();
        got.get(batch.partition)!.push(...batch.records.map((r) => r.offset));
      },
    });
    return { got, served, stop: () => controller.abort(), count: () => [...got.values()].flat().length };
  };
  return {
    reads,
    opened,
    read,
    deleted,
    stream,
    grow: (to: number) => (logEnd = to),
  };
}

/** Each partition's offsets from `from` to `to`, in order: what a stream must have got. */
function expected(from: number, to: number): Map<number, number[]> {
  const offsets = Array.from({ length: to - from }, (_, i) => from + i);
  return new Map(PARTITIONS.map((p) => [p, offsets]));
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('shared reads (one read of a partition for every stream)', () => {
  it('reads each partition once for two streams, each of which gets every record once, in order', async (t) => {
    const s = setup(t, { logEnd: 500, windowRecords: 1_000 });
    const b = s.stream('b', 0);
    const c = s.stream('c', 0);
    await waitFor(() => b.count() === 1_000 && c.count() === 1_000, 'both streams to get 1,000 records');
    assert.deepEqual(b.got, expected(0, 500));
    assert.deepEqual(c.got, expected(0, 500));
    assert.equal(s.read.shared, 1_000, 'each record of each partition read once');
    assert.equal(s.read.own, 0);
    assert.equal(s.opened.length, 1, 'one reader for both streams');
    b.stop();
    c.stop();
    await Promise.all([b.served, c.served]);
    assert.ok(s.opened[0]!.source.stopped, 'the shared reader stops with its last stream');
    assert.match(s.deleted.join(), /geomesh\.m\.a\.fanout\.t\./);
    assert.deepEqual(s.reads.reading(), []);
  });

  it('lets a stream far behind read on its own until it reaches the shared read, then follow it', async (t) => {
    const s = setup(t, { logEnd: 400, windowRecords: 20 });
    const b = s.stream('b', 300);
    await waitFor(() => b.count() === 200, 'b to reach the log end');
    // c asks for everything from 0: the window (from ~380) no longer holds it.
    const c = s.stream('c', 0);
    await waitFor(() => c.count() === 800, 'c to reach the log end');
    s.grow(600);
    await waitFor(() => b.count() === 600 && c.count() === 1_200, 'both to get the new records');
    assert.deepEqual(b.got, expected(300, 600));
    assert.deepEqual(c.got, expected(0, 600));
    assert.ok(s.read.own >= 2 * 300, `c read its first records on its own (${s.read.own})`);
    // The 400 new records were read once for both streams (c followed the shared read by then).
    assert.equal(s.read.shared, 2 * 100 + 2 * 200, 'b read shared from 300, the new records once');
    assert.equal(s.opened.length, 2, "the shared reader and c's own");
  });

  it('does not let a stalled stream hold the others beyond the bound: it falls off and catches up on its own', async (t) => {
    const s = setup(t, { logEnd: 2_000, windowRecords: 20, slowStreamMs: 200 });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const fast = s.stream('fast', 0);
    const slow = s.stream('slow', 0, () => held);
    const startedAt = Date.now();
    await waitFor(() => fast.count() === 4_000, 'the fast stream to reach the log end');
    const tookMs = Date.now() - startedAt;
    assert.equal(slow.count(), 0, 'the slow stream is still held');
    release();
    await waitFor(() => slow.count() === 4_000, 'the slow stream to catch up');
    assert.deepEqual(fast.got, expected(0, 2_000));
    assert.deepEqual(slow.got, expected(0, 2_000));
    assert.ok(s.read.own > 0, 'the slow stream read on its own after it fell off');
    console.log(`[shared-reads] fast stream done in ${tookMs} ms while the other was held`);
  });

  it('goes at the pace of the fastest stream: a slow one that keeps moving does not hold the others to its pace', async (t) => {
    const s = setup(t, { logEnd: 2_000, windowRecords: 20, slowStreamMs: 200 });
    const fast = s.stream('fast', 0);
    // 20 ms per batch of at most 10 records: at least 4 s for its 4,000 records.
    const slow = s.stream('slow', 0, () => sleep(20));
    await waitFor(() => fast.count() === 4_000, 'the fast stream to reach the log end', 20_000);
    const slowAtThen = slow.count();
    assert.ok(slowAtThen < 2_000, `the fast stream finished while the slow one had ${slowAtThen} of 4,000`);
    await waitFor(() => slow.count() === 4_000, 'the slow stream to finish', 30_000);
    assert.deepEqual(fast.got, expected(0, 2_000));
    assert.deepEqual(slow.got, expected(0, 2_000));
  });

  it('serves a stream that starts ahead of the shared read once the read gets there', async (t) => {
    const s = setup(t, { logEnd: 300, windowRecords: 1_000 });
    const b = s.stream('b', 0);
    const c = s.stream('c', 250);
    await waitFor(() => b.count() === 600 && c.count() === 100, 'both streams to reach the log end');
    assert.deepEqual(c.got, expected(250, 300));
    assert.equal(s.read.shared, 600);
  });
});
