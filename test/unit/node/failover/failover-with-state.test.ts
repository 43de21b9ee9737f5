import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../../../../node/log/index.ts';
import {
  FailoverOperationClaims,
  FailoverOperationStore,
  RegionStateStore,
} from '../../../../node/region-state/index.ts';
import type { FailoverRequest } from '../../../../node/rpc/index.ts';
import { failoverWithState, type GroupMovePorts } from '../../../../node/failover/index.ts';
import type { Translation } from '../../../../node/translation-service/index.ts';
import { GeomeshError } from '../../../../base/index.ts';
import { MemoryStore, recordedState } from './fixtures.ts';

/**
 * A fake of the node's translation and cluster: groups named ghost-* are unknown (refused when translated),
 * groups named busy-* have active members (their commit is refused), every other group moves; `events`
 * records commits and region state writes.
 */
function harness(store: MemoryStore, options: { isEtcdDown?: boolean } = {}) {
  const events: string[] = [];
  const states = new RegionStateStore({ store });
  const ports = (to: string): Omit<GroupMovePorts, 'logger'> => {
    let translated = '';
    return {
      translate: (group, from): Promise<Translation> => {
        if (group.startsWith('ghost'))
          return Promise.reject(new GeomeshError('GEOMESH_RPC_NOT_FOUND', `no group ${group} in ${from}`));
        translated = from;
        return Promise.resolve({
          group,
          fromRegion: from,
          toRegion: to,
          source: 'live',
          frontierTimeMs: 0,
          partitions: [],
        });
      },
      commit: (group) => {
        if (group.startsWith('busy')) return Promise.reject(new Error('active members'));
        events.push(`commit ${group} in ${to} from ${translated}`);
        return Promise.resolve();
      },
    };
  };
  const run = (request: Partial<FailoverRequest>) =>
    failoverWithState({
      request: {
        fromRegion: 'east',
        toRegion: 'west',
        groups: ['billing'],
        dryRun: false,
        failback: '',
        ...request,
      },
      scope: { regions: ['east', 'west', 'south'], region: request.toRegion ?? 'west' },
      ports: ports(request.toRegion ?? 'west'),
      listGroups: () => Promise.resolve({ source: 'live', groups: ['billing', 'audit'] }),
      linkSelection: () => ({ selects: () => true, description: 'the link' }),
      openStates: () => {
        if (options.isEtcdDown)
          return Promise.reject(new GeomeshError('GEOMESH_COORD_UNAVAILABLE', 'dial timeout'));
        events.push('etcd connected');
        return Promise.resolve({
          states: {
            get: (...args: Parameters<RegionStateStore['get']>) => states.get(...args),
            change: async (...args: Parameters<RegionStateStore['change']>) => {
              const change = await states.change(...args);
              if (change.isWritten) events.push(`record ${args[0]} ${change.record?.state}`);
              return change;
            },
          },
          operations: new FailoverOperationStore({ store }),
          claims: new FailoverOperationClaims({ store, holder: 'west/1', ttlMs: 10_000 }),
          close: () => (events.push('etcd closed'), Promise.resolve()),
        });
      },
      logger: silentLogger(),
      now: () => new Date('2026-01-01T00:00:00.000Z'),
      newOperation: () => 'op-1',
    });
  return { events, run, states };
}

