/**
 * Fetch responses given back early (kafkajs as patched, `network/responseBuffers.js`): a response's buffer is
 * detached when the last batch read in place from it is released, never while another still holds it, never
 * when something else keeps views of it (pinned) or it holds more than that response (not owned).
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { FetchedRecords as FetchedLayout } from 'kafkajs';
import { FetchedRecords } from '../../../../node/kafka/fetched-records.ts';

const requireKafkajs = createRequire(import.meta.url);
const responseBuffers = requireKafkajs('kafkajs/src/network/responseBuffers.js') as {
  own(buffer: ArrayBuffer): void;
  hold(buffer: ArrayBuffer): boolean;
  pin(buffer: ArrayBuffer): void;
  release(buffer: ArrayBuffer): void;
};
const encodeRecord = requireKafkajs('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (r: {
  offsetDelta: number;
  timestampDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer>;
}) => { buffer: Buffer };
const { RecordBatch } = requireKafkajs('kafkajs/src/protocol/recordBatch/v0/index.js') as {
  RecordBatch(this: void, args: Record<string, unknown>): Promise<{ buffer: Buffer }>;
};
const Decoder = requireKafkajs('kafkajs/src/protocol/decoder.js') as new (b: Buffer) => unknown;
const decodeMessages = requireKafkajs('kafkajs/src/protocol/requests/fetch/v4/decodeMessages.js') as (
  decoder: unknown,
) => Promise<unknown[]>;
const Batch = requireKafkajs('kafkajs/src/consumer/batch.js') as new (
  topic: string,
  fetchedOffset: string,
  partitionData: Record<string, unknown>,
  options?: { fetchedRecords: boolean },
) => { fetchedRecords?: FetchedLayout; decode(): unknown };

/** A partition's records as a fetch response holds them: size, then one record batch of `values`. */
async function partitionBytes(values: string[]): Promise<Buffer> {
  const batch = await RecordBatch({
    records: values.map((v, i) =>
      encodeRecord({ offsetDelta: i, timestampDelta: 0, key: null, value: Buffer.from(v), headers: {} }),
    ),
    compression: 0,
    firstOffset: 0n,
    firstTimestamp: 1_765_000_000_000,
    maxTimestamp: 1_765_000_000_000,
    lastOffsetDelta: values.length - 1,
  });
  const size = Buffer.alloc(4);
  size.writeInt32BE(batch.buffer.length);
  return Buffer.concat([size, batch.buffer]);
}

/** Batches of partitions 0 and 1 read in place from one response buffer (owned unless said). */
async function twoBatches(owned = true) {
  const parts = [await partitionBytes(['a0', 'a1']), await partitionBytes(['b0'])];
  const response = Buffer.from(new Uint8Array(Buffer.concat(parts)).buffer);
  if (owned) responseBuffers.own(response.buffer);
  const decoder = new Decoder(response);
  const batches = [];
  for (let p = 0; p < parts.length; p++) {
    const messages = await decodeMessages(decoder);
    batches.push(
      new Batch(
        't',
        '0',
        { partition: p, highWatermark: '9', messages, abortedTransactions: [] },
        { fetchedRecords: true },
      ),
    );
  }
  // As the runner does: every batch of a response is made first, then each decoded in its turn.
  const lists = batches.map((b) => {
    b.decode();
    return new FetchedRecords('t', 0, b.fetchedRecords!);
  });
  return { buffer: response.buffer, lists };
}

describe('fetch responses given back (kafkajs responseBuffers, patched)', () => {
  it("detaches a response's buffer at the last release of its batches, not before; a list is not read after", async () => {
    const { buffer, lists } = await twoBatches();
    const [first, second] = lists as [FetchedRecords, FetchedRecords];
    first.release();
    assert.ok(buffer.byteLength > 0, 'the other batch still holds it');
    assert.equal(second.at(0)!.value!.toString(), 'b0');
    first.release();
    assert.ok(buffer.byteLength > 0, 'a second release of the same batch counts once');
    assert.throws(() => first.at(0), /read after they were released/);
    second.release();
    assert.equal(buffer.byteLength, 0, 'given back once both were released');
  });

  it('never detaches a response something else keeps views of, or one that is not a response alone', async () => {
    const pinned = await twoBatches();
    responseBuffers.pin(pinned.buffer);
    for (const list of pinned.lists) list.release();
    assert.ok(pinned.buffer.byteLength > 0);
    const notOwned = await twoBatches(false);
    for (const list of notOwned.lists) list.release();
    assert.ok(notOwned.buffer.byteLength > 0);
  });

  it('property: detached exactly when its last holder releases it, never while pinned', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.boolean(), (holders, pinned) => {
        const buffer = new ArrayBuffer(64);
        responseBuffers.own(buffer);
        for (let i = 0; i < holders; i++) assert.equal(responseBuffers.hold(buffer), true);
        if (pinned) responseBuffers.pin(buffer);
        for (let left = holders; left > 0; left--) {
          assert.ok(buffer.byteLength > 0, `still held by ${left}`);
          responseBuffers.release(buffer);
        }
        assert.equal(buffer.byteLength, pinned ? 64 : 0);
        assert.equal(responseBuffers.hold(buffer), false, 'nothing holds a buffer given back or pinned');
      }),
      { numRuns: 100 },
    );
  });
});
