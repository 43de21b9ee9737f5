/**
 * Failover operation claims on real etcd: one holder at a time per kind and regions (the refusal names the
 * holder), free again once released, and free again after the holder's lease lapses (a holder killed: its
 * keepalive stops and etcd deletes the claim when the TTL runs out), not before.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EtcdCoordinator } from '../../../node/coordination/index.ts';
import type { CoordinationLease, LeaseOptions } from '../../../node/coordination-ports/index.ts';
import { FailoverOperationClaims, operationClaimKey } from '../../../node/region-state/index.ts';
import { TestEnvironment } from '../../harness/index.ts';
import { eventually, startCoordinator, uniqueMesh } from './coordination-support.ts';

const SCOPE = { kind: 'failover', from: 'east', to: 'west' } as const;

/** The instance a stored claim names. */
async function holderIn(coordinator: EtcdCoordinator): Promise<string | undefined> {
  const stored = await coordinator.get(operationClaimKey(SCOPE));
  return stored ? (JSON.parse(stored.value.toString()) as { holder: string }).holder : undefined;
}

describe('failover operation claims (real etcd)', () => {
  let env: TestEnvironment;
  let coordinator: EtcdCoordinator;

  before(async () => {
    env = await TestEnvironment.start({ etcd: true });
    coordinator = await startCoordinator(env, uniqueMesh('claims'));
  });

  after(async () => {
    await coordinator?.stop();
    await env?.stop();
  });

  it('one holder at a time: the other is refused naming the holder; released, the other takes it', async () => {
    const one = new FailoverOperationClaims({ store: coordinator, holder: 'west/one', ttlMs: 10_000 });
    const two = new FailoverOperationClaims({ store: coordinator, holder: 'west/two', ttlMs: 10_000 });
    const held = await one.take(SCOPE);
    assert.equal(await holderIn(coordinator), 'west/one');
    assert.ok((await coordinator.get(operationClaimKey(SCOPE)))?.leaseId, 'the claim lives on a lease');
    await assert.rejects(two.take(SCOPE), {
      code: 'GEOMESH_COORD_CONFLICT',
      message: /^west\/one is running the failover east → west \(since \d{4}-/,
    });
    // Another kind or pair of regions is another claim.
    const other = await two.take({ ...SCOPE, kind: 'failback' });
    await held.release();
    assert.equal(await coordinator.get(operationClaimKey(SCOPE)), undefined, 'released: the key is gone');
    const taken = await two.take(SCOPE);
    await taken.release();
    await other.release();
    await held.release(); // idempotent
  });

  it("a holder whose keepalive stops (killed) holds the claim until its lease's TTL runs out, then it is free", async () => {
    let lease: CoordinationLease | undefined;
    const killed = new FailoverOperationClaims({
      store: {
        get: (key, options) => coordinator.get(key, options),
        put: (key, value, options) => coordinator.put(key, value, options),
        grantLease: async (options: LeaseOptions) => (lease = await coordinator.grantLease(options)),
      },
      holder: 'west/killed',
      ttlMs: 3_000,
    });
    await killed.take(SCOPE);
    lease!.release(); // no revoke: as a process killed with kill -9
    const next = new FailoverOperationClaims({ store: coordinator, holder: 'west/next', ttlMs: 10_000 });
    await assert.rejects(next.take(SCOPE), { code: 'GEOMESH_COORD_CONFLICT', message: /west\/killed/ });
    const taken = await eventually(
      'the lapsed claim to be free',
      async () => {
        try {
          return await next.take(SCOPE);
        } catch {
          return undefined;
        }
      },
      20_000,
      250,
    );
    assert.equal(await holderIn(coordinator), 'west/next');
    await taken.release();
  });
});
