import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type {
  CoordinationLease,
  MemberInfo,
  MemberRecord,
  MemberRegistration,
  MemberRegistry,
} from '../../../../node/coordination-ports/index.ts';
import { isValidName } from '../../../../node/coordination-ports/index.ts';
import {
  NodeRegistration,
  advertisedAddress,
  defaultInstanceId,
} from '../../../../node/supervisor/node-registration.ts';
import { fakeSession } from './fake-session.ts';
import { waitFor } from '../../../support/polling.ts';
import { testLogger } from '../../../support/test-logger.ts';

const member: MemberInfo = {
  region: 'eu-west',
  id: 'host-1',
  address: '127.0.0.1:7101',
  httpAddress: '127.0.0.1:9464',
  version: '0.1.0',
  startedAt: '2025-01-01T00:00:00.000Z',
};

/** A registry in memory whose registrations can be made to fail or their leases to be lost. */
class FakeRegistry implements MemberRegistry {
  readonly registered = new Map<string, { member: MemberInfo; lease: AbortController }>();
  failNext = 0;
  registrations = 0;

  register(info: MemberInfo): Promise<MemberRegistration> {
    if (this.failNext > 0) {
      this.failNext--;
      return Promise.reject(new Error('etcd said no'));
    }
    this.registrations++;
    const key = `nodes/${info.region}/${info.id}`;
    const controller = new AbortController();
    this.registered.set(key, { member: info, lease: controller });
    const lease = { signal: controller.signal } as CoordinationLease;
    return Promise.resolve({
      member: info,
      key,
      lease,
      deregister: () => {
        this.registered.delete(key);
        return Promise.resolve();
      },
    });
  }

  /** etcd expired the lease: the key is gone and the holder's lease signal aborts. */
  loseLeases(): void {
    for (const [key, r] of this.registered) {
      this.registered.delete(key);
      r.lease.abort(new Error('lease lost'));
    }
  }

  listMembers(): Promise<{ members: MemberRecord[]; revision: number }> {
    return Promise.resolve({
      members: [...this.registered.values()].map((r) => ({ ...r.member, modRevision: 1, createRevision: 1 })),
      revision: 1,
    });
  }

  watchMembers(): never {
    throw new Error('not used');
  }
}

const until = (what: string, isDone: () => boolean) =>
  waitFor(isDone, { timeoutMs: 10_000, intervalMs: 5, what });

describe('NodeRegistration', () => {
  it('does not hold start up while the etcd session cannot connect: waits, then registers; stop deregisters and leaves the session open', async () => {
    const registry = new FakeRegistry();
    const { session, counts } = fakeSession(registry);
    counts.isReachable = false;
    const registration = new NodeRegistration({ member, session, logger: testLogger(), retryMs: 10 });
    session.start();
    registration.start();
    assert.equal(registration.state, 'connecting', 'start returns before any attempt finished');
    await until('three failed connection attempts', () => counts.attempts >= 3);
    assert.equal(registration.state, 'retrying', 'the session failed to connect');
    assert.match(registration.lastError ?? '', /cannot reach etcd/);
    await assert.rejects(registration.listMembers(), /not connected to etcd/);
    counts.isReachable = true;
    await until('registered', () => registration.state === 'registered');
    assert.equal(
      session.state,
      'connected',
      'the session made the attempts; the registration none of its own',
    );
    assert.deepEqual([...registry.registered.keys()], ['nodes/eu-west/host-1']);
    assert.deepEqual(
      (await registration.listMembers()).map((m) => [m.id, m.httpAddress]),
      [['host-1', '127.0.0.1:9464']],
    );
    await registration.stop();
    assert.equal(registration.state, 'stopped');
    assert.equal(registry.registered.size, 0, 'deregistered');
    assert.equal(counts.stops, 0, 'the session belongs to its owner: still open');
    assert.equal(session.state, 'connected');
    await registration.stop();
    await session.stop();
    assert.equal(counts.stops, 1);
  });

  it('registers again when the lease is lost, and after a refused registration', async () => {
    const registry = new FakeRegistry();
    const { session } = fakeSession(registry);
    session.start();
    const registration = new NodeRegistration({ member, session, logger: testLogger(), retryMs: 10 });
    registration.start();
    await until('registered', () => registration.state === 'registered');
    registry.failNext = 2;
    registry.loseLeases();
    await until(
      'registered again',
      () => registration.state === 'registered' && registry.registrations === 2,
    );
    assert.equal(registry.registered.size, 1);
    await registration.stop();
    assert.equal(registry.registered.size, 0);
    await session.stop();
  });

  it('stops while the etcd session is still connecting without ever registering', async () => {
    const registry = new FakeRegistry();
    const { session } = fakeSession(registry, { failConnects: Number.MAX_SAFE_INTEGER, retryMs: 60_000 });
    session.start();
    const registration = new NodeRegistration({ member, session, logger: testLogger(), retryMs: 10 });
    registration.start();
    await until('a failed connection attempt', () => session.lastError !== undefined);
    await registration.stop();
    assert.equal(registration.state, 'stopped');
    assert.equal(registry.registrations, 0);
    await session.stop();
  });
});

describe('defaultInstanceId and advertisedAddress', () => {
  it('makes a valid etcd name from any host name, with the pid', () => {
    assert.equal(defaultInstanceId('Node-7.EU-West.internal', 4242), 'node-7.eu-west.internal-4242');
    assert.equal(defaultInstanceId('__weird host!__', 1), 'weird-host-1');
    assert.equal(defaultInstanceId('', 9), 'node-9');
    const long = defaultInstanceId('a'.repeat(100) + '.example', 123456);
    assert.ok(long.length <= 63 && long.endsWith('-123456'));
    for (const id of [long, defaultInstanceId('-x-', 5), defaultInstanceId()]) assert.ok(isValidName(id), id);
  });

  it('replaces a wildcard listen host by the machine name, keeps any other', () => {
    assert.equal(advertisedAddress('0.0.0.0:7100', 'box'), 'box:7100');
    assert.equal(advertisedAddress('[::]:7100', 'box'), 'box:7100');
    assert.equal(advertisedAddress('127.0.0.1:7100', 'box'), '127.0.0.1:7100');
    assert.equal(advertisedAddress('10.0.0.5:9464', 'box'), '10.0.0.5:9464');
  });
});
