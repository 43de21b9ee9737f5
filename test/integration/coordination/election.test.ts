import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EtcdCoordinator, Leadership } from '../../../node/coordination/index.ts';
import { isGeomeshError } from '../../../base/index.ts';
import { TestEnvironment } from '../../harness/index.ts';
import { eventually, startCoordinator, uniqueMesh } from './coordination-support.ts';

/** Which of the campaigns has settled (won), without waiting for the others. */
async function settledWinners(campaigns: Promise<Leadership>[]): Promise<Leadership[]> {
  const states = await Promise.all(
    campaigns.map((c) =>
      Promise.race([c.then((l) => l), new Promise<undefined>((r) => setImmediate(() => r(undefined)))]),
    ),
  );
  return states.filter((s): s is Leadership => s !== undefined);
}

describe('coordination: leader election (real etcd)', () => {
  let env: TestEnvironment;
  let a: EtcdCoordinator;
  let b: EtcdCoordinator;
  let watcher: EtcdCoordinator;

  before(async () => {
    env = await TestEnvironment.start({ etcd: true });
    const mesh = uniqueMesh('election');
    [a, b, watcher] = await Promise.all([
      startCoordinator(env, mesh),
      startCoordinator(env, mesh),
      startCoordinator(env, mesh),
    ]);
  });

  after(async () => {
    await Promise.all([a?.stop(), b?.stop(), watcher?.stop()]);
    await env?.stop();
  });

  it('two clients: exactly one leads; when it resigns the other leads; an observer sees both', async () => {
    const observer = await watcher.observeLeader('e1');
    assert.equal(observer.leader, undefined);
    const seen: (string | undefined)[] = [];
    observer.onChange((leader) => seen.push(leader));

    const first = await a.campaign('e1', 'node-a', { ttlMs: 2_000 });
    const second = b.campaign('e1', 'node-b', { ttlMs: 2_000 });
    // b is a candidate but must not lead while a does.
    await eventually('b to be a candidate', async () =>
      (await watcher.list('election/e1/')).entries.length === 2 ? true : undefined,
    );
    assert.deepEqual(await settledWinners([second]), []);
    assert.equal(first.isLeader, true);
    assert.equal(await watcher.leader('e1'), 'node-a');
    await eventually('the observer to see node-a', () => (observer.leader === 'node-a' ? true : undefined));

    await first.resign();
    assert.equal(first.isLeader, false);
    assert.ok(first.signal.aborted);
    const next = await second;
    assert.equal(next.isLeader, true);
    assert.ok(
      next.fencingRevision > first.fencingRevision,
      'fencing revisions increase from leader to leader',
    );
    await eventually('the observer to see node-b', () => (observer.leader === 'node-b' ? true : undefined));
    assert.equal(await watcher.leader('e1'), 'node-b');

    await next.proclaim('node-b:v2');
    await eventually('the observer to see the proclaimed value', () =>
      observer.leader === 'node-b:v2' ? true : undefined,
    );
    await next.resign();
    await eventually('the observer to see no leader', () =>
      observer.leader === undefined ? true : undefined,
    );
    assert.deepEqual(seen, ['node-a', 'node-b', 'node-b:v2', undefined]);
    await observer.close();
  });

  it('when the leader’s client stops, the other candidate becomes leader', async () => {
    const mesh = uniqueMesh('election-stop');
    const leaderClient = await startCoordinator(env, mesh);
    const follower = await startCoordinator(env, mesh);
    try {
      const lead = await leaderClient.campaign('e2', 'leader', { ttlMs: 30_000 });
      const waiting = follower.campaign('e2', 'follower', { ttlMs: 30_000 });
      await eventually('two candidates', async () =>
        (await follower.list('election/e2/')).entries.length === 2 ? true : undefined,
      );
      await leaderClient.stop();
      assert.equal(lead.isLeader, false);
      // TTL is 30 s: only the resign on stop can hand over this fast (the deadline is well below the TTL).
      const took = await eventually('the follower to be elected', async () => await waiting, 15_000);
      assert.equal(took.isLeader, true);
      assert.equal(await follower.leader('e2'), 'follower');
    } finally {
      await leaderClient.stop();
      await follower.stop();
    }
  });

  it('when the leader’s lease stops being renewed (a crash), the other takes over after the TTL', async (t) => {
    const lead = await a.campaign('e3', 'crashing', { ttlMs: 2_000 });
    const waiting = b.campaign('e3', 'survivor', { ttlMs: 2_000 });
    await eventually('two candidates', async () =>
      (await watcher.list('election/e3/')).entries.length === 2 ? true : undefined,
    );
    const crashedAt = Date.now();
    lead.lease.release(); // stops keepalives, as a crashed process would
    assert.equal(lead.isLeader, false);
    const next = await waiting;
    assert.equal(await watcher.leader('e3'), 'survivor');
    t.diagnostic(
      `survivor elected ${Date.now() - crashedAt} ms after the leader stopped renewing (TTL 2000 ms)`,
    );
    await next.resign();
  });

  it('aborting a campaign withdraws the candidacy; proclaim after resign is refused', async () => {
    const lead = await a.campaign('e4', 'a', { ttlMs: 2_000 });
    const controller = new AbortController();
    const waiting = b.campaign('e4', 'b', { ttlMs: 2_000, signal: controller.signal });
    await eventually('two candidates', async () =>
      (await watcher.list('election/e4/')).entries.length === 2 ? true : undefined,
    );
    controller.abort(new Error('shutting down'));
    await assert.rejects(waiting, /shutting down/);
    await eventually('the withdrawn candidate key to go', async () =>
      (await watcher.list('election/e4/')).entries.length === 1 ? true : undefined,
    );
    await lead.resign();
    await assert.rejects(lead.proclaim('again'), (err: unknown) =>
      isGeomeshError(err, 'GEOMESH_COORD_LEASE_LOST'),
    );
  });
});
