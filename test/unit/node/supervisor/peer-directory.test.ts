import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import fc from 'fast-check';
import type {
  MemberRecord,
  MemberRegistry,
  MembershipEvent,
  MembershipWatchOptions,
} from '../../../../node/coordination-ports/index.ts';
import { MemberView, PeerDirectory, choosePeerAddress } from '../../../../node/supervisor/peer-directory.ts';
import { fakeSession } from './fake-session.ts';
import { waitFor } from '../../../support/polling.ts';
import { testLogger } from '../../../support/test-logger.ts';

function record(region: string, id: string, createRevision: number, address = `${id}.${region}:7100`) {
  return {
    region,
    id,
    address,
    version: '0.1.0',
    startedAt: '2025-01-01T00:00:00.000Z',
    createRevision,
    modRevision: createRevision,
  } satisfies MemberRecord;
}

describe('choosePeerAddress', () => {
  const members = [
    record('west', 'w-new', 30),
    record('west', 'w-old', 12),
    record('east', 'e-1', 5),
    record('west', 'w-mid', 20),
  ];

  it("calls the region's oldest registered instance (lowest create revision)", () => {
    assert.deepEqual(choosePeerAddress(members, 'west', '10.0.0.1:7100', true), {
      address: 'w-old.west:7100',
      source: 'etcd',
      instance: 'w-old',
    });
    assert.equal(choosePeerAddress(members, 'east', 'x:1', true).address, 'e-1.east:7100');
  });

  it('breaks a create-revision tie by id, whatever the listing order', () => {
    const tied = [record('west', 'b', 7), record('west', 'a', 7)];
    assert.equal(choosePeerAddress(tied, 'west', 'x:1', true).instance, 'a');
    assert.equal(choosePeerAddress([...tied].reverse(), 'west', 'x:1', true).instance, 'a');
  });

  it('falls back to the topology address when the region has no live instance, or etcd cannot be read', () => {
    const fallback = { address: '10.0.0.9:7100', source: 'topology', instance: null };
    assert.deepEqual(choosePeerAddress(members, 'north', '10.0.0.9:7100', true), fallback);
    assert.deepEqual(choosePeerAddress([], 'west', '10.0.0.9:7100', true), fallback);
    assert.deepEqual(choosePeerAddress(members, 'west', '10.0.0.9:7100', false), fallback);
  });

  it('skips an instance registered without an address', () => {
    const list = [record('west', 'blank', 1, ''), record('west', 'ok', 2)];
    assert.equal(choosePeerAddress(list, 'west', 'x:1', true).instance, 'ok');
  });
});

