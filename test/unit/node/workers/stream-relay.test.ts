/**
 * Record streams of workers through the main thread (stream-relay.ts): the two sides wired to each other
 * through structured clones, as the worker boundary carries the messages, over a fake source node.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../../../../node/log/index.ts';
import type { StreamRecordsBatch, StreamRecordsRequest } from '../../../../node/rpc/index.ts';
import type { PeerRecordStreams } from '../../../../node/stream/index.ts';
import {
  decodeMainMessage,
  decodeWorkerMessage,
  PeerBoard,
  peerStateOf,
  STREAM_RELAY_WINDOW_BATCHES,
  StreamRelayClient,
  StreamRelayHost,
  type PeerState,
} from '../../../../node/workers/index.ts';

const logger = createLogger({ level: 'silent' });
const request: StreamRecordsRequest = {
  region: 'b',
  topic: 'orders',
  partitions: [{ partition: 0, fromOffset: 0 }],
  compression: 'none',
  maxBatchBytes: 0,
};

function batch(i: number): StreamRecordsBatch {
  return {
    topic: 'orders',
    partition: 0,
    nextOffset: i + 1,
    highWatermark: 100,
    compression: 'none',
    records: Buffer.from(`records of batch ${i}`),
    recordCount: 1,
    readCount: 1,
    uncompressedBytes: 100 + i,
  };
}

/** A source node whose stream yields `count` batches (then ends, or fails with `failWith`). */
function sourceNode(count: number, failWith?: string) {
  const seen = { pulled: 0, signals: [] as AbortSignal[], requests: [] as StreamRecordsRequest[] };
  let state: 'up' | 'down' | 'unheard' = 'up';
  const peer: PeerRecordStreams = {
    isUp: () => state === 'up',
    isUnheard: () => state === 'unheard',
    open: (req, signal) => {
      seen.requests.push(req);
      seen.signals.push(signal);
      return (async function* () {
        for (let i = 0; i < count; i++) {
          if (signal.aborted) throw new Error('cancelled');
          seen.pulled++;
          yield batch(i);
          await new Promise((resolve) => setImmediate(resolve));
        }
        if (failWith) throw new Error(failWith);
      })();
    },
  };
  return { peer, seen, setState: (s: typeof state) => (state = s) };
}

/** A host and a client (worker 0) talking through structured clones. */
function relay(peer: PeerRecordStreams | undefined, regions = ['a']) {
  const board = new PeerBoard(regions);
  const streamed: [number, number][] = [];
  const host = new StreamRelayHost({
    peer: (from) => (from === 'a' ? peer : undefined),
    pathObserverOf: () => ({ streamed: (wire, plain) => void streamed.push([wire, plain]) }),
    board,
    logger,
  });
  // The worker's board is a view of the same shared memory, as its start message carries it.
  const client = new StreamRelayClient(
    (message) => {
      const m = decodeWorkerMessage(structuredClone(message));
      if (m.kind === 'stream-open')
        host.open(0, m, (reply, transfer) =>
          client.onMessage(decodeMainMessage(structuredClone(reply, { transfer: transfer ?? [] }))),
        );
      else if (m.kind === 'stream-taken') host.taken(0, m.id);
      else if (m.kind === 'stream-close') host.close(0, m.id);
    },
    new PeerBoard(regions, board.buffer),
  );
  host.start();
  return { host, client, streamed, board };
}

async function collect(iterable: AsyncIterable<StreamRecordsBatch>): Promise<StreamRecordsBatch[]> {
  const out: StreamRecordsBatch[] = [];
  for await (const b of iterable) out.push(b);
  return out;
}

