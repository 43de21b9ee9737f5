import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EtcdCoordinator } from '../../../node/coordination/index.ts';
import type { WatchEvent } from '../../../node/coordination-ports/index.ts';
import { isGeomeshError } from '../../../base/index.ts';
import { TestEnvironment } from '../../harness/index.ts';
import { eventually, startCoordinator, take, uniqueMesh } from './coordination-support.ts';

/** Generous liveness bound: an operation against a dead etcd must settle well before this. */
const MUST_SETTLE_WITHIN_MS = 30_000;

async function settleOrHang<T>(operation: Promise<T>): Promise<PromiseSettledResult<T> | 'hung'> {
  const timer = new Promise<'hung'>((r) => setTimeout(() => r('hung'), MUST_SETTLE_WITHIN_MS).unref());
  return Promise.race([
    operation.then(
      (value): PromiseSettledResult<T> => ({ status: 'fulfilled', value }),
      (reason: unknown): PromiseSettledResult<T> => ({ status: 'rejected', reason }),
    ),
    timer,
  ]);
}

function assertUnavailable(result: PromiseSettledResult<unknown> | 'hung', what: string): void {
  assert.notEqual(result, 'hung', `${what} did not settle within ${MUST_SETTLE_WITHIN_MS} ms`);
  assert.ok(result !== 'hung' && result.status === 'rejected', `${what} should fail while etcd is down`);
  const err = result.reason as unknown;
  assert.ok(isGeomeshError(err, 'GEOMESH_COORD_UNAVAILABLE'), `${what}: ${String(err)}`);
  assert.equal(err.retryable, true);
}

describe('coordination: etcd outages (real etcd killed, restarted, frozen)', () => {
  let env: TestEnvironment;
  let coordinator: EtcdCoordinator;
  let writer: EtcdCoordinator;

  before(async () => {
    env = await TestEnvironment.start({ etcd: true });
    const mesh = uniqueMesh('outage');
    coordinator = await startCoordinator(env, mesh);
    writer = await startCoordinator(env, mesh);
  });

  after(async () => {
    await coordinator?.stop();
    await writer?.stop();
    await env?.stop();
  });

  it('etcd killed: operations fail with a retryable error in bounded time; after restart they succeed and the watch loses nothing', async (t) => {
    const r0 = await coordinator.put('outage/before', 'x');
    const watch = coordinator.watch('outage/', { isPrefix: true, startRevision: r0 });
    const iterator = watch[Symbol.asyncIterator]();
    assert.deepEqual(
      (await take(iterator, 1)).map((e) => e.key),
      ['outage/before'],
    );

    await env.etcd!.kill();
    for (const [what, op] of [
      ['get', () => coordinator.get('outage/before')],
      ['put', () => coordinator.put('outage/during', 'x')],
      ['list', () => coordinator.list('outage/')],
      ['grantLease', () => coordinator.grantLease({ ttlMs: 2_000 })],
    ] as const) {
      const began = Date.now();
      assertUnavailable(await settleOrHang<unknown>(op()), what);
      t.diagnostic(`${what} failed ${Date.now() - began} ms after being called with etcd down`);
    }

    await env.etcd!.restart();
    const restartedAt = Date.now();
    // The other client writes right away, possibly before our watch has re-attached: it must still see these.
    const r1 = await eventually(
      'a write to succeed after restart',
      () => writer.put('outage/after-1', '1'),
      20_000,
    );
    const r2 = await writer.put('outage/after-2', '2');
    await writer.delete('outage/before');
    await eventually('reads to succeed again', () => coordinator.get('outage/after-1'), 20_000);
    t.diagnostic(`operations succeeded again ${Date.now() - restartedAt} ms after etcd was back`);

    const events: WatchEvent[] = await take(iterator, 3, 20_000);
    assert.deepEqual(
      events.map((e) => `${e.type} ${e.key}`),
      ['put outage/after-1', 'put outage/after-2', 'delete outage/before'],
    );
    assert.deepEqual(
      events.slice(0, 2).map((e) => e.modRevision),
      [r1, r2],
    );
    await watch.close();
  });

  it('etcd frozen (SIGSTOP) longer than a lease TTL: the lease is reported lost, requests time out as retryable', async (t) => {
    const lease = await coordinator.grantLease({ ttlMs: 2_000 });
    await coordinator.put('outage/frozen', 'x', { lease });
    env.etcd!.pause();
    try {
      const pausedAt = Date.now();
      const lost = await eventually(
        'the lease to be reported lost',
        () => (lease.signal.aborted ? true : undefined),
        15_000,
      );
      assert.ok(lost);
      assert.ok(isGeomeshError(lease.signal.reason, 'GEOMESH_COORD_LEASE_LOST'));
      t.diagnostic(`lease reported lost ${Date.now() - pausedAt} ms after etcd froze (TTL 2000 ms)`);
      const began = Date.now();
      assertUnavailable(await settleOrHang<unknown>(coordinator.get('outage/frozen')), 'get on frozen etcd');
      t.diagnostic(`get on frozen etcd failed after ${Date.now() - began} ms (requestTimeoutMs 2000)`);
    } finally {
      env.etcd!.resume();
    }
    await eventually('requests to succeed after thaw', () => coordinator.list('outage/'), 20_000);
    await assert.rejects(coordinator.put('outage/frozen-2', 'x', { lease }), (err: unknown) =>
      isGeomeshError(err, 'GEOMESH_COORD_LEASE_LOST'),
    );
  });

  it('start() against an unreachable etcd fails with GEOMESH_COORD_UNAVAILABLE after the dial timeout', async () => {
    const { EtcdCoordinator } = await import('../../../node/coordination/index.ts');
    const { silentLogger } = await import('../../../node/log/index.ts');
    const { freePort } = await import('../../harness/index.ts');
    const port = await freePort();
    const unreachable = new EtcdCoordinator({
      endpoints: [`http://127.0.0.1:${port}`],
      mesh: 'unreachable',
      dialTimeoutMs: 1_000,
      logger: silentLogger(),
    });
    const result = await settleOrHang(unreachable.start());
    assertUnavailable(result, 'start');
    assert.equal(unreachable.state, 'failed');
    await assert.rejects(unreachable.closed, (err: unknown) =>
      isGeomeshError(err, 'GEOMESH_COORD_UNAVAILABLE'),
    );
    await unreachable.stop();
  });
});