describe('MemberView', () => {
  it('follows joins, updates and leaves after a listing, ignoring what the listing already holds', () => {
    const view = new MemberView();
    assert.equal(view.revision, 0);
    assert.equal(view.replace([record('west', 'a', 3)], 10), true);
    // An event at or before the listing's revision is already reflected in it.
    assert.equal(view.apply({ type: 'left', region: 'west', id: 'a', revision: 10 }), false);
    assert.equal(view.apply({ type: 'joined', member: record('west', 'b', 11), revision: 11 }), true);
    assert.equal(
      view.apply({ type: 'updated', member: record('west', 'a', 3, 'moved:1'), revision: 12 }),
      true,
    );
    assert.equal(view.apply({ type: 'left', region: 'west', id: 'b', revision: 13 }), true);
    assert.deepEqual(
      view.members().map((m) => [m.id, m.address]),
      [['a', 'moved:1']],
    );
    assert.equal(view.revision, 13);
  });

  it('refuses a listing older than what it reflects (it would roll the view back)', () => {
    const view = new MemberView();
    view.replace([], 5);
    view.apply({ type: 'joined', member: record('west', 'a', 6), revision: 6 });
    assert.equal(view.replace([], 5), false);
    assert.deepEqual(
      view.members().map((m) => m.id),
      ['a'],
    );
    assert.equal(view.replace([], 6), true);
    assert.deepEqual(view.members(), []);
  });

  it('property: listings taken at any revision, interleaved with the watch, end at the true membership', () => {
    // A history of joins and leaves (revision = index + 1), and listings taken at random revisions that
    // arrive at random points of the watch.
    const op = fc.record({ id: fc.constantFrom('a', 'b', 'c', 'd'), isJoin: fc.boolean() });
    fc.assert(
      fc.property(
        fc.array(op, { minLength: 1, maxLength: 30 }),
        fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 6 }),
        (ops, listings) => {
          const states: Map<string, MemberRecord>[] = [new Map<string, MemberRecord>()];
          const events: MembershipEvent[] = [];
          ops.forEach(({ id, isJoin }, i) => {
            const revision = i + 1;
            const next = new Map(states[i]);
            if (isJoin) {
              const member = record('west', id, next.get(id)?.createRevision ?? revision);
              events.push({ type: next.has(id) ? 'updated' : 'joined', member, revision });
              next.set(id, member);
            } else {
              events.push({ type: 'left', region: 'west', id, revision });
              next.delete(id);
            }
            states.push(next);
          });
          const view = new MemberView();
          const initial = states[0]!;
          view.replace([...initial.values()], 0);
          // listing [takenAt, arrivesAfterEvent]: taken at a revision no later than when it arrives.
          const arrivals = listings.map(([a, b]) => {
            const arrives = b % (events.length + 1);
            return { arrives, takenAt: a % (arrives + 1) };
          });
          for (let i = 0; i <= events.length; i++) {
            for (const l of arrivals.filter((x) => x.arrives === i))
              view.replace([...states[l.takenAt]!.values()], l.takenAt);
            if (i < events.length) view.apply(events[i]!);
          }
          const truth = [...states.at(-1)!.values()].map((m) => m.id).sort();
          assert.deepEqual(
            view
              .members()
              .map((m) => m.id)
              .sort(),
            truth,
          );
        },
      ),
    );
  });
});

/** Membership in memory: a revision counter, an event log, listings that can be made to fail. */
class FakeMembership implements MemberRegistry {
  readonly members = new Map<string, MemberRecord>();
  readonly log: MembershipEvent[] = [];
  revision = 100;
  isDown = false;
  lists = 0;
  readonly #waiters = new Set<() => void>();

  join(region: string, id: string, address: string): void {
    this.revision++;
    const member = record(region, id, this.revision, address);
    this.members.set(`${region}/${id}`, member);
    this.#emit({ type: 'joined', member, revision: this.revision });
  }

  leave(region: string, id: string): void {
    this.revision++;
    this.members.delete(`${region}/${id}`);
    this.#emit({ type: 'left', region, id, revision: this.revision });
  }

  #emit(event: MembershipEvent): void {
    this.log.push(event);
    for (const wake of this.#waiters) wake();
  }

  register(): never {
    throw new Error('not used');
  }

  listMembers(): Promise<{ members: MemberRecord[]; revision: number }> {
    this.lists++;
    if (this.isDown) return Promise.reject(new Error('etcd unreachable'));
    return Promise.resolve({ members: [...this.members.values()], revision: this.revision });
  }

  watchMembers(options: MembershipWatchOptions = {}) {
    let next = options.startRevision ?? this.revision + 1;
    let isClosed = false;
    const waiters = this.#waiters;
    const log = this.log;
    const closed = new Promise<void>((resolve) => options.signal?.addEventListener('abort', () => resolve()));
    async function* events(): AsyncGenerator<MembershipEvent> {
      while (!isClosed && !options.signal?.aborted) {
        const event = log.find((e) => e.revision >= next);
        if (event) {
          next = event.revision + 1;
          yield event;
          continue;
        }
        let wake!: () => void;
        const woken = new Promise<void>((resolve) => (wake = resolve));
        waiters.add(wake);
        await Promise.race([woken, closed]);
        waiters.delete(wake);
      }
    }
    const iterable = events();
    return {
      [Symbol.asyncIterator]: () => iterable,
      close: () => {
        isClosed = true;
        return Promise.resolve();
      },
    };
  }
}

/** A started session connected to `registry`; stopped after the test. */
function connectedSession(t: TestContext, registry: FakeMembership) {
  const { session } = fakeSession(registry);
  session.start();
  t.after(() => session.stop());
  return session;
}

