import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type { BatchOutcome, SourceBatch, TopicPartition } from '../../../../node/replication/index.ts';
import type { StreamRecordsBatch, StreamRecordsRequest } from '../../../../node/rpc/index.ts';
import {
  compressRecords,
  encodeStreamRecordsV1,
  StreamRecordSource,
  type LinkPath,
  type PeerRecordStreams,
} from '../../../../node/stream/index.ts';
import { StubRecordSource } from '../../../support/stub-record-source.ts';
import { testLogger } from '../../../support/test-logger.ts';

function streamBatch(offsets: number[], nextOffset: number): StreamRecordsBatch {
  const encoded = encodeStreamRecordsV1(
    offsets.map((offset) => ({
      offset,
      timestamp: '1',
      key: null,
      value: Buffer.from(`v${offset}`),
      headers: {},
    })),
  );
  return {
    topic: 't',
    partition: 0,
    nextOffset,
    highWatermark: nextOffset,
    compression: 'zstd',
    records: compressRecords(encoded, 'zstd'),
    recordCount: offsets.length,
    readCount: nextOffset - (offsets[0] ?? nextOffset),
    uncompressedBytes: encoded.length,
  };
}

/** X's node: each stream plays the script given for it (batches, then silence or a failure). */
class FakePeer implements PeerRecordStreams {
  isUpNow = true;
  /** No heartbeat outcome yet (the node just started). */
  isUnheardNow = false;
  readonly requests: StreamRecordsRequest[] = [];
  readonly scripts: { batches: StreamRecordsBatch[]; then: 'silence' | 'fail' }[] = [];
  isUp(): boolean {
    return this.isUpNow;
  }
  isUnheard(): boolean {
    return this.isUnheardNow;
  }
  open(request: StreamRecordsRequest, signal: AbortSignal): AsyncIterable<StreamRecordsBatch> {
    this.requests.push(request);
    const script = this.scripts.shift() ?? { batches: [], then: 'silence' as const };
    return (async function* () {
      for (const b of script.batches) yield b;
      if (script.then === 'fail') throw new Error('UNAVAILABLE: connection refused');
      await new Promise((_, reject) =>
        signal.addEventListener('abort', () => reject(new Error('cancelled'))),
      );
    })();
  }
}

/** X's cluster read directly: remembers where each spell started; the test hands it batches. */
class FakePull extends StubRecordSource {
  started: Map<number, number | undefined> | undefined;
  onBatch: ((batch: SourceBatch) => Promise<BatchOutcome>) | undefined;
  start(
    _topics: readonly string[],
    positionOf: (tp: TopicPartition) => number | undefined,
    onBatch: (batch: SourceBatch) => Promise<BatchOutcome>,
  ): Promise<void> {
    this.started = new Map([[0, positionOf({ topic: 't', partition: 0 })]]);
    this.onBatch = onBatch;
    return Promise.resolve();
  }
}

function setup(
  peer: FakePeer,
  options: { stallMs?: number; retryStreamMs?: number; firstHeartbeatWaitMs?: number } = {},
) {
  const pulls: FakePull[] = [];
  const paths: LinkPath[] = [];
  const handled: number[] = [];
  const source = new StreamRecordSource({
    from: 'a',
    to: 'b',
    openPull: () => {
      const pull = new FakePull(100);
      pulls.push(pull);
      return pull;
    },
    offsets: new FakePull(100),
    peer: () => peer,
    pastOwnMark: () => 5,
    stallMs: options.stallMs ?? 200,
    retryStreamMs: options.retryStreamMs ?? 100,
    ...(options.firstHeartbeatWaitMs !== undefined && { firstHeartbeatWaitMs: options.firstHeartbeatWaitMs }),
    observer: { path: (p) => paths.push(p), streamed: () => undefined },
    logger: testLogger(),
  });
  const start = () =>
    source.start(
      ['t'],
      () => undefined,
      (batch) => {
        handled.push(...[...batch.records].map((r) => r.offset));
        return Promise.resolve({ kind: 'done' });
      },
    );
  return { source, pulls, paths, handled, start };
}

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