describe('failoverWithState', () => {
  it('a failover records the source region failed over before the first commit; a repeat writes nothing', async () => {
    const store = new MemoryStore();
    const { events, run, states } = harness(store);
    const response = await run({});
    assert.deepEqual(events, [
      'etcd connected',
      'record east failed-over',
      'commit billing in west from east',
      'etcd closed',
    ]);
    assert.deepEqual(
      response.regionState,
      recordedState('failed-over', { toRegion: 'west', groups: ['billing'] }),
    );
    events.length = 0;
    await run({});
    assert.deepEqual(events, ['etcd connected', 'commit billing in west from east', 'etcd closed']);
    assert.equal((await states.get('east')).record?.state, 'failed-over');
  });

  it('a dry run records nothing and opens no etcd connection; a call where every group is refused records no region state', async () => {
    const store = new MemoryStore();
    const { events, run } = harness(store);
    const dry = await run({ dryRun: true });
    assert.equal(dry.regionState, null);
    assert.equal(dry.operation, undefined);
    assert.deepEqual(events, []);
    assert.equal(store.entries.size, 0);
    const refused = await run({ groups: ['ghost-1'] });
    assert.equal(refused.regionState, null);
    // Only its operation, done with the group refused.
    const { operations } = await new FailoverOperationStore({ store }).list();
    assert.deepEqual(
      operations.map((o) => [o.operation.id, o.operation.state, o.operation.committed, o.operation.refused]),
      [[refused.operation, 'done', 0, 1]],
    );
    assert.ok(![...store.entries.keys()].some((k) => k.startsWith('regions/')));
  });

  it('a group refused at its commit (active members) is reported refused; it was recorded before the commits', async () => {
    const store = new MemoryStore();
    const { events, run } = harness(store);
    const response = await run({ groups: ['billing', 'busy-1'] });
    assert.deepEqual(
      response.groups.map((g) => [g.group, g.outcome, g.reason]),
      [
        ['billing', 'committed', ''],
        ['busy-1', 'refused', 'active members'],
      ],
    );
    assert.deepEqual(events, [
      'etcd connected',
      'record east failed-over',
      'commit billing in west from east',
      'etcd closed',
    ]);
    assert.deepEqual(response.regionState?.groups, ['billing', 'busy-1']);
  });

  it('etcd down: the call fails with GEOMESH_COORD_UNAVAILABLE and nothing is committed', async () => {
    const { events, run } = harness(new MemoryStore(), { isEtcdDown: true });
    await assert.rejects(run({}), {
      code: 'GEOMESH_COORD_UNAVAILABLE',
      message: /cannot reach etcd to record the operation: dial timeout; nothing was committed/,
    });
    assert.deepEqual(events, []);
  });

  it('a source failed over elsewhere: refused with FAILED_PRECONDITION, nothing committed', async () => {
    const store = new MemoryStore();
    const { run } = harness(store);
    await run({ toRegion: 'south' });
    const { events, run: again } = harness(store);
    await assert.rejects(again({}), { code: 'GEOMESH_RPC_FAILED_PRECONDITION' });
    assert.ok(!events.some((e) => e.startsWith('commit')));
  });

  it('failback: start records failing-back and commits nothing; finish commits, then records active', async () => {
    const store = new MemoryStore();
    const { events, run } = harness(store);
    await run({});
    events.length = 0;
    const back = { fromRegion: 'west', toRegion: 'east' };
    const start = await run({ ...back, dryRun: true, failback: 'start' });
    assert.equal(start.regionState?.state, 'failing-back');
    assert.equal(start.regionState?.toRegion, 'west');
    assert.deepEqual(events, ['etcd connected', 'record east failing-back', 'etcd closed']);
    events.length = 0;
    const finish = await run({ ...back, failback: 'finish' });
    assert.deepEqual(events, [
      'etcd connected',
      'commit billing in east from west',
      'record east active',
      'etcd closed',
    ]);
    assert.deepEqual(finish.regionState, recordedState('active'));
    assert.equal(finish.regionStateError, '');
  });

  it('failback finish of some groups stays failing-back with the groups still away', async () => {
    const store = new MemoryStore();
    const { run } = harness(store);
    await run({ groups: ['billing', 'audit'] });
    const finish = await run({
      fromRegion: 'west',
      toRegion: 'east',
      groups: ['billing', 'ghost-x'],
      failback: 'finish',
    });
    assert.equal(finish.regionState?.state, 'failing-back');
    assert.deepEqual(
      finish.regionState?.groups,
      ['audit'],
      'billing is back; audit was not named, ghost-x never left',
    );
  });

  it('etcd lost after the commits of a finish: the groups stay back and the response says so', async () => {
    const store = new MemoryStore();
    const { run, events } = harness(store);
    await run({});
    const original = store.put.bind(store);
    let puts = 0;
    store.put = (...args: Parameters<MemoryStore['put']>) => {
      // The second region state write of the finish (active) fails, and everything after it.
      if (args[0].startsWith('regions/') && ++puts === 2) store.isDown = true;
      return original(...args);
    };
    const finish = await run({ fromRegion: 'west', toRegion: 'east', failback: 'finish' });
    assert.ok(events.includes('commit billing in east from west'));
    assert.match(
      finish.regionStateError,
      /groups are back in east but its region state could not be recorded/,
    );
    assert.equal(finish.regionState?.state, 'failing-back');
  });

  it('a request that cannot be right is refused before etcd is reached or anything is translated', async () => {
    const { events, run } = harness(new MemoryStore());
    await assert.rejects(run({ failback: 'halfway' }), { code: 'GEOMESH_RPC_INVALID_ARGUMENT' });
    await assert.rejects(run({ fromRegion: 'north' }), { code: 'GEOMESH_RPC_NOT_FOUND' });
    await assert.rejects(run({ groups: [], groupPatterns: ['bil(ling'] }), {
      code: 'GEOMESH_RPC_INVALID_ARGUMENT',
    });
    assert.deepEqual(events, []);
    // A pattern that matches nothing is known once the groups are listed: after etcd was asked whether an
    // interrupted operation runs, before anything is written.
    await assert.rejects(run({ groups: [], groupPatterns: ['nothing-.*'] }), {
      code: 'GEOMESH_RPC_NOT_FOUND',
    });
    assert.deepEqual(events, ['etcd connected', 'etcd closed']);
  });

  it("no group named: the source's listed groups are selected, narrowed, recorded, then committed", async () => {
    const { events, run } = harness(new MemoryStore());
    const outcome = await run({ groups: [], excludeGroupPatterns: ['aud.*'] });
    assert.deepEqual(
      outcome.groups.map((g) => `${g.group} ${g.outcome}`),
      ['billing committed'],
    );
    assert.deepEqual(outcome.regionState?.groups, ['billing']);
    assert.ok(events.includes('commit billing in west from east'), events.join('; '));
    assert.ok(!events.some((e) => e.startsWith('commit audit')), 'audit was excluded');
  });

  it('a failback that names no group moves back the groups the returning region records as moved', async () => {
    const store = new MemoryStore();
    const { events, run } = harness(store);
    await run({ groups: ['billing', 'audit', 'ledger'] });
    events.length = 0;
    const back = { fromRegion: 'west', toRegion: 'east', groups: [] };
    const start = await run({ ...back, dryRun: true, failback: 'start' });
    assert.deepEqual(
      start.groups.map((g) => `${g.group} ${g.outcome}`),
      ['audit dry-run', 'billing dry-run', 'ledger dry-run'],
    );
    events.length = 0;
    // Patterns narrow the recorded groups; east stays failing back with the one left away.
    const some = await run({ ...back, failback: 'finish', excludeGroupPatterns: ['ledger'] });
    assert.deepEqual(
      some.groups.map((g) => `${g.group} ${g.outcome}`),
      ['audit committed', 'billing committed'],
    );
    assert.deepEqual(some.regionState?.groups, ['ledger']);
    const rest = await run({ ...back, failback: 'finish' });
    assert.deepEqual(
      rest.groups.map((g) => g.group),
      ['ledger'],
    );
    assert.equal(rest.regionState?.state, 'active');
    // Nothing recorded any more: a clear NOT_FOUND, nothing translated.
    events.length = 0;
    await assert.rejects(run({ ...back, failback: 'finish' }), {
      code: 'GEOMESH_RPC_NOT_FOUND',
      message:
        /no group to fail back: east's region state in etcd \(active\) records no groups moved to west; name the groups/,
    });
    assert.ok(!events.some((e) => e.startsWith('commit')), events.join('; '));
    assert.ok(events.includes('etcd closed'), 'the connection is closed');
  });

  it('a failback that names no group, etcd down: GEOMESH_COORD_UNAVAILABLE, nothing translated', async () => {
    const store = new MemoryStore();
    const { run } = harness(store);
    await run({});
    store.isDown = true;
    await assert.rejects(run({ fromRegion: 'west', toRegion: 'east', groups: [], failback: 'finish' }), {
      code: 'GEOMESH_COORD_UNAVAILABLE',
      message: /cannot claim the failback west → east in etcd: .*nothing was committed/,
    });
  });
});
