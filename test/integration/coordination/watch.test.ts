import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EtcdCoordinator } from '../../../node/coordination/index.ts';
import type { WatchEvent } from '../../../node/coordination-ports/index.ts';
import { isGeomeshError } from '../../../base/index.ts';
import { TestEnvironment } from '../../harness/index.ts';
import { startCoordinator, take, uniqueMesh } from './coordination-support.ts';

function summary(events: WatchEvent[]): string[] {
  return events.map((e) => (e.type === 'put' ? `put ${e.key}=${e.value.toString()}` : `delete ${e.key}`));
}

describe('coordination: watches (real etcd)', () => {
  let env: TestEnvironment;
  let coordinator: EtcdCoordinator;

  before(async () => {
    env = await TestEnvironment.start({ etcd: true });
    coordinator = await startCoordinator(env, uniqueMesh('watch'));
  });

  after(async () => {
    await coordinator?.stop();
    await env?.stop();
  });

  it('a prefix watcher sees puts and deletes in order, with their revisions', async () => {
    // Starting at the next revision makes the test independent of when the watch stream is established.
    const from = (await coordinator.list('w1/')).revision + 1;
    const watch = coordinator.watch('w1/', { isPrefix: true, startRevision: from });
    const iterator = watch[Symbol.asyncIterator]();
    const r1 = await coordinator.put('w1/a', '1');
    const r2 = await coordinator.put('w1/b', '2');
    await coordinator.put('elsewhere', 'not watched');
    const r3 = await coordinator.put('w1/a', '3');
    await coordinator.delete('w1/b');
    const events = await take(iterator, 4);
    assert.deepEqual(summary(events), ['put w1/a=1', 'put w1/b=2', 'put w1/a=3', 'delete w1/b']);
    assert.deepEqual(
      events.slice(0, 3).map((e) => e.modRevision),
      [r1, r2, r3],
    );
    assert.ok(events[3]!.modRevision > r3);
    const [first, , third] = events;
    assert.ok(first?.type === 'put' && first.version === 1 && first.createRevision === r1);
    assert.ok(third?.type === 'put' && third.version === 2 && third.createRevision === r1);
    assert.equal(watch.nextRevision, events[3]!.modRevision + 1);
    await watch.close();
    assert.deepEqual(await iterator.next(), { value: undefined, done: true });
    await watch.closed;
  });

  it('a single-key watch ignores other keys that share its prefix', async () => {
    const from = (await coordinator.list('w2/')).revision + 1;
    const watch = coordinator.watch('w2/key', { startRevision: from });
    const iterator = watch[Symbol.asyncIterator]();
    await coordinator.put('w2/key-longer', 'no');
    await coordinator.put('w2/key', 'yes');
    assert.deepEqual(summary(await take(iterator, 1)), ['put w2/key=yes']);
    await watch.close();
  });

  it('a watcher started from an old revision replays history, then follows live changes', async () => {
    const r1 = await coordinator.put('w3/x', 'a');
    await coordinator.put('w3/x', 'b');
    await coordinator.delete('w3/x');
    await coordinator.put('w3/y', 'c');
    const watch = coordinator.watch('w3/', { isPrefix: true, startRevision: r1 });
    const iterator = watch[Symbol.asyncIterator]();
    assert.deepEqual(summary(await take(iterator, 4)), [
      'put w3/x=a',
      'put w3/x=b',
      'delete w3/x',
      'put w3/y=c',
    ]);
    await coordinator.put('w3/z', 'live');
    assert.deepEqual(summary(await take(iterator, 1)), ['put w3/z=live']);
    await watch.close();
  });

  it('a long replay (more than etcd sends in one batch) arrives complete and in order', async () => {
    const first = await coordinator.put('w4/k0', '0');
    for (let i = 1; i < 1_200; i++) await coordinator.put(`w4/k${i % 7}`, String(i));
    const watch = coordinator.watch('w4/', { isPrefix: true, startRevision: first });
    const events = await take(watch[Symbol.asyncIterator](), 1_200, 20_000);
    assert.deepEqual(
      events.map((e) => (e.type === 'put' ? e.value.toString() : 'delete')),
      Array.from({ length: 1_200 }, (_, i) => String(i)),
    );
    for (let i = 1; i < events.length; i++) assert.ok(events[i]!.modRevision > events[i - 1]!.modRevision);
    await watch.close();
  });

  it('a watch from a compacted revision fails with GEOMESH_COORD_COMPACTED', async () => {
    const old = await coordinator.put('w5/a', '1');
    const latest = await coordinator.put('w5/a', '2');
    const etcd3 = (await import('etcd3')).default;
    const raw = new etcd3.Etcd3({ hosts: env.etcd!.endpoints });
    try {
      await raw.kv.compact({ revision: String(latest), physical: true });
    } finally {
      raw.close();
    }
    const watch = coordinator.watch('w5/', { isPrefix: true, startRevision: old });
    await assert.rejects(watch[Symbol.asyncIterator]().next(), (err: unknown) => {
      assert.ok(isGeomeshError(err, 'GEOMESH_COORD_COMPACTED'), String(err));
      return true;
    });
    await assert.rejects(watch.closed, (err: unknown) => isGeomeshError(err, 'GEOMESH_COORD_COMPACTED'));
  });

  it('aborting the signal ends the iteration', async () => {
    const controller = new AbortController();
    const from = (await coordinator.list('w6/')).revision + 1;
    const watch = coordinator.watch('w6/', {
      isPrefix: true,
      startRevision: from,
      signal: controller.signal,
    });
    const seen: WatchEvent[] = [];
    const consumed = (async () => {
      for await (const event of watch) {
        seen.push(event);
        controller.abort();
      }
    })();
    await coordinator.put('w6/a', '1');
    await consumed;
    await watch.closed;
    assert.deepEqual(summary(seen), ['put w6/a=1']);
  });
});
