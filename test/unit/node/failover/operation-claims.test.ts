/**
 * One Failover call at a time per kind and regions, mesh-wide: calls of two instances of a region (two
 * holders, one etcd in memory) do not run the same operation at once; the second waits within its bound,
 * then is refused naming the holder; a call that loses its claim stops at its next group, and the same
 * command completes the operation; the claim is gone once a call ends.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { failoverWithState } from '../../../../node/failover/index.ts';
import { silentLogger } from '../../../../node/log/index.ts';
import {
  FAILOVER_CLAIMS_PREFIX,
  FailoverOperationClaims,
  FailoverOperationStore,
  RegionStateStore,
} from '../../../../node/region-state/index.ts';
import type { Translation } from '../../../../node/translation-service/index.ts';
import { MemoryStore } from './fixtures.ts';

function translationOf(group: string, from: string, to: string): Translation {
  return {
    group,
    fromRegion: from,
    toRegion: to,
    source: 'checkpoint',
    frontierTimeMs: 0,
    partitions: [
      {
        topic: 't',
        partition: 0,
        sourceOffset: 10,
        targetOffset: 10,
        frontier: [],
        alreadySeen: 0,
        targetLogEnd: 99,
        notReplicated: [],
        notReplicatedCounted: true,
      },
    ],
  };
}

/** An instance of region west over `store`: `holder` names it; `gate` holds each translation until it resolves. */
function instance(
  store: MemoryStore,
  log: string[],
  holder: string,
  options: { claimWaitMs?: number; gate?: (group: string) => Promise<void> } = {},
) {
  return () =>
    failoverWithState({
      request: {
        fromRegion: 'east',
        toRegion: 'west',
        groups: ['a', 'b', 'c'],
        dryRun: false,
        failback: '',
        parallelGroups: 1,
      },
      scope: { regions: ['east', 'west'], region: 'west' },
      ports: {
        translate: async (group, from, to) => {
          log.push(`${holder} translate ${group}`);
          await options.gate?.(group);
          return translationOf(group, from, to);
        },
        commit: (group) => {
          log.push(`${holder} commit ${group}`);
          return Promise.resolve();
        },
      },
      listGroups: () => Promise.resolve({ source: 'live', groups: [] }),
      linkSelection: () => ({ selects: () => true, description: 'the link' }),
      openStates: () =>
        Promise.resolve({
          states: new RegionStateStore({ store }),
          operations: new FailoverOperationStore({ store }),
          claims: new FailoverOperationClaims({ store, holder, ttlMs: 10_000 }),
          close: () => Promise.resolve(),
        }),
      claimWaitMs: options.claimWaitMs ?? 5_000,
      claimPollMs: 5,
      logger: silentLogger(),
    });
}

const claimKeys = (store: MemoryStore) =>
  [...store.entries.keys()].filter((k) => k.startsWith(FAILOVER_CLAIMS_PREFIX));

describe('failover operation claims', () => {
  it('two instances: the second call waits for the first to end, then runs; no interleaving', async () => {
    const store = new MemoryStore();
    const log: string[] = [];
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    const first = instance(store, log, 'west/1', { gate: () => opened })();
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(claimKeys(store), [`${FAILOVER_CLAIMS_PREFIX}failover/east/west`]);
    const second = instance(store, log, 'west/2')();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(log, ['west/1 translate a'], 'the second call waits');
    open();
    const [one, two] = await Promise.all([first, second]);
    assert.equal(one.groups.filter((g) => g.outcome === 'committed').length, 3);
    assert.equal(two.groups.length, 3);
    const firstOfTwo = log.findIndex((l) => l.startsWith('west/2'));
    assert.ok(
      log.slice(firstOfTwo).every((l) => l.startsWith('west/2')),
      log.join(', '),
    );
    assert.ok(log.slice(0, firstOfTwo).includes('west/1 commit c'));
    assert.deepEqual(claimKeys(store), [], 'released');
  });

  it('waits within its bound, then is refused naming the holder; nothing translated or committed', async () => {
    const store = new MemoryStore();
    const log: string[] = [];
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    const first = instance(store, log, 'west/1', { gate: () => opened })();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await assert.rejects(instance(store, log, 'west/2', { claimWaitMs: 30 })(), {
      code: 'GEOMESH_RPC_FAILED_PRECONDITION',
      message: /west\/1 is running the failover east → west \(since .*\); waited \d+ ms .*geomesh status/,
    });
    assert.deepEqual(log, ['west/1 translate a']);
    open();
    await first;
    assert.deepEqual(claimKeys(store), []);
  });

  it('a call that loses its claim stops at its next group; the same command completes the operation', async () => {
    const store = new MemoryStore();
    const log: string[] = [];
    const lose = () => {
      for (const lease of [...store.leases.values()]) lease.lose();
      return Promise.resolve();
    };
    await assert.rejects(
      instance(store, log, 'west/1', { gate: (g) => (g === 'b' ? lose() : Promise.resolve()) })(),
      { code: 'GEOMESH_COORD_LEASE_LOST' },
    );
    assert.deepEqual(log, ['west/1 translate a', 'west/1 translate b'], 'nothing after the loss');
    const again = await instance(store, log, 'west/2')();
    assert.equal(again.isResumed, true);
    assert.deepEqual(
      again.groups.map((g) => `${g.group} ${g.outcome}`),
      ['a committed', 'b committed', 'c committed'],
    );
    assert.deepEqual(claimKeys(store), []);
  });
});
