import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  FailoverOperationStore,
  groupStep,
  newOperationId,
  operationGroupKey,
  parseOperationKey,
  runningOperation,
  type FailoverOperationRecord,
} from '../../../../node/region-state/index.ts';
import { MemoryStore } from '../failover/fixtures.ts';

const ASK = { groups: [], groupPatterns: ['billing-.*'], excludeGroupPatterns: [] };
const op = (over: Partial<FailoverOperationRecord> = {}): FailoverOperationRecord => ({
  id: '20260101T000000Z-0a0b0c0d',
  kind: 'failover',
  from: 'east',
  to: 'west',
  ask: ASK,
  groups: ['billing-1'],
  state: 'running',
  startedAt: '2026-01-01T00:00:00.000Z',
  ...over,
});

describe('failover operation records', () => {
  it('a group goes translate → commit → nothing', () => {
    assert.equal(groupStep(undefined), 'translate');
    assert.equal(groupStep({ status: 'translated' }), 'commit');
    assert.equal(groupStep({ status: 'committed' }), 'none');
  });

  it('ids sort by start time; a group name of any characters is one key segment and comes back', () => {
    const id = newOperationId(new Date('2026-03-04T05:06:07.890Z'), () => 'abcdef01-2345');
    assert.equal(id, '20260304T050607Z-abcdef01');
    for (const group of ['billing', 'a/b', '..', 'x y%z']) {
      const key = operationGroupKey(id, group);
      assert.equal(key.split('/').length, 4, key);
      assert.deepEqual(parseOperationKey(key), { id, group });
    }
    assert.deepEqual(parseOperationKey(`failover-operations/${id}`), { id });
    assert.equal(parseOperationKey('regions/east/state'), undefined);
  });

  it('the running operation of the same command is found; of another command, refused with the command', () => {
    const running = op();
    assert.equal(runningOperation([op({ state: 'done' })], 'failover', 'east', 'west', ASK), undefined);
    assert.equal(runningOperation([running], 'failback', 'east', 'west', ASK), undefined);
    assert.equal(runningOperation([running], 'failover', 'east', 'west', { ...ASK }), running);
    assert.throws(
      () => runningOperation([running], 'failover', 'east', 'west', { ...ASK, groupPatterns: [] }),
      {
        code: 'GEOMESH_RPC_FAILED_PRECONDITION',
        message:
          /running the same command again: geomesh failover --from east --to west --group 'billing-\.\*'/,
      },
    );
  });
});

describe('FailoverOperationStore', () => {
  it('opens, records, resumes, finishes; lists with the groups; a corrupt key is listed as an error', async () => {
    const store = new MemoryStore();
    const operations = new FailoverOperationStore({ store, now: () => new Date('2026-01-01T00:00:00Z') });
    const start = { kind: 'failover' as const, from: 'east', to: 'west', ask: ASK };
    const opened = await operations.open(start, () => Promise.resolve(['billing-1', 'billing-2']));
    assert.equal(opened.isResumed, false);
    const translation = {
      group: 'billing-1',
      fromRegion: 'east',
      toRegion: 'west',
      source: 'live' as const,
      frontierTimeMs: 1,
      partitions: [],
    };
    await operations.recordGroup(opened.operation.id, {
      group: 'billing-1',
      status: 'committed',
      translation,
    });
    const resumed = await operations.open(start, () => assert.fail('a resumed operation selects nothing'));
    assert.equal(resumed.isResumed, true);
    assert.deepEqual(resumed.operation.groups, ['billing-1', 'billing-2']);
    assert.equal(resumed.groups.get('billing-1')?.status, 'committed');
    const done = await operations.finish(resumed, { committed: 2, refused: 0 });
    assert.equal(done.state, 'done');
    store.entries.set('failover-operations/20260101T000000Z-ffffffff', {
      key: 'failover-operations/20260101T000000Z-ffffffff',
      value: Buffer.from('{"v":2}'),
      modRevision: 99,
      createRevision: 99,
      version: 1,
      leaseId: undefined,
    });
    const listing = await operations.list();
    assert.deepEqual(
      listing.operations.map((o) => [o.operation.state, o.operation.committed, o.groups.size]),
      [['done', 2, 1]],
    );
    assert.match(listing.errors[0] ?? '', /unsupported format version 2.*delete the operation's keys/);
  });

  it('keeps the newest done operations only', async () => {
    const store = new MemoryStore();
    let second = 0;
    const operations = new FailoverOperationStore({
      store,
      keepDone: 2,
      now: () => new Date(Date.UTC(2026, 0, 1, 0, 0, second++)),
    });
    const start = { kind: 'failover' as const, from: 'east', to: 'west', ask: ASK };
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const opened = await operations.open(start, () => Promise.resolve(['g']));
      await operations.recordGroup(opened.operation.id, {
        group: 'g',
        status: 'committed',
        translation: {
          group: 'g',
          fromRegion: 'east',
          toRegion: 'west',
          source: 'live',
          frontierTimeMs: 0,
          partitions: [],
        },
      });
      await operations.finish(opened, { committed: 1, refused: 0 });
      ids.push(opened.operation.id);
    }
    const { operations: kept } = await operations.list();
    assert.deepEqual(
      kept.map((o) => o.operation.id),
      ids.slice(2),
    );
    assert.equal(store.entries.size, 4, 'two operations, each with its group record');
  });
});
