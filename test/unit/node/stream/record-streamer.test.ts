import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it, type TestContext } from 'node:test';
import {
  encodeOriginHeaders,
  ProvenanceKeySet,
  type Headers,
  type SourceRecord,
} from '../../../../node/replication/index.ts';
import {
  createPeerClient,
  type StreamRecordsBatch,
  type StreamRecordsRequest,
} from '../../../../node/rpc/index.ts';
import {
  chunkByBytes,
  decodeStreamRecordsV1,
  decompressRecords,
  neededRecords,
  RecordStreamer,
  SharedReads,
} from '../../../../node/stream/index.ts';
import { LogRecordSource } from '../../../support/log-record-source.ts';
import { testLogger } from '../../../support/test-logger.ts';
import { startServer } from '../rpc/fixtures.ts';

const mesh = 'm';
const key = Buffer.from('0123456789abcdef0123456789abcdef');
const keys = new ProvenanceKeySet(key);
const otherKeys = new ProvenanceKeySet(Buffer.from('fedcba9876543210fedcba9876543210'));
/** Link a → b of a full mesh a, b, c: it carries a's own records only. */
const link = { from: 'a', to: 'b', forwardsOrigin: (o: string) => o === 'a' };
const meshRegions = new Set(['a', 'b', 'c']);

function record(offset: number, headers: Headers = {}, value = `v${offset}`): SourceRecord {
  return {
    topic: 't',
    partition: 0,
    offset,
    timestamp: '1700000000000',
    key: null,
    value: Buffer.from(value),
    headers,
  };
}

/** A record of `origin` as replicated into a's partition at `offset`, tagged by `tagKeys`. */
function replica(offset: number, origin: string, tagKeys = keys): SourceRecord {
  const base = record(offset);
  return {
    ...base,
    headers: encodeOriginHeaders({}, tagKeys, mesh, { region: origin, offset: 100 + offset }, base),
  };
}

describe('stream filter (which records the requesting region needs)', () => {
  it('keeps what the link forwards, by verified origin, and drops loops and other origins', () => {
    const records = [
      record(0), // local to a: b needs it
      replica(1, 'b'), // b's own record: a loop
      replica(2, 'c'), // c's record: b gets it from c, not a
      record(3, { 'geomesh.origin': Buffer.from('c'), 'geomesh.origin.offset': Buffer.from('5') }), // forged: local
      replica(4, 'c', otherKeys), // tag a does not verify, claiming c: dropped by its claim like a verified one
      replica(5, 'a', otherKeys), // unverifiable claim of origin a: b must judge it (halt or skip)
    ];
    const kept = neededRecords(records, { mesh, link, provenanceKeys: keys, meshRegions });
    assert.deepEqual(
      kept.map((r) => r.offset),
      [0, 3, 5],
    );
  });

  it('splits batches at the byte bound, a larger record alone', () => {
    const small = [0, 1, 2, 3].map((o) => record(o, {}, 'x'.repeat(100)));
    assert.deepEqual(
      chunkByBytes(small, 300).map((c) => c.map((r) => r.offset)),
      [
        [0, 1],
        [2, 3],
      ],
    );
    const big = [record(0, {}, 'x'.repeat(1000)), record(1, {}, 'y')];
    assert.deepEqual(
      chunkByBytes(big, 300).map((c) => c.map((r) => r.offset)),
      [[0], [1]],
    );
  });
});

/**
 * Readers over an endless log made of `makeRecords(from)` runs, the first at offset 10 (where the requests
 * start), one source per reader opened; each batch is one run.
 */
function sources(partitions: number[], makeRecords: (from: number) => SourceRecord[]) {
  const opened: { groupId: string; source: LogRecordSource }[] = [];
  const batchSize = makeRecords(0).length;
  const recordAt = (_partition: number, offset: number): SourceRecord => {
    const from = offset - ((offset - 10 + batchSize * 1e6) % batchSize);
    return makeRecords(from)[offset - from]!;
  };
  return {
    opened,
    openReader: (groupId: string) => {
      const source = new LogRecordSource(partitions, recordAt, batchSize);
      opened.push({ groupId, source });
      return source;
    },
    delivered: () => opened.reduce((n, o) => n + o.source.batchesDelivered, 0),
  };
}

