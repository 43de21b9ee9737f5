import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EtcdCoordinator } from '../../../node/coordination/index.ts';
import { isGeomeshError } from '../../../base/index.ts';
import { TestEnvironment } from '../../harness/index.ts';
import { startCoordinator, uniqueMesh } from './coordination-support.ts';

describe('coordination: versioned documents with compare-and-swap (real etcd)', () => {
  let env: TestEnvironment;
  let coordinator: EtcdCoordinator;

  before(async () => {
    env = await TestEnvironment.start({ etcd: true });
    coordinator = await startCoordinator(env, uniqueMesh('docs'));
  });

  after(async () => {
    await coordinator?.stop();
    await env?.stop();
  });

  it('get returns the value and revisions; put with the current revision succeeds and bumps it', async () => {
    assert.equal(await coordinator.get('cas/a'), undefined);
    const r1 = await coordinator.put('cas/a', 'one', { mustNotExist: true });
    const first = await coordinator.get('cas/a');
    assert.ok(first);
    assert.equal(first.value.toString(), 'one');
    assert.equal(first.modRevision, r1);
    assert.equal(first.createRevision, r1);
    assert.equal(first.version, 1);
    assert.equal(first.leaseId, undefined);
    const r2 = await coordinator.put('cas/a', 'two', { expectedModRevision: r1 });
    assert.ok(r2 > r1);
    const second = await coordinator.get('cas/a');
    assert.equal(second?.value.toString(), 'two');
    assert.equal(second?.modRevision, r2);
    assert.equal(second?.createRevision, r1);
    assert.equal(second?.version, 2);
  });

  it('a put with a stale expected revision is refused with GEOMESH_COORD_CONFLICT and changes nothing', async () => {
    const r1 = await coordinator.put('cas/stale', 'v1');
    const r2 = await coordinator.put('cas/stale', 'v2', { expectedModRevision: r1 });
    await assert.rejects(
      coordinator.put('cas/stale', 'lost-update', { expectedModRevision: r1 }),
      (err: unknown) => {
        assert.ok(isGeomeshError(err, 'GEOMESH_COORD_CONFLICT'), String(err));
        assert.equal(err.retryable, false);
        assert.equal(err.details['key'], 'cas/stale');
        assert.equal(err.details['foundModRevision'], r2);
        assert.equal(err.details['expectedModRevision'], r1);
        assert.match(err.message, /cas\/stale/);
        assert.match(err.message, new RegExp(`found ${r2}`));
        return true;
      },
    );
    const now = await coordinator.get('cas/stale');
    assert.equal(now?.value.toString(), 'v2');
    assert.equal(now?.modRevision, r2);
  });

  it('an expected revision on a missing key is a conflict that reports revision 0', async () => {
    await assert.rejects(coordinator.put('cas/missing', 'x', { expectedModRevision: 5 }), (err: unknown) => {
      assert.ok(isGeomeshError(err, 'GEOMESH_COORD_CONFLICT'));
      assert.equal(err.details['foundModRevision'], 0);
      return true;
    });
    assert.equal(await coordinator.get('cas/missing'), undefined);
  });

  it('mustNotExist is refused when the key exists, naming the revision found', async () => {
    const r1 = await coordinator.put('cas/exists', 'first', { mustNotExist: true });
    await assert.rejects(coordinator.put('cas/exists', 'second', { mustNotExist: true }), (err: unknown) => {
      assert.ok(isGeomeshError(err, 'GEOMESH_COORD_CONFLICT'));
      assert.equal(err.details['foundModRevision'], r1);
      assert.equal(err.details['mustNotExist'], true);
      return true;
    });
    assert.equal((await coordinator.get('cas/exists'))?.value.toString(), 'first');
  });

  it('two concurrent compare-and-swaps from the same revision: exactly one wins', async () => {
    const base = await coordinator.put('cas/race', '0');
    const results = await Promise.allSettled(
      ['a', 'b', 'c', 'd'].map((v) => coordinator.put('cas/race', v, { expectedModRevision: base })),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    assert.equal(won.length, 1);
    assert.equal(lost.length, 3);
    for (const r of lost) assert.ok(isGeomeshError(r.reason, 'GEOMESH_COORD_CONFLICT'));
    const now = await coordinator.get('cas/race');
    assert.equal(now?.modRevision, won[0]!.value);
  });

  it('delete with a stale revision is refused; with the current one it deletes', async () => {
    const r1 = await coordinator.put('cas/del', 'x');
    const r2 = await coordinator.put('cas/del', 'y');
    await assert.rejects(coordinator.delete('cas/del', { expectedModRevision: r1 }), (err: unknown) =>
      isGeomeshError(err, 'GEOMESH_COORD_CONFLICT'),
    );
    assert.ok(await coordinator.get('cas/del'));
    assert.equal(await coordinator.delete('cas/del', { expectedModRevision: r2 }), true);
    assert.equal(await coordinator.get('cas/del'), undefined);
    assert.equal(await coordinator.delete('cas/del'), false);
  });

  it('list returns the keys under a prefix sorted, with the revision they were read at', async () => {
    await coordinator.put('list/b', '2');
    await coordinator.put('list/a', '1');
    const last = await coordinator.put('list/c', '3');
    await coordinator.put('listing-not-under-prefix', 'x');
    const range = await coordinator.list('list/');
    assert.deepEqual(
      range.entries.map((e) => [e.key, e.value.toString()]),
      [
        ['list/a', '1'],
        ['list/b', '2'],
        ['list/c', '3'],
      ],
    );
    assert.ok(range.revision > last);
  });

  it('keys are confined to the mesh prefix: another mesh sees none of them', async () => {
    const other = await startCoordinator(env, uniqueMesh('docs-other'));
    try {
      await coordinator.put('shared/name', 'mine');
      assert.equal(await other.get('shared/name'), undefined);
      assert.equal((await other.list('')).entries.length, 0);
    } finally {
      await other.stop();
    }
  });

  it('rejects keys that would escape the prefix and calls after stop', async () => {
    await assert.rejects(coordinator.put('/absolute', 'x'), (err: unknown) =>
      isGeomeshError(err, 'GEOMESH_CONFIG_INVALID'),
    );
    await assert.rejects(coordinator.get('a/../b'), (err: unknown) =>
      isGeomeshError(err, 'GEOMESH_CONFIG_INVALID'),
    );
    const stopped = await startCoordinator(env, uniqueMesh('docs-stopped'));
    await Promise.all([stopped.stop(), stopped.stop()]);
    assert.equal(stopped.state, 'stopped');
    await stopped.closed;
    await assert.rejects(stopped.get('x'), (err: unknown) => isGeomeshError(err, 'GEOMESH_COORD_CLOSED'));
  });
});
