import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LeaseOptions } from '../../../../node/coordination-ports/index.ts';
import type { RegionNode } from '../../../../node/region/index.ts';
import { WorkSharingRunner } from '../../../../node/supervisor/work-sharing-runner.ts';
import { waitFor } from '../../../support/polling.ts';
import { testLogger } from '../../../support/test-logger.ts';
import { fakeSession } from './fake-session.ts';

/** A coordination whose lease grants are counted and refused (etcd says no): enough to see who uses it. */
class RefusingCoordination {
  grants: LeaseOptions[] = [];
  grantLease(options: LeaseOptions): Promise<never> {
    this.grants.push(options);
    return Promise.reject(new Error('etcd refused the lease'));
  }
}

const node = {
  targetPartitions: () => Promise.resolve([]),
  acquirePartitions: () => Promise.resolve(),
  releasePartitions: () => Promise.resolve(),
} as unknown as RegionNode;

describe('WorkSharingRunner on the process’s etcd session', () => {
  it('owns nothing until the session connects, then runs on its coordination; stop leaves the session open', async () => {
    const coordination = new RefusingCoordination();
    const { session, counts } = fakeSession(coordination);
    counts.isReachable = false;
    session.start();
    const runner = new WorkSharingRunner({
      session,
      region: 'west',
      instanceId: 'w-1',
      leaseTtlMs: 4_000,
      logger: testLogger(),
    });
    runner.start(node);
    await waitFor(() => counts.attempts >= 2, { timeoutMs: 5_000, intervalMs: 5, what: 'two attempts' });
    assert.equal(runner.status().state, 'connecting');
    assert.equal(runner.status().owned, 0);
    assert.equal(coordination.grants.length, 0, 'nothing asked of etcd before the session connects');

    counts.isReachable = true;
    await waitFor(() => coordination.grants.length >= 1, {
      timeoutMs: 5_000,
      intervalMs: 5,
      what: 'a lease asked of the session’s coordination',
    });
    assert.equal(runner.status().state, 'running');
    assert.equal(coordination.grants[0]!.ttlMs, 4_000);
    assert.equal(runner.regionOption().isLeaseValid(), false, 'no lease: no writes');

    await runner.stop();
    assert.equal(runner.status().state, 'stopped');
    assert.equal(session.state, 'connected', 'the session belongs to the process');
    assert.equal(counts.stops, 0);
    await session.stop();
    assert.equal(counts.stops, 1);
  });
});
