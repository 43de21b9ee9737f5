import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { MemberInfo, MembershipEvent } from '../../../node/coordination-ports/index.ts';
import { isGeomeshError } from '../../../base/index.ts';
import { TestEnvironment } from '../../harness/index.ts';
import { eventually, startCoordinator, take, uniqueMesh } from './coordination-support.ts';

function member(region: string, id: string): MemberInfo {
  return {
    region,
    id,
    address: `${id}.${region}:7070`,
    version: '0.1.0',
    startedAt: '2025-01-01T00:00:00.000Z',
  };
}

function describeEvent(e: MembershipEvent): string {
  return e.type === 'left' ? `left ${e.region}/${e.id}` : `${e.type} ${e.member.region}/${e.member.id}`;
}

describe('coordination: membership (real etcd)', () => {
  let env: TestEnvironment;

  before(async () => {
    env = await TestEnvironment.start({ etcd: true });
  });

  after(async () => {
    await env?.stop();
  });

  it('register, list and watch: joins and leaves are seen in order', async (t) => {
    const mesh = uniqueMesh('members');
    const node1 = await startCoordinator(env, mesh);
    const node2 = await startCoordinator(env, mesh);
    const operator = await startCoordinator(env, mesh);
    t.after(() => Promise.all([node1.stop(), node2.stop(), operator.stop()]));

    const before = await operator.listMembers();
    assert.deepEqual(before.members, []);
    const events = operator.watchMembers({ startRevision: before.revision + 1 });
    const iterator = events[Symbol.asyncIterator]();

    const r1 = await node1.register(member('eu-west', 'n1'), { ttlMs: 5_000 });
    const r2 = await node2.register(member('us-east', 'n2'), { ttlMs: 5_000 });
    assert.equal(r1.key, 'nodes/eu-west/n1');

    const all = await operator.listMembers();
    assert.deepEqual(
      all.members.map((m) => [m.region, m.id, m.address, m.version, m.startedAt]),
      [
        ['eu-west', 'n1', 'n1.eu-west:7070', '0.1.0', '2025-01-01T00:00:00.000Z'],
        ['us-east', 'n2', 'n2.us-east:7070', '0.1.0', '2025-01-01T00:00:00.000Z'],
      ],
    );
    const west = await operator.listMembers({ region: 'eu-west' });
    assert.deepEqual(
      west.members.map((m) => m.id),
      ['n1'],
    );

    await r1.deregister();
    await r2.deregister();
    assert.deepEqual((await take(iterator, 4)).map(describeEvent), [
      'joined eu-west/n1',
      'joined us-east/n2',
      'left eu-west/n1',
      'left us-east/n2',
    ]);
    assert.deepEqual((await operator.listMembers()).members, []);
    await events.close();
  });

  it('a second instance with the same region and id is refused with GEOMESH_COORD_CONFLICT', async (t) => {
    const mesh = uniqueMesh('members-dup');
    const first = await startCoordinator(env, mesh);
    const second = await startCoordinator(env, mesh);
    t.after(() => Promise.all([first.stop(), second.stop()]));
    await first.register(member('eu-west', 'dup'), { ttlMs: 5_000 });
    await assert.rejects(second.register(member('eu-west', 'dup'), { ttlMs: 5_000 }), (err: unknown) => {
      assert.ok(isGeomeshError(err, 'GEOMESH_COORD_CONFLICT'));
      assert.match(err.message, /already registered at nodes\/eu-west\/dup/);
      return true;
    });
    const listed = await first.listMembers();
    assert.equal(listed.members.length, 1);
  });

  it('a member whose process is killed (kill -9) vanishes once its lease expires, and watchers see it leave', async (t) => {
    const mesh = uniqueMesh('members-kill');
    const operator = await startCoordinator(env, mesh);
    t.after(() => operator.stop());
    const start = await operator.listMembers();
    const events = operator.watchMembers({ region: 'ap-south', startRevision: start.revision + 1 });
    const iterator = events[Symbol.asyncIterator]();
    t.after(() => events.close());

    const script = fileURLToPath(new URL('./member-process.ts', import.meta.url));
    const child = spawn(
      process.execPath,
      [script, env.etcd!.endpoints[0]!, mesh, 'ap-south', 'doomed', '2000'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    t.after(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await eventually(
      'the child to register',
      () => (output.includes('registered') ? true : undefined),
      15_000,
    );
    assert.deepEqual((await take(iterator, 1)).map(describeEvent), ['joined ap-south/doomed']);

    const killedAt = Date.now();
    child.kill('SIGKILL');
    await once(child, 'exit');
    // Still there right after the kill: only the lease's expiry removes it.
    assert.equal((await operator.listMembers({ region: 'ap-south' })).members.length, 1);
    assert.deepEqual((await take(iterator, 1, 10_000)).map(describeEvent), ['left ap-south/doomed']);
    t.diagnostic(`killed member's key vanished ${Date.now() - killedAt} ms after kill -9 (TTL 2000 ms)`);
    assert.deepEqual((await operator.listMembers()).members, []);
  });
});
