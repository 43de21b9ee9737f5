/**
 * A Failover call as an operation in etcd: interrupted (its signal aborted after some commits), then the same
 * request again completes the same operation without translating committed groups again.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../../../../node/log/index.ts';
import {
  FailoverOperationClaims,
  FailoverOperationStore,
  RegionStateStore,
} from '../../../../node/region-state/index.ts';
import type { FailoverRequest } from '../../../../node/rpc/index.ts';
import { failoverWithState, OperationTurns } from '../../../../node/failover/index.ts';
import type { Translation } from '../../../../node/translation-service/index.ts';
import { MemoryStore } from './fixtures.ts';

/**
 * A node whose source position moves: each translation of a group gives the next offset (10, 11, …), so a
 * group translated twice would be committed at a different offset. `stopAfterCommits` aborts the call's
 * signal once that many groups are committed (the caller went away).
 */
function node(store: MemoryStore) {
  const translations = new Map<string, number>();
  const committed = new Map<string, number>();
  const log: string[] = [];
  /** `stopAfterCommits` 0: the caller is gone before the call starts. */
  const run = async (request: Partial<FailoverRequest>, stopAfterCommits?: number) => {
    const controller = new AbortController();
    if (stopAfterCommits === 0) controller.abort(new Error('gone at once'));
    let commits = 0;
    return failoverWithState({
      request: {
        fromRegion: 'east',
        toRegion: 'west',
        groups: ['a', 'b', 'c', 'd'],
        dryRun: false,
        failback: '',
        parallelGroups: 1,
        ...request,
      },
      scope: { regions: ['east', 'west'], region: 'west' },
      ports: {
        translate: (group, from, to): Promise<Translation> => {
          const offset = (translations.get(group) ?? 9) + 1;
          translations.set(group, offset);
          log.push(`translate ${group}`);
          const partition = { topic: 't', partition: 0, sourceOffset: offset, targetOffset: offset };
          return Promise.resolve({
            group,
            fromRegion: from,
            toRegion: to,
            source: 'checkpoint',
            frontierTimeMs: 0,
            partitions: [
              {
                ...partition,
                frontier: [],
                alreadySeen: 0,
                targetLogEnd: 99,
                notReplicated: [],
                notReplicatedCounted: true,
              },
            ],
          });
        },
        commit: (group, offsets) => {
          committed.set(group, offsets[0]!.offset);
          log.push(`commit ${group} ${offsets[0]!.offset}`);
          if (++commits === stopAfterCommits) controller.abort(new Error('the caller went away'));
          return Promise.resolve();
        },
      },
      listGroups: () => Promise.resolve({ source: 'live', groups: ['a', 'b', 'c', 'd'] }),
      linkSelection: () => ({ selects: () => true, description: 'the link' }),
      openStates: () =>
        Promise.resolve({
          states: new RegionStateStore({ store }),
          operations: new FailoverOperationStore({ store }),
          claims: new FailoverOperationClaims({ store, holder: 'west/1', ttlMs: 10_000 }),
          close: () => Promise.resolve(),
        }),
      signal: controller.signal,
      logger: silentLogger(),
    });
  };
  return { run, committed, log, operations: new FailoverOperationStore({ store }) };
}