describe('stream record source (stream, falling back to pull)', () => {
  it("streams from just past the mark of X's own records, and hands the link each batch", async (t) => {
    const peer = new FakePeer();
    peer.scripts.push({
      batches: [streamBatch([5, 7], 9), streamBatch([], 12), streamBatch([12], 13)],
      then: 'silence',
    });
    const { source, paths, handled, start } = setup(peer, { stallMs: 60_000 });
    t.after(() => source.stop());
    await start();
    await waitFor(() => handled.length === 3);
    assert.deepEqual(peer.requests[0]!.partitions, [{ partition: 0, fromOffset: 5 }]);
    assert.equal(peer.requests[0]!.region, 'b');
    assert.deepEqual(handled, [5, 7, 12]);
    assert.deepEqual(paths, ['stream']);
    assert.equal(source.path(), 'stream');
  });

  it("starting before X's node was heard from, waits for its first heartbeat and starts on the stream", async (t) => {
    const peer = new FakePeer();
    peer.isUpNow = false;
    peer.isUnheardNow = true;
    const { source, pulls, paths, start } = setup(peer, { stallMs: 60_000, retryStreamMs: 60_000 });
    t.after(() => source.stop());
    let isStarted = false;
    const starting = start().then(() => (isStarted = true));
    await sleep(100);
    assert.equal(isStarted, false, 'the start waits for the first heartbeat');
    assert.deepEqual(paths, []);
    Object.assign(peer, { isUpNow: true, isUnheardNow: false });
    await starting;
    assert.deepEqual(paths, ['stream'], 'on the stream from the start, no pull spell');
    assert.equal(pulls.length, 0);
    assert.equal(source.switches, 0);
  });

  it('pulls when the first heartbeat fails, or has no outcome within firstHeartbeatWaitMs', async (t) => {
    const failed = new FakePeer();
    failed.isUpNow = false;
    failed.isUnheardNow = true;
    const a = setup(failed, { stallMs: 60_000, retryStreamMs: 60_000, firstHeartbeatWaitMs: 60_000 });
    t.after(() => a.source.stop());
    const starting = a.start();
    await sleep(50);
    failed.isUnheardNow = false; // answered with an error: still not up
    await starting;
    assert.deepEqual(a.paths, ['pull']);

    const silent = new FakePeer();
    silent.isUpNow = false;
    silent.isUnheardNow = true;
    const b = setup(silent, { stallMs: 60_000, retryStreamMs: 60_000, firstHeartbeatWaitMs: 100 });
    t.after(() => b.source.stop());
    await b.start();
    assert.deepEqual(b.paths, ['pull'], 'no outcome within the bound: it pulls');
  });

  it('pulls from the next offset not handled when the stream stalls, and streams again from there', async (t) => {
    const peer = new FakePeer();
    peer.scripts.push({ batches: [streamBatch([5, 6], 10)], then: 'silence' });
    const { source, pulls, paths, handled, start } = setup(peer);
    t.after(() => source.stop());
    peer.isUpNow = true;
    await start();
    peer.isUpNow = false;
    await waitFor(() => source.path() === 'pull' && pulls[0]?.started !== undefined);
    assert.deepEqual(handled, [5, 6]);
    assert.equal(pulls[0]!.started!.get(0), 10, 'the pull starts past the records filtered out too');
    // The pull reads on: 10, 11 handled.
    await pulls[0]!.onBatch!({
      topic: 't',
      partition: 0,
      highWatermark: 12,
      records: [10, 11].map((offset) => ({
        topic: 't',
        partition: 0,
        offset,
        timestamp: '1',
        key: null,
        value: null,
        headers: {},
      })),
    });
    await sleep(250);
    assert.equal(source.path(), 'pull', 'stays on pull while the node does not answer');
    peer.isUpNow = true;
    await waitFor(() => source.path() === 'stream');
    assert.ok(pulls[0]!.stopped, 'the pull reader stopped before streaming again');
    assert.deepEqual(peer.requests[1]!.partitions, [{ partition: 0, fromOffset: 12 }]);
    assert.deepEqual(paths, ['stream', 'pull', 'stream']);
    assert.equal(source.switches, 2);
  });

  it('pulls at once when the stream fails, and when the node is down at start', async (t) => {
    const peer = new FakePeer();
    peer.scripts.push({ batches: [], then: 'fail' });
    const { source, paths, start } = setup(peer, { stallMs: 60_000, retryStreamMs: 60_000 });
    t.after(() => source.stop());
    await start();
    await waitFor(() => source.path() === 'pull' && paths.length === 2);
    assert.deepEqual(paths, ['stream', 'pull']);

    const down = new FakePeer();
    down.isUpNow = false;
    const second = setup(down, { retryStreamMs: 60_000 });
    t.after(() => second.source.stop());
    await second.start();
    assert.equal(second.source.path(), 'pull');
    assert.equal(down.requests.length, 0);
    assert.equal(second.pulls[0]!.started!.get(0), 5);
  });
});
