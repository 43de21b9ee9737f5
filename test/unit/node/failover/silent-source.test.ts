/**
 * silentSourceReads over the node's real TranslationService (fake cluster, no Kafka): once the source has not
 * answered for anything of a Failover call, the call's other groups take the source's checkpoints without
 * asking it again; while it answers, every group is asked live; a new call asks again.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentSourceReads } from '../../../../node/failover/index.ts';
import type { PeerApi } from '../../../../node/translation-service/index.ts';
import { checkpointOf } from '../../../support/checkpoint-fixture.ts';
import { fakeTranslationService } from '../../../support/fake-translation.ts';

const GROUPS = ['billing', 'audit', 'ledger'];

/** Region b's node; a's node answers live when `isUp()`, else fails as a down node does. */
function nodeOfB(isUp: () => boolean) {
  const calls: string[] = [];
  const down = () => Promise.reject(new Error('a: connect ECONNREFUSED'));
  const peer: PeerApi = {
    getFrontiers: (group) => {
      calls.push(`getFrontiers ${group}`);
      if (!isUp()) return down();
      return Promise.resolve({
        region: 'a',
        computedAtMs: 1_800_000_000_000,
        partitions: [
          { topic: 'orders', partition: 0, committedOffset: 7, frontier: [{ region: 'a', offset: 6 }] },
        ],
      });
    },
    seek: () => Promise.reject(new Error('b seeks locally')),
    pushCheckpoints: () => Promise.resolve(0),
    listGroups: () => {
      calls.push('listGroups');
      return isUp() ? Promise.resolve([...GROUPS]) : down();
    },
  };
  const { svc, checkpoints } = fakeTranslationService({
    region: 'b',
    regions: ['a', 'b'],
    peer: (r) => (r === 'a' ? peer : undefined),
  });
  for (const group of GROUPS) checkpoints.put(checkpointOf({ group }));
  const reads = () =>
    silentSourceReads({
      translate: (group, from, to, isCheckpointFirst) =>
        svc.translate(group, from, to, [], isCheckpointFirst),
      groupsOf: (from) => svc.groupsOf(from),
    });
  return { calls, reads };
}

describe('silentSourceReads', () => {
  it('groups listed from the checkpoints: no group asks the source', async () => {
    const { calls, reads } = nodeOfB(() => false);
    const call = reads();
    const listing = await call.listGroups('a');
    assert.equal(listing.source, 'checkpoint');
    assert.equal(call.isSourceSilent, true);
    for (const group of listing.groups)
      assert.equal((await call.translate(group, 'a', 'b')).source, 'checkpoint');
    assert.deepEqual(calls, ['listGroups']);
  });

  it('named groups: the first asks the source, the others take the checkpoints at once', async () => {
    const { calls, reads } = nodeOfB(() => false);
    const call = reads();
    assert.equal(call.isSourceSilent, false);
    const sources = [];
    for (const group of GROUPS) sources.push((await call.translate(group, 'a', 'b')).source);
    assert.deepEqual(sources, ['checkpoint', 'checkpoint', 'checkpoint']);
    assert.deepEqual(calls, ['getFrontiers billing']);
  });

  it('a source that answers is asked for every group, live', async () => {
    const { calls, reads } = nodeOfB(() => true);
    const call = reads();
    assert.equal((await call.listGroups('a')).source, 'live');
    for (const group of GROUPS) {
      const t = await call.translate(group, 'a', 'b');
      assert.equal(t.source, 'live');
      assert.equal(t.partitions[0]!.sourceOffset, 7);
    }
    assert.equal(call.isSourceSilent, false);
    assert.deepEqual(calls, ['listGroups', ...GROUPS.map((g) => `getFrontiers ${g}`)]);
  });

  it('a new call asks the source again', async () => {
    let isUp = false;
    const { calls, reads } = nodeOfB(() => isUp);
    await reads().listGroups('a');
    isUp = true;
    assert.equal((await reads().translate('audit', 'a', 'b')).source, 'live');
    assert.deepEqual(calls, ['listGroups', 'getFrontiers audit']);
  });
});