describe('StreamRelayHost and StreamRelayClient', () => {
  it('hands every batch over in order, its bytes as Buffers, then ends; the bytes counted on the main thread', async () => {
    const { peer, seen } = sourceNode(20);
    const { host, client, streamed } = relay(peer);
    const got = await collect(client.peer('a')!.open(request, new AbortController().signal));
    assert.equal(got.length, 20);
    assert.deepEqual(
      got.map((b) => b.nextOffset),
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    for (const [i, b] of got.entries()) {
      assert.ok(Buffer.isBuffer(b.records));
      // Moved in a buffer of their own, not cloned with the (pooled) buffer the source's records were a view of.
      assert.equal(b.records.buffer.byteLength, b.records.length);
      assert.equal(b.records.toString(), `records of batch ${i}`);
    }
    assert.deepEqual(seen.requests, [request]);
    assert.equal(streamed.length, 20);
    assert.deepEqual(streamed[3], [batch(3).records.length, 103]);
    assert.equal(host.openStreams, 0);
    host.stop();
  });

  it('reads the call no further than the window ahead of the worker', async () => {
    const { peer, seen } = sourceNode(100);
    const { host, client } = relay(peer);
    const iterator = client.peer('a')!.open(request, new AbortController().signal)[Symbol.asyncIterator]();
    const first = await iterator.next();
    assert.equal(first.done ? undefined : first.value.nextOffset, 1);
    // The worker holds still: the host hands over at most the window beyond what was taken.
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(
      seen.pulled <= STREAM_RELAY_WINDOW_BATCHES + 1,
      `pulled ${seen.pulled} while the worker took 1`,
    );
    assert.ok(seen.pulled >= 2, `the window lets the host read ahead (pulled ${seen.pulled})`);
    let taken = 1;
    while (!(await iterator.next()).done) taken++;
    assert.equal(taken, 100);
    host.stop();
  });

  it("cancels the call when the worker's link aborts, and the worker's reading ends", async () => {
    const { peer, seen } = sourceNode(1_000_000);
    const { host, client } = relay(peer);
    const controller = new AbortController();
    let got = 0;
    await assert.rejects(async () => {
      for await (const _ of client.peer('a')!.open(request, controller.signal))
        if (++got === 3) controller.abort();
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(seen.signals[0]!.aborted, true, "the main thread's call is cancelled");
    assert.equal(host.openStreams, 0);
    host.stop();
  });

  it("a failed call fails the worker's reading with its reason; without a channel it says so", async () => {
    const failing = relay(sourceNode(2, 'UNAVAILABLE: the node of a went away').peer);
    await assert.rejects(
      collect(failing.client.peer('a')!.open(request, new AbortController().signal)),
      /UNAVAILABLE: the node of a went away/,
    );
    failing.host.stop();
    // The board says a channel exists, but it is gone by the time the stream opens.
    const board = relay(undefined);
    board.board.set('a', 'up');
    await assert.rejects(
      collect(board.client.peer('a')!.open(request, new AbortController().signal)),
      /no channel to a's node/,
    );
    board.host.stop();
  });

  it("cancels an ended worker's calls, and every call when stopped", async () => {
    const { peer, seen } = sourceNode(1_000_000);
    const { host, client } = relay(peer);
    const iterator = client.peer('a')!.open(request, new AbortController().signal)[Symbol.asyncIterator]();
    await iterator.next();
    host.closeWorker(1);
    assert.equal(host.openStreams, 1, "another worker's ending leaves the call");
    host.closeWorker(0);
    assert.equal(host.openStreams, 0);
    assert.equal(seen.signals[0]!.aborted, true);
    const second = client.peer('a')!.open(request, new AbortController().signal)[Symbol.asyncIterator]();
    await second.next();
    host.stop();
    assert.equal(seen.signals[1]!.aborted, true);
  });

  it("publishes the source nodes' states to the workers' boards", async () => {
    const { peer, setState } = sourceNode(0);
    const { host, client } = relay(peer, ['a', 'c']);
    const stateOf = (): PeerState => {
      const p = client.peer('a');
      return p === undefined ? 'none' : p.isUnheard!() ? 'unheard' : p.isUp() ? 'up' : 'down';
    };
    assert.equal(stateOf(), 'up');
    assert.equal(client.peer('c'), undefined, 'no channel to c: no peer');
    setState('down');
    await new Promise((resolve) => setTimeout(resolve, 250));
    assert.equal(stateOf(), 'down');
    setState('unheard');
    await new Promise((resolve) => setTimeout(resolve, 250));
    assert.equal(stateOf(), 'unheard');
    host.stop();
    assert.equal(peerStateOf(undefined), 'none');
    assert.equal(new PeerBoard(['a']).get('unknown-region'), 'none');
  });
});
