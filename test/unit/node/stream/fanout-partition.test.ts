/**
 * The window and positions of one partition read shared (FanoutPartition): what each stream reads next,
 * eviction by bytes, the streams an eviction would leave behind; and, by property, that a stream that
 * follows the window (and reads on its own whenever it falls behind) sees every offset once, in order.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { SourceRecord } from '../../../../node/replication/index.ts';
import { FanoutPartition, recordBytes } from '../../../../node/stream/index.ts';

function record(offset: number, valueBytes = 60): SourceRecord {
  return {
    topic: 't',
    partition: 0,
    offset,
    timestamp: '1',
    key: null,
    value: Buffer.alloc(valueBytes),
    headers: {},
  };
}
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => record(from + i));
/** Bytes of one 60-byte record as the window counts them. */
const RECORD = recordBytes(record(0));

describe('fanout partition (one partition read shared)', () => {
  it('serves each stream from its own position, waits at the head, and covers gaps', () => {
    const part = new FanoutPartition(10, 10 * RECORD);
    part.join('b', 10);
    part.join('c', 12);
    assert.deepEqual(part.next('b'), { kind: 'wait' });
    assert.equal(part.append({ records: range(10, 14), highWatermark: 20 }), 4);
    // A gap (a transaction marker at 14, say) then 15–16.
    part.append({ records: range(15, 17), highWatermark: 20 });
    const b = part.next('b');
    assert.equal(b.kind, 'batch');
    assert.deepEqual(b.kind === 'batch' && [b.records.map((r) => r.offset), b.readEnd], [
      [10, 11, 12, 13],
      14,
    ]);
    const c = part.next('c');
    assert.deepEqual(c.kind === 'batch' && [c.records.map((r) => r.offset), c.readEnd], [[12, 13], 14]);
    part.advance('c', 14);
    const c2 = part.next('c');
    assert.deepEqual(c2.kind === 'batch' && [c2.records.map((r) => r.offset), c2.readEnd], [[15, 16], 17]);
    part.advance('c', 17);
    assert.deepEqual(part.next('c'), { kind: 'wait' });
    assert.equal(part.head, 17);
  });

  it('leaves out what it read before (a batch read again) and a batch that adds nothing', () => {
    const part = new FanoutPartition(5, 1_000_000);
    assert.equal(part.append({ records: range(3, 8), highWatermark: 8 }), 3);
    assert.equal(part.append({ records: range(3, 8), highWatermark: 8 }), 0);
    assert.equal(part.head, 8);
    assert.equal(part.start, 5);
  });

  it('evicts the oldest batches beyond its bound, the newest always stays, and says whom that leaves behind', () => {
    const part = new FanoutPartition(0, 4 * RECORD);
    part.join('fast', 0);
    part.join('slow', 0);
    part.append({ records: range(0, 3), highWatermark: 10 });
    part.append({ records: range(3, 6), highWatermark: 10 });
    part.advance('fast', 6);
    part.advance('slow', 3);
    // 6 records held, the bound is 4: evicting drops the first batch [0, 3); slow is at 3, not left behind.
    assert.deepEqual(part.wouldFallBehind(), []);
    part.append({ records: range(6, 9), highWatermark: 10 });
    part.advance('fast', 9);
    // 9 held: evicting drops [0, 3) and [3, 6): slow (at 3) would need [3, 6).
    assert.deepEqual(part.wouldFallBehind(), ['slow']);
    part.evict();
    assert.equal(part.start, 6);
    assert.equal(part.bytes, 3 * RECORD);
    assert.deepEqual(part.next('slow'), { kind: 'behind', start: 6 });
    assert.equal(part.isFollowing('slow'), false);
    assert.equal(part.hasFollowers(), true);
    const big = new FanoutPartition(0, 1);
    big.append({ records: range(0, 5), highWatermark: 5 });
    big.evict();
    assert.equal(big.start, 0, 'a batch larger than the bound stays until the next one');
  });

  it('rejects a head that is not an offset and a bound that is not positive', () => {
    assert.throws(() => new FanoutPartition(-1, 10), /head -1: not an offset/);
    assert.throws(() => new FanoutPartition(0, 0), /maxBytes 0: must be positive/);
    assert.throws(() => new FanoutPartition(0, 10).next('x'), /stream x does not read this partition/);
  });

  it('gives a stream every offset once, in order, however the reads interleave (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20 }), // where the shared read starts
        fc.integer({ min: 0, max: 40 }), // where the stream starts
        fc.integer({ min: 1, max: 12 }), // window bound, in records
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 5 }), fc.nat(2)), { maxLength: 60 }),
        (head, start, windowRecords, steps) => {
          const part = new FanoutPartition(head, windowRecords * RECORD);
          part.join('s', start);
          const seen: number[] = [];
          /** The partition's log: every offset that holds a record (the others are gaps). */
          const log = new Set<number>();
          let logEnd = head;
          for (const [isRead, count, gap] of steps) {
            if (isRead) {
              // The shared read: `count` records after a gap of `gap` offsets, then the window's bound.
              const from = logEnd + gap;
              for (let o = from; o < from + count; o++) log.add(o);
              part.append({ records: range(from, from + count), highWatermark: from + count });
              logEnd = from + count;
              part.evict();
              continue;
            }
            // The stream takes `count` steps: from the window, or on its own while behind.
            for (let i = 0; i < count; i++) {
              const next = part.next('s');
              if (next.kind === 'wait') break;
              if (next.kind === 'behind') {
                // Its own read of the log: at most 3 offsets, never past the window's start.
                const at = part.positionOf('s')!;
                const end = Math.min(next.start, at + 3);
                for (let o = at; o < end; o++) if (log.has(o)) seen.push(o);
                part.advance('s', end);
                continue;
              }
              for (const r of next.records) seen.push(r.offset);
              part.advance('s', next.readEnd);
            }
          }
          // Exactly the log's records from the stream's start to its position: each once, in order.
          const at = part.positionOf('s')!;
          const expected = [...log].filter((o) => o >= start && o < at).sort((x, y) => x - y);
          assert.deepEqual(seen, expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});
