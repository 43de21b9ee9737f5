/**
 * Work sharing on a real etcd, with hosts that only record what they are told: balanced assignment, a
 * joining instance gets its share and only that moves (sticky), a partition never has two owners at once, a
 * stopped instance's share moves, and an instance cut off from etcd stops writing within its TTL and takes
 * work again afterwards.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EtcdCoordinator } from '../../../node/coordination/index.ts';
import { silentLogger } from '../../../node/log/index.ts';
import { PartitionOwnership, type TopicPartition } from '../../../node/work-sharing/index.ts';
import { TestEnvironment } from '../../harness/index.ts';
import { eventually, startCoordinator, uniqueMesh } from './coordination-support.ts';

const PARTITIONS: TopicPartition[] = Array.from({ length: 12 }, (_, partition) => ({
  topic: 'orders',
  partition,
}));

/** Who owns each partition now, across every instance of the test: a second owner fails the test. */
class OwnerBook {
  readonly owners = new Map<number, string>();
  readonly violations: string[] = [];
  handovers = 0;

  host(id: string, isWorking: () => boolean = () => true) {
    return {
      targetPartitions: () => Promise.resolve(isWorking() ? PARTITIONS : []),
      acquirePartitions: (tps: readonly TopicPartition[]) => {
        for (const { partition } of tps) {
          const current = this.owners.get(partition);
          if (current !== undefined)
            this.violations.push(`${id} took ${partition} while ${current} owned it`);
          this.owners.set(partition, id);
        }
        return Promise.resolve();
      },
      releasePartitions: (tps: readonly TopicPartition[], isHandover: boolean) => {
        for (const { partition } of tps) if (this.owners.get(partition) === id) this.owners.delete(partition);
        if (isHandover) this.handovers += tps.length;
        return Promise.resolve();
      },
    };
  }

  countOf(id: string): number {
    return [...this.owners.values()].filter((o) => o === id).length;
  }
}

describe('work sharing: partition ownership (real etcd)', () => {
  let env: TestEnvironment;
  const coordinators: EtcdCoordinator[] = [];
  const ownerships: PartitionOwnership[] = [];

  async function instance(mesh: string, id: string, book: OwnerBook, isWorking?: () => boolean) {
    const coordination = await startCoordinator(env, mesh, { leaseTtlMs: 2_000, requestTimeoutMs: 1_000 });
    coordinators.push(coordination);
    const ownership = new PartitionOwnership({
      coordination,
      region: 'west',
      instanceId: id,
      host: book.host(id, isWorking),
      logger: silentLogger(),
      leaseTtlMs: 2_000,
      reconcileMs: 200,
    });
    ownerships.push(ownership);
    ownership.start();
    return ownership;
  }

  before(async () => {
    env = await TestEnvironment.start({ etcd: true });
  });

  after(async () => {
    await Promise.allSettled(ownerships.map((o) => o.stop()));
    await Promise.allSettled(coordinators.map((c) => c.stop()));
    await env?.stop();
  });

  it('two instances split 12 partitions 6/6; a third joining takes 2 from each (4 moves) with never two owners', async () => {
    const mesh = uniqueMesh('share');
    const book = new OwnerBook();
    const a = await instance(mesh, 'a', book);
    const b = await instance(mesh, 'b', book);
    await eventually('6/6', () => (book.countOf('a') === 6 && book.countOf('b') === 6 ? true : undefined));
    assert.equal(a.owned.length + b.owned.length, 12);
    const before = { a: a.owned.map((tp) => tp.partition), b: b.owned.map((tp) => tp.partition) };
    const handoversBefore = book.handovers;
    const c = await instance(mesh, 'c', book);
    await eventually('4/4/4', () =>
      ['a', 'b', 'c'].every((id) => book.countOf(id) === 4) ? true : undefined,
    );
    assert.deepEqual(book.violations, []);
    // Sticky: a and b keep 4 of their own each and hand over the other 2.
    assert.equal(book.handovers - handoversBefore, 4, 'a third instance joining moves 4 partitions, not 8');
    assert.ok(
      a.owned.every((tp) => before.a.includes(tp.partition)),
      'a kept its own',
    );
    assert.ok(
      b.owned.every((tp) => before.b.includes(tp.partition)),
      'b kept its own',
    );
    assert.equal(c.owned.length, 4);
    assert.ok(a.isLeaseValid() && b.isLeaseValid());
  });

  it("a stopped instance's partitions move to the survivors; an idle node takes none", async () => {
    const mesh = uniqueMesh('stop');
    const book = new OwnerBook();
    const a = await instance(mesh, 'a', book);
    const b = await instance(mesh, 'b', book);
    const idle = await instance(mesh, 'idle', book, () => false);
    await eventually('6/6', () => (book.countOf('a') === 6 && book.countOf('b') === 6 ? true : undefined));
    assert.equal(idle.owned.length, 0, 'a node whose links are not running does not count as a worker');
    const stoppedAt = Date.now();
    await b.stop();
    await eventually('a owns all 12', () => (book.countOf('a') === 12 ? true : undefined));
    console.log(`b stopped: its 6 partitions were a's after ${Date.now() - stoppedAt} ms`);
    assert.equal(a.owned.length, 12);
    assert.deepEqual(book.violations, []);
  });

  it('cut off from etcd: writes stop within the TTL, partitions are dropped, and taken again after', async () => {
    const mesh = uniqueMesh('cut');
    const book = new OwnerBook();
    const a = await instance(mesh, 'a', book);
    await eventually('a owns all', () => (book.countOf('a') === 12 ? true : undefined));
    assert.equal(a.isLeaseValid(), true);
    const killedAt = Date.now();
    await env.etcd!.kill();
    await eventually('lease no longer certain', () => (a.isLeaseValid() ? undefined : true), 5_000, 20);
    console.log(`etcd killed: writes refused after ${Date.now() - killedAt} ms (TTL 2,000 ms)`);
    // Its last confirmed renewal was sent before the kill: a TTL later it can no longer count as alive.
    await new Promise((r) => setTimeout(r, Math.max(0, killedAt + 2_000 - Date.now())));
    assert.equal(a.isLeaseValid(), false, 'no write is allowed a TTL after etcd went away');
    await eventually('partitions dropped', () => (book.countOf('a') === 0 ? true : undefined), 5_000);
    await env.etcd!.restart();
    await eventually('a owns all again', () => (book.countOf('a') === 12 ? true : undefined), 30_000, 200);
    assert.equal(a.isLeaseValid(), true);
    assert.deepEqual(book.violations, []);
  });
});