const TOPOLOGY_WEST = '10.9.9.9:7100';

async function until(what: string, isDone: () => boolean): Promise<void> {
  await waitFor(isDone, { timeoutMs: 5_000, intervalMs: 10, what });
}

describe('PeerDirectory (fake etcd)', () => {
  it('follows joins and leaves: oldest live instance first, the next when it leaves, the topology when none', async (t) => {
    const etcd = new FakeMembership();
    etcd.join('west', 'w-1', '127.0.0.2:7001');
    const directory = new PeerDirectory({
      session: connectedSession(t, etcd),
      logger: testLogger(),
      refreshMs: 60_000,
    });
    t.after(() => directory.stop());
    // Before the first listing: the topology address.
    assert.deepEqual(directory.address('west', TOPOLOGY_WEST), {
      address: TOPOLOGY_WEST,
      source: 'topology',
      instance: null,
    });
    directory.start();
    await until('the listing', () => directory.address('west', TOPOLOGY_WEST).instance === 'w-1');
    assert.equal(directory.state, 'following');

    etcd.join('west', 'w-2', '127.0.0.2:7002'); // newer: not chosen while w-1 lives
    etcd.join('east', 'e-1', '127.0.0.3:7001');
    await until('the joins', () => directory.members().length === 3);
    assert.equal(directory.address('west', TOPOLOGY_WEST).address, '127.0.0.2:7001');

    etcd.leave('west', 'w-1');
    await until('w-2 chosen', () => directory.address('west', TOPOLOGY_WEST).instance === 'w-2');
    assert.equal(directory.address('west', TOPOLOGY_WEST).address, '127.0.0.2:7002');

    etcd.leave('west', 'w-2');
    await until('the topology address', () => directory.address('west', TOPOLOGY_WEST).source === 'topology');
    assert.equal(directory.address('west', TOPOLOGY_WEST).address, TOPOLOGY_WEST);
    assert.equal(directory.address('east', 'e:1').instance, 'e-1');
    assert.equal(etcd.lists, 1, 'one listing, then the watch');
  });

  it('etcd unreadable: topology addresses until a listing succeeds again, then the registered instance', async (t) => {
    const etcd = new FakeMembership();
    etcd.join('west', 'w-1', '127.0.0.2:7001');
    etcd.isDown = true;
    const directory = new PeerDirectory({
      session: connectedSession(t, etcd),
      logger: testLogger(),
      refreshMs: 20,
      retryMs: 20,
    });
    t.after(() => directory.stop());
    directory.start();
    await until('a failed listing', () => directory.state === 'unreachable');
    assert.equal(directory.isEtcdReadable, false);
    assert.equal(directory.address('west', TOPOLOGY_WEST).source, 'topology');

    etcd.isDown = false;
    await until('a listing', () => directory.address('west', TOPOLOGY_WEST).instance === 'w-1');
    assert.equal(directory.state, 'following');

    // etcd goes away while the watch runs: the next refresh fails and callers fall back.
    etcd.isDown = true;
    await until('the fallback', () => directory.address('west', TOPOLOGY_WEST).source === 'topology');
    assert.equal(directory.state, 'unreachable');
    etcd.isDown = false;
    await until('etcd again', () => directory.address('west', TOPOLOGY_WEST).source === 'etcd');

    await directory.stop();
    assert.equal(directory.state, 'stopped');
    assert.equal(directory.address('west', TOPOLOGY_WEST).source, 'topology');
  });

  it('while the etcd session cannot connect: topology addresses; stop() ends at once', async () => {
    const { session, counts } = fakeSession(new FakeMembership(), {
      failConnects: Number.MAX_SAFE_INTEGER,
    });
    session.start();
    const directory = new PeerDirectory({ session, logger: testLogger(), retryMs: 10 });
    directory.start();
    await until('three attempts', () => counts.attempts >= 3);
    assert.equal(directory.state, 'connecting');
    assert.equal(directory.address('west', TOPOLOGY_WEST).address, TOPOLOGY_WEST);
    await directory.stop();
    assert.equal(directory.state, 'stopped');
    await session.stop();
    const after = counts.attempts;
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(counts.attempts, after, 'the session stopped retrying');
  });
});
