import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { EtcdCoordinator } from '../../../node/coordination/index.ts';
import { isGeomeshError } from '../../../base/index.ts';
import { TestEnvironment, WanProxy } from '../../harness/index.ts';
import { eventually, startCoordinator, uniqueMesh } from './coordination-support.ts';

const TTL_MS = 2_000;

describe('coordination: leases (real etcd)', () => {
  let env: TestEnvironment;
  let coordinator: EtcdCoordinator;
  let observer: EtcdCoordinator;

  before(async () => {
    env = await TestEnvironment.start({ etcd: true });
    const mesh = uniqueMesh('leases');
    coordinator = await startCoordinator(env, mesh);
    // A second client reads the keys, so what we see is etcd's view, not the writer's.
    observer = await startCoordinator(env, mesh);
  });

  after(async () => {
    await coordinator?.stop();
    await observer?.stop();
    await env?.stop();
  });

  it('a key on a 2 s lease stays while keepalive runs for more than 2×TTL', async () => {
    const lease = await coordinator.grantLease({ ttlMs: TTL_MS });
    await coordinator.put('leases/kept', 'alive', { lease });
    const written = await observer.get('leases/kept');
    assert.equal(written?.leaseId, lease.id);
    const until = Date.now() + 3 * TTL_MS;
    let checks = 0;
    while (Date.now() < until) {
      assert.ok(await observer.get('leases/kept'), `key vanished after ${checks} checks while keepalive ran`);
      assert.equal(lease.state, 'alive');
      checks++;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.ok(checks >= 10);
    assert.equal(lease.signal.aborted, false);
    await lease.revoke();
  });

  it('when keepalive stops (release), the key disappears once the TTL runs out', async (t) => {
    const lease = await coordinator.grantLease({ ttlMs: TTL_MS });
    await coordinator.put('leases/released', 'x', { lease });
    const releasedAt = Date.now();
    lease.release();
    assert.equal(lease.state, 'released');
    assert.ok(lease.signal.aborted);
    await eventually(
      'the released lease key to vanish',
      async () => ((await observer.get('leases/released')) === undefined ? true : undefined),
      TTL_MS + 5_000,
    );
    t.diagnostic(`released lease key vanished after ${Date.now() - releasedAt} ms (TTL ${lease.ttlMs} ms)`);
  });

  it('revoke deletes the key at once and is idempotent', async () => {
    const lease = await coordinator.grantLease({ ttlMs: 30_000 });
    await coordinator.put('leases/revoked', 'x', { lease });
    await Promise.all([lease.revoke(), lease.revoke()]);
    assert.equal(lease.state, 'revoked');
    assert.equal(await observer.get('leases/revoked'), undefined);
    await assert.rejects(coordinator.put('leases/after-revoke', 'x', { lease }), (err: unknown) =>
      isGeomeshError(err, 'GEOMESH_COORD_LEASE_LOST'),
    );
  });

  it('a lease revoked behind our back is reported lost through the signal and listeners', async () => {
    const lease = await coordinator.grantLease({ ttlMs: TTL_MS });
    await coordinator.put('leases/stolen', 'x', { lease });
    let heard: Error | undefined;
    lease.onLost((err) => (heard = err));
    // Another client revokes it, as an operator (or an expired session) would.
    const stolen = (await observer.get('leases/stolen'))!.leaseId!;
    const etcd3 = (await import('etcd3')).default;
    const raw = new etcd3.Etcd3({ hosts: env.etcd!.endpoints });
    try {
      await raw.leaseClient.leaseRevoke({ ID: stolen });
    } finally {
      raw.close();
    }
    await eventually(
      'the lease to be reported lost',
      () => (lease.state === 'lost' ? true : undefined),
      3 * TTL_MS,
    );
    assert.ok(lease.signal.aborted);
    assert.ok(isGeomeshError(lease.signal.reason, 'GEOMESH_COORD_LEASE_LOST'));
    assert.ok(isGeomeshError(heard, 'GEOMESH_COORD_LEASE_LOST'));
    assert.equal(await observer.get('leases/stolen'), undefined);
  });

  it('stop() revokes the leases the coordinator granted', async () => {
    const mesh = uniqueMesh('leases-stop');
    const owner = await startCoordinator(env, mesh);
    const reader = await startCoordinator(env, mesh);
    try {
      const lease = await owner.grantLease({ ttlMs: 60_000 });
      await owner.put('owned', 'x', { lease });
      await owner.stop();
      assert.equal(lease.state, 'revoked');
      // With a 60 s TTL, only the revoke can have removed it this soon.
      assert.equal(await reader.get('owned'), undefined);
    } finally {
      await owner.stop();
      await reader.stop();
    }
  });
  it('a process that revoked its lease and stopped exits at once, though a keepalive answer was still on its way', async (t) => {
    // etcd3's keepalive re-armed its TTL-long timeout on an answer that arrived after the lease was torn
    // down, and that timer held a stopped process for a whole TTL (patches/etcd3+1.1.2.patch). 250 ms each
    // way between the process and etcd put the first keepalive's answer after the revoke.
    const ttlMs = 20_000;
    const [host, port] = env.etcd!.endpoints[0]!.replace(/^https?:\/\//, '').split(':');
    const proxy = await WanProxy.start({ target: { host: host!, port: Number(port) }, delayMs: 250 });
    t.after(() => proxy.stop());
    const script = fileURLToPath(new URL('./lease-stop-process.ts', import.meta.url));
    const child = spawn(
      process.execPath,
      [script, `http://${proxy.address}`, uniqueMesh('lease-exit'), String(ttlMs), '0'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    t.after(() => child.kill('SIGKILL'));
    let out = '';
    let stoppedAt = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (!stoppedAt && out.includes('stopped')) stoppedAt = Date.now();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const outcome = await Promise.race([
      exited,
      new Promise<'held'>((r) => setTimeout(() => r('held'), 40_000)),
    ]);
    assert.notEqual(outcome, 'held', `the process was still alive 40 s after it started: ${out}`);
    assert.equal(outcome, 0, out);
    assert.ok(stoppedAt > 0, `it never stopped: ${out}`);
    const afterStop = Date.now() - stoppedAt;
    t.diagnostic(`exited ${afterStop} ms after its stop (lease TTL ${ttlMs} ms)`);
    assert.ok(!out.includes('held'), `something held the stopped process: ${out}`);
    assert.ok(afterStop < ttlMs / 2, `exited ${afterStop} ms after its stop: held for about a TTL`);
  });
});
