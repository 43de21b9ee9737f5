import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { LeaseDeadline } from '../../../../node/workers/index.ts';

/** A clock the test moves (nanoseconds). */
function clock() {
  let now = 1_000_000_000n;
  return { now: () => now, advanceMs: (ms: number) => (now += BigInt(ms) * 1_000_000n) };
}

describe('LeaseDeadline', () => {
  it('is closed until published, valid until the deadline, closed after it', () => {
    const c = clock();
    const d = new LeaseDeadline(undefined, c.now);
    assert.equal(d.isValid(), false, 'a new deadline is closed');
    d.publish(500);
    assert.equal(d.isValid(), true);
    assert.equal(d.validForMs(), 500);
    c.advanceMs(499);
    assert.equal(d.isValid(), true);
    c.advanceMs(1);
    assert.equal(d.isValid(), false, 'at the deadline no write may leave');
    assert.equal(d.validForMs(), 0);
  });

  it('a publish of 0, a negative or a non-finite value closes it; close() does too', () => {
    const c = clock();
    const d = new LeaseDeadline(undefined, c.now);
    for (const ms of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
      d.publish(1_000);
      d.publish(ms);
      assert.equal(d.isValid(), false, `publish(${ms})`);
    }
    d.publish(1_000);
    d.close();
    assert.equal(d.isValid(), false);
  });

  it('a reader over the same buffer sees every publish at once', () => {
    const c = clock();
    const writer = new LeaseDeadline(undefined, c.now);
    const reader = new LeaseDeadline(writer.buffer, c.now);
    writer.publish(100);
    assert.equal(reader.isValid(), true);
    writer.close();
    assert.equal(reader.isValid(), false);
  });

  it('refuses a buffer too small, naming what it needs', () => {
    assert.throws(() => new LeaseDeadline(new SharedArrayBuffer(4)), /needs 8 bytes of shared memory, got 4/);
  });

  it('a worker thread reads the deadline the main thread publishes, on the same monotonic clock', async () => {
    const d = new LeaseDeadline();
    const ask = async (): Promise<boolean> => {
      const worker = new Worker(
        `const { workerData, parentPort } = require('node:worker_threads');
         const cell = new BigInt64Array(workerData);
         parentPort.postMessage(Atomics.load(cell, 0) > process.hrtime.bigint());`,
        { eval: true, workerData: d.buffer },
      );
      const answer = await new Promise<boolean>((resolve) => worker.once('message', resolve));
      await worker.terminate();
      return answer;
    };
    d.publish(60_000);
    assert.equal(await ask(), true, 'valid for a minute: the worker sees it valid');
    d.close();
    assert.equal(await ask(), false, 'closed: the worker sees it closed');
  });
});
