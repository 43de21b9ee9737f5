import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { InflightWindow } from '../../../../node/replication/index.ts';
import { linkWith } from '../../../support/fake-link.ts';

describe('InflightWindow', () => {
  it('admits up to the window, queues the rest in order, and frees room on release', async () => {
    const w = new InflightWindow(100);
    await w.acquire(60);
    const order: string[] = [];
    const b = w.acquire(50).then(() => order.push('b'));
    const c = w.acquire(10).then(() => order.push('c'));
    await Promise.resolve();
    assert.deepEqual(order, [], 'b waits, and c waits behind b (arrival order)');
    assert.equal(w.waits, 2);
    w.release(60);
    await Promise.all([b, c]);
    assert.deepEqual(order, ['b', 'c']);
    assert.equal(w.usedBytes, 60);
  });

  it('lets a batch larger than the window through when nothing is in flight', async () => {
    const w = new InflightWindow(10);
    await w.acquire(1_000);
    assert.equal(w.usedBytes, 1_000);
  });

  it('never holds more than the window unless one oversized batch runs alone', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 40 }),
        async (sizes) => {
          const w = new InflightWindow(256);
          let peak = 0;
          await Promise.all(
            sizes.map(async (bytes) => {
              await w.acquire(bytes);
              assert.ok(w.usedBytes <= 256 || w.usedBytes === bytes, `used ${w.usedBytes} with ${bytes}`);
              peak = Math.max(peak, w.usedBytes);
              await new Promise((r) => setImmediate(r));
              w.release(bytes);
            }),
          );
          assert.equal(w.usedBytes, 0);
          assert.ok(peak > 0);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('LinkReplicator with maxInflightBytes', () => {
  it('holds a batch back while the target is slow and the window is full, then writes it', async () => {
    const { link, source, sink } = await linkWith({ maxInflightBytes: 300 });
    let open!: () => void;
    sink.gate = new Promise((r) => (open = r));
    // Ten records of ~22 bytes each: 220 bytes in flight; the next ten do not fit.
    const first = source.deliver(0, 9);
    let isSecondHandled = false;
    const second = source.deliver(10, 19).then((o) => ((isSecondHandled = true), o));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(link.window!.usedBytes > 0 && link.window!.usedBytes <= 300, true);
    assert.equal(link.window!.waits, 1, 'the second batch waits for room');
    assert.equal(isSecondHandled, false);
    assert.deepEqual(sink.written, []);
    open();
    await Promise.all([first, second]);
    assert.equal(sink.written.length, 20);
    assert.equal(link.window!.usedBytes, 0);
  });
});

describe('LinkReplicator.refreshLag', () => {
  it('counts what arrived in the source since the last fetch', async () => {
    const { link, source } = await linkWith();
    await source.deliver(0, 9, 10);
    assert.equal(link.stats.lagRecords.get('t/0'), 0);
    source.offsets = { logStart: 0, logEnd: 50 };
    await link.refreshLag();
    assert.equal(link.stats.lagRecords.get('t/0'), 40);
  });

  it('counts nothing for a transaction marker after the last record (a fenced region writes in transactions)', async () => {
    const { link, source } = await linkWith();
    // Records 0..9, then the commit marker at 10: the high watermark is 11, the last entry fetched 10.
    await source.deliver(0, 9, 11, 10);
    assert.equal(link.stats.lagRecords.get('t/0'), 0);
    source.offsets = { logStart: 0, logEnd: 11 };
    await link.refreshLag();
    assert.equal(link.stats.lagRecords.get('t/0'), 0);
    // Without the marker's offset the same fetch would leave a lag of 1 that no record explains.
    const plain = await linkWith();
    await plain.source.deliver(0, 9, 11);
    assert.equal(plain.link.stats.lagRecords.get('t/0'), 1);
  });
});
