/**
 * moveGroups over the node's real TranslationService and a fake cluster (no Kafka): every group is translated
 * before the first commit, a group that cannot be translated or committed is refused by name while the others
 * move, a dry run commits nothing, and a rejecting `beforeCommit` stops every commit.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GeomeshError } from '../../../../base/index.ts';
import { moveGroups, planFailover, type GroupMovePorts } from '../../../../node/failover/index.ts';
import { silentLogger } from '../../../../node/log/index.ts';
import { TranslationService, type LocalCluster } from '../../../../node/translation-service/index.ts';
import { CheckpointStore, OriginIndex } from '../../../../node/translation/index.ts';
import { checkpointOf } from '../../../support/checkpoint-fixture.ts';

/** Region b's node; a is down (no peer) and pushed a checkpoint of `billing` and `audit` (resuming at 5). */
function node(options: { isBusy?: (group: string) => boolean } = {}) {
  const events: string[] = [];
  const cluster: LocalCluster = {
    committedOffsets: () => Promise.resolve([]),
    topicRanges: (topic) =>
      Promise.resolve(topic === 'orders' ? [{ partition: 0, logStart: 0, logEnd: 10 }] : undefined),
    groups: () => Promise.resolve([]),
    commit: (group, offsets) => {
      if (options.isBusy?.(group)) return Promise.reject(new Error(`group ${group} has active members in b`));
      events.push(`commit ${group} ${offsets.map((o) => `${o.topic}/${o.partition}@${o.offset}`).join(' ')}`);
      return Promise.resolve();
    },
  };
  const svc = new TranslationService({
    region: 'b',
    regions: ['a', 'b'],
    index: new OriginIndex(),
    checkpoints: new CheckpointStore(),
    cluster,
    peer: () => undefined,
    isCheckpointedGroup: () => true,
    checkpointIntervalMs: 0,
    logger: silentLogger(),
  });
  for (const group of ['billing', 'audit']) svc.receiveCheckpoint(checkpointOf({ group }));
  const ports: GroupMovePorts = {
    translate: async (group, from, to) => {
      try {
        return await svc.translate(group, from, to);
      } finally {
        events.push(`translate ${group}`);
      }
    },
    commit: (group, offsets) => svc.localCluster.commit(group, offsets),
    logger: silentLogger(),
  };
  return { events, ports };
}

const plan = (groups: string[], dryRun = false) =>
  planFailover(
    { fromRegion: 'a', toRegion: 'b', groups, dryRun, failback: '' },
    { regions: ['a', 'b'], region: 'b' },
  );

describe('moveGroups', () => {
  it('translates every group, then commits the translated offsets; an unknown group is refused by name', async () => {
    const { events, ports } = node();
    const seen: (readonly string[])[] = [];
    const results = await moveGroups(plan(['ghost', 'billing', 'audit']), ports, (groups) => {
      seen.push(groups);
      events.push('before commit');
      return Promise.resolve();
    });
    assert.deepEqual(
      results.map((r) => [r.group, r.outcome]),
      [
        ['ghost', 'refused'],
        ['billing', 'committed'],
        ['audit', 'committed'],
      ],
    );
    assert.match(results[0]!.reason, /no checkpoint of group ghost/);
    assert.equal(results[1]!.translation?.source, 'checkpoint');
    assert.deepEqual(seen, [['billing', 'audit']]);
    assert.deepEqual(events, [
      'translate ghost',
      'translate billing',
      'translate audit',
      'before commit',
      'commit billing orders/0@5',
      'commit audit orders/0@5',
    ]);
  });

  it('a dry run translates and commits nothing, and does not call beforeCommit', async () => {
    const { events, ports } = node();
    const results = await moveGroups(plan(['billing'], true), ports, () => {
      throw new Error('beforeCommit called in a dry run');
    });
    assert.deepEqual(
      results.map((r) => r.outcome),
      ['dry-run'],
    );
    assert.deepEqual(events, ['translate billing']);
  });

  it('a group with active members is refused at its commit; the others are committed', async () => {
    const { events, ports } = node({ isBusy: (g) => g === 'billing' });
    const results = await moveGroups(plan(['billing', 'audit']), ports);
    assert.deepEqual(
      results.map((r) => [r.group, r.outcome, r.reason]),
      [
        ['billing', 'refused', 'group billing has active members in b'],
        ['audit', 'committed', ''],
      ],
    );
    assert.ok(results[0]!.translation, 'the refused group keeps the translation it would have used');
    assert.deepEqual(
      events.filter((e) => e.startsWith('commit')),
      ['commit audit orders/0@5'],
    );
  });

  it('beforeCommit rejecting: nothing is committed and its error is the answer', async () => {
    const { events, ports } = node();
    const etcdDown = new GeomeshError('GEOMESH_COORD_UNAVAILABLE', 'etcd down');
    await assert.rejects(
      moveGroups(plan(['billing']), ports, () => Promise.reject(etcdDown)),
      (err) => err === etcdDown,
    );
    assert.deepEqual(events, ['translate billing']);
  });

  it('every group refused: beforeCommit is not called', async () => {
    const { ports } = node();
    let calls = 0;
    const results = await moveGroups(plan(['ghost']), ports, () => (calls++, Promise.resolve()));
    assert.deepEqual(
      results.map((r) => r.outcome),
      ['refused'],
    );
    assert.equal(calls, 0);
  });

  it('an error that is not a GeomeshError (a bug) is not swallowed as a refusal', async () => {
    const { ports } = node();
    const bug = new TypeError('x is undefined');
    await assert.rejects(
      moveGroups(plan(['billing']), { ...ports, translate: () => Promise.reject(bug) }),
      (err) => err === bug,
    );
  });
});
