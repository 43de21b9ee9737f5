import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LEASE_HORIZON_MS, publishLease, WorkerShare } from '../../../../node/region/worker-share.ts';
import type { TopicPartition } from '../../../../node/replication/index.ts';
import type { MainMessage, WorkerPool } from '../../../../node/workers/index.ts';

/** A pool that records what it is sent; its drops settle when the test says. */
function fakePool() {
  const sent: MainMessage[] = [];
  const drops: { tps: readonly TopicPartition[]; settle: () => void }[] = [];
  const pool = {
    broadcast: (m: MainMessage) => void sent.push(m),
    drop: (tps: readonly TopicPartition[]) =>
      new Promise<void>((resolve) => drops.push({ tps, settle: resolve })),
  } as unknown as WorkerPool;
  return { pool, sent, drops };
}

const t0 = { topic: 't', partition: 0 };
const t1 = { topic: 't', partition: 1 };

describe('WorkerShare', () => {
  it('shares the topics of every link, and sends a take with the marks of the partitions taken', () => {
    const { pool, sent } = fakePool();
    const share = new WorkerShare({
      pool: () => pool,
      links: () => [{ topics: ['t', 'u'] }, { topics: ['t'] }],
      marksOf: (tps) => ({
        marks: tps.map((tp) => ({ ...tp, origin: 'a', offset: 7 })),
        throughs: tps.map((tp) => [tp.topic, tp.partition, 40] as const),
      }),
    });
    assert.deepEqual([...share.topics].sort(), ['t', 'u']);
    share.takePartitions([t0]);
    assert.deepEqual(sent, [
      {
        v: 1,
        kind: 'take',
        tps: [t0],
        marks: [{ topic: 't', partition: 0, origin: 'a', offset: 7 }],
        throughs: [['t', 0, 40]],
      },
    ]);
  });

  it('is settled for a partition only once the workers answered its last drop', async () => {
    const { pool, drops } = fakePool();
    const share = new WorkerShare({
      pool: () => pool,
      links: () => [],
      marksOf: () => ({ marks: [], throughs: [] }),
    });
    share.dropPartitions([t0, t1]);
    let isSettled = false;
    const settled = share.settled([t0]).then(() => (isSettled = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(isSettled, false, 'the workers have not answered');
    drops[0]!.settle();
    await settled;
    assert.equal(isSettled, true);
    await share.settled([{ topic: 't', partition: 9 }]); // never dropped: nothing to wait for
  });

  it('without a pool (workers not started) a drop is settled at once', async () => {
    const share = new WorkerShare({
      pool: () => undefined,
      links: () => [],
      marksOf: () => ({ marks: [], throughs: [] }),
    });
    share.dropPartitions([t0]);
    await share.settled([t0]);
  });
});

describe('publishLease', () => {
  it('publishes how long the lease is certain, and closes the deadline when stopped', () => {
    let certainForMs = 5_000;
    const lease = publishLease({
      instanceId: 'i',
      isLeaseValid: () => true,
      leaseCertainForMs: () => certainForMs,
    });
    try {
      assert.equal(lease.deadline.isValid(), true);
      assert.ok(lease.deadline.validForMs() > 4_000 && lease.deadline.validForMs() <= 5_000);
      certainForMs = 0;
    } finally {
      lease.stop();
    }
    assert.equal(lease.deadline.isValid(), false);
  });

  it('publishes nothing valid while the lease is not certain', () => {
    const lease = publishLease({ instanceId: 'i', isLeaseValid: () => false, leaseCertainForMs: () => 0 });
    assert.equal(lease.deadline.isValid(), false);
    lease.stop();
  });

  it('without leaseCertainForMs, a valid lease is published a short horizon ahead only', () => {
    const lease = publishLease({ instanceId: 'i', isLeaseValid: () => true });
    assert.ok(lease.deadline.validForMs() <= LEASE_HORIZON_MS);
    assert.equal(lease.deadline.isValid(), true);
    lease.stop();
  });
});