describe('failover operations: interrupted, then completed by the same request', () => {
  it('groups committed before the interruption are not translated or committed again; the rest are', async () => {
    const store = new MemoryStore();
    const { run, committed, log, operations } = node(store);
    await assert.rejects(run({}, 2), /the caller went away/);
    assert.deepEqual(log, [
      'translate a',
      'translate b',
      'translate c',
      'translate d',
      'commit a 10',
      'commit b 10',
    ]);
    const [interrupted] = (await operations.list()).operations;
    assert.equal(interrupted?.operation.state, 'running');
    assert.deepEqual(
      [...interrupted.groups.values()].map((g) => `${g.group} ${g.status}`),
      ['a committed', 'b committed', 'c translated', 'd translated'],
    );

    log.length = 0;
    const again = await run({});
    // c and d are committed with the translation recorded before the interruption (10), not a new one (11).
    assert.deepEqual(log, ['commit c 10', 'commit d 10']);
    assert.equal(again.operation, interrupted?.operation.id);
    assert.equal(again.isResumed, true);
    assert.deepEqual(
      again.groups.map(
        (g) =>
          `${g.group} ${g.outcome}${g.isEarlier ? ' earlier' : ''} ${g.translation?.partitions[0]?.targetOffset}`,
      ),
      ['a committed earlier 10', 'b committed earlier 10', 'c committed 10', 'd committed 10'],
    );
    assert.deepEqual(
      Object.fromEntries(committed),
      { a: 10, b: 10, c: 10, d: 10 },
      'as an uninterrupted run',
    );
    const [done] = (await operations.list()).operations;
    assert.deepEqual(
      [done?.operation.state, done?.operation.committed, done?.operation.refused],
      ['done', 4, 0],
    );

    // Once done, the same request is a new operation: translated again.
    log.length = 0;
    const next = await run({});
    assert.notEqual(next.operation, done?.operation.id);
    assert.equal(next.isResumed, false);
    assert.ok(log.includes('translate a'));
  });

  it('interrupted before translating: nothing was committed, the same request translates and commits all', async () => {
    const store = new MemoryStore();
    const { run, committed, log } = node(store);
    // Gone before the call starts: the operation opens, nothing is translated.
    await assert.rejects(run({}, 0), /gone at once/);
    assert.deepEqual(log, []);
    const again = await run({});
    assert.equal(again.isResumed, true);
    assert.deepEqual(Object.fromEntries(committed), { a: 10, b: 10, c: 10, d: 10 });
  });

  it('another request for the same regions is refused while the operation is not complete, naming the command', async () => {
    const store = new MemoryStore();
    const { run, log } = node(store);
    await assert.rejects(run({}, 1));
    log.length = 0;
    await assert.rejects(run({ groups: ['a'] }), {
      code: 'GEOMESH_RPC_FAILED_PRECONDITION',
      message:
        /failover operation \d{8}T\d{6}Z-[0-9a-f]{8} \(east → west, 4 groups, .*complete it first by running the same command again: geomesh failover --from east --to west --group a b c d/,
    });
    assert.deepEqual(log, [], 'nothing translated or committed');
    // A dry run is no operation: it runs.
    assert.equal((await run({ groups: ['a'], dryRun: true })).groups[0]?.outcome, 'dry-run');
  });

  it('a request selecting by pattern resumes with the groups selected when the operation began', async () => {
    const store = new MemoryStore();
    const { run, log } = node(store);
    await assert.rejects(run({ groups: [], groupPatterns: ['[abc]'] }, 1));
    log.length = 0;
    const again = await run({ groups: [], groupPatterns: ['[abc]'] });
    assert.deepEqual(
      again.groups.map((g) => g.group),
      ['a', 'b', 'c'],
    );
    assert.deepEqual(log, ['commit b 10', 'commit c 10']);
  });
});

describe('OperationTurns', () => {
  it('runs one call at a time per key, in arrival order; a failed one does not block the next', async () => {
    const turns = new OperationTurns();
    const order: string[] = [];
    let release!: () => void;
    const first = turns.run('k', async () => {
      order.push('first starts');
      await new Promise<void>((resolve) => (release = resolve));
      order.push('first ends');
      throw new Error('interrupted');
    });
    const second = turns.run('k', () => (order.push('second'), Promise.resolve(2)));
    const other = turns.run('other', () => (order.push('other key'), Promise.resolve(3)));
    await other;
    release();
    await assert.rejects(first, /interrupted/);
    assert.equal(await second, 2);
    assert.deepEqual(order, ['first starts', 'other key', 'first ends', 'second']);
  });
});