async function serve(t: TestContext, reads: ReturnType<typeof sources>, deleted: string[] = []) {
  const shared = new SharedReads({
    mesh,
    region: 'a',
    openReader: reads.openReader,
    deleteReaderGroup: (groupId) => {
      deleted.push(groupId);
      return Promise.resolve();
    },
    logger: testLogger(),
  });
  const streamer = new RecordStreamer({
    mesh,
    region: 'a',
    meshRegions,
    provenanceKeys: () => keys,
    linkTo: () => link,
    reads: shared,
    logger: testLogger(),
  });
  const { address } = await startServer(t, {
    peerStream: { streamRecords: (req, ctx, send) => streamer.streamRecords(req, ctx, send) },
  });
  const client = createPeerClient(address, { transport: { mode: 'insecure' } });
  t.after(() => client.close());
  return client;
}

const request: StreamRecordsRequest = {
  region: 'b',
  topic: 't',
  partitions: [{ partition: 0, fromOffset: 10 }],
  compression: '',
  maxBatchBytes: 0,
};

function decoded(batch: StreamRecordsBatch) {
  return decodeStreamRecordsV1(decompressRecords(batch.records, batch.compression, batch.uncompressedBytes));
}

describe('record streamer over Peer.StreamRecords', () => {
  it('sends only what b needs, with source offsets and where the next read starts, zstd by default', async (t) => {
    // Every batch of 4: a local record, b's replica, c's replica, a local one.
    const source = sources([0, 1], (from) => [
      record(from),
      replica(from + 1, 'b'),
      replica(from + 2, 'c'),
      record(from + 3),
    ]);
    const deleted: string[] = [];
    const client = await serve(t, source, deleted);
    const controller = new AbortController();
    const batches: StreamRecordsBatch[] = [];
    for await (const batch of client.streamRecords(request, { signal: controller.signal })) {
      batches.push(batch);
      if (batches.length === 3) break;
    }
    assert.ok(
      batches.every((b) => b.partition === 0),
      'partition 1 was not asked for: never read',
    );
    assert.deepEqual(
      batches.map((b) => [b.compression, b.recordCount, b.readCount, b.nextOffset]),
      [
        ['zstd', 2, 4, 14],
        ['zstd', 2, 4, 18],
        ['zstd', 2, 4, 22],
      ],
    );
    assert.deepEqual(
      decoded(batches[1]!).map((r) => [r.offset, r.value?.toString()]),
      [
        [14, 'v14'],
        [17, 'v17'],
      ],
    );
    // Leaving the iteration cancels the call: the server stops its (shared) reader and deletes its group.
    await waitFor(() => source.opened.every((o) => o.source.stopped) && deleted.length === 1);
    assert.equal(source.opened.length, 1, 'one reader: the shared read');
    assert.match(deleted[0]!, /^geomesh\.m\.a\.fanout\.t\./);
  });

  it('is held back by flow control while the caller does not read', async (t) => {
    // 64 KiB of incompressible-ish bytes per batch, sent uncompressed.
    const value = Buffer.from(Array.from({ length: 64 * 1024 }, (_, i) => (i * 7919) % 251)).toString(
      'latin1',
    );
    const source = sources([0], (from) => [record(from, {}, value)]);
    const client = await serve(t, source);
    const iterator = client.streamRecords({ ...request, compression: 'none' })[Symbol.asyncIterator]();
    t.after(() => iterator.return?.());
    await iterator.next();
    // Wait until the server stops reading (its count holds still for 300 ms), or give up after 10 s.
    let heldAt = -1;
    for (let waited = 0; waited < 10_000 && heldAt !== source.delivered(); waited += 300) {
      heldAt = source.delivered();
      await sleep(300);
    }
    // Unbounded, the source would deliver thousands of batches a second (each is ~0.1 ms of work).
    assert.equal(source.delivered(), heldAt, 'the server stopped reading while the caller does not read');
    // The caller's flow-control window (RPC_DEFAULTS.flowControlWindowBytes, 8 MiB) holds about 128 of them.
    assert.ok(heldAt < 200, `the server read ${heldAt} batches ahead of a caller that read one`);
    // Reading what was sent (all but the last) opens the window again.
    for (let i = 1; i < heldAt; i++) await iterator.next();
    await waitFor(() => source.delivered() > heldAt);
    assert.ok(source.delivered() > heldAt, 'reading again lets the server go on');
  });

  it('gives a batch whose records b needs none of, empty, so b learns how far a read', async (t) => {
    const source = sources([0], (from) => [replica(from, 'c'), replica(from + 1, 'b')]);
    const client = await serve(t, source);
    for await (const batch of client.streamRecords({ ...request, compression: 'gzip' })) {
      assert.deepEqual(
        [batch.recordCount, batch.readCount, batch.nextOffset, batch.compression],
        [0, 2, 12, 'gzip'],
      );
      assert.deepEqual(decoded(batch), []);
      break;
    }
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}
