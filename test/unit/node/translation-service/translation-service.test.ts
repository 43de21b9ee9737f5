/**
 * The translation service's answers to bad input, over a fake cluster (no Kafka): every request that cannot
 * be right is refused with INVALID_ARGUMENT or NOT_FOUND and a message naming the value, and nothing is
 * kept. (Failover's checks and commits: test/unit/node/failover/.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PeerApi } from '../../../../node/translation-service/index.ts';
import { checkpointOf } from '../../../support/checkpoint-fixture.ts';
import { fakeTranslationService } from '../../../support/fake-translation.ts';

function service(peer: () => PeerApi | undefined = () => undefined) {
  return fakeTranslationService({ region: 'b', regions: ['a', 'b'], peer });
}

const checkpoint = checkpointOf;

describe('TranslationService: bad input', () => {
  it('translate: empty group or topic, unknown or equal regions', async () => {
    const { svc } = service();
    await assert.rejects(svc.translate('', 'a', 'b'), {
      code: 'GEOMESH_RPC_INVALID_ARGUMENT',
      message: /group is empty/,
    });
    await assert.rejects(svc.translate('billing', 'a', 'b', ['']), { code: 'GEOMESH_RPC_INVALID_ARGUMENT' });
    await assert.rejects(svc.translate('billing', 'mars', 'b'), {
      code: 'GEOMESH_RPC_NOT_FOUND',
      message: /"mars"/,
    });
    await assert.rejects(svc.translate('billing', 'b', 'b'), { code: 'GEOMESH_RPC_INVALID_ARGUMENT' });
  });

  it('seek: a partition that cannot exist, or a topic the region lacks', async () => {
    const { svc } = service();
    const p = checkpoint().partitions[0]!;
    await assert.rejects(svc.localSeek([{ ...p, partition: -1 }]), { code: 'GEOMESH_RPC_INVALID_ARGUMENT' });
    await assert.rejects(svc.localSeek([{ ...p, committedOffset: 1.5 }]), {
      code: 'GEOMESH_RPC_INVALID_ARGUMENT',
    });
    await assert.rejects(svc.localSeek([{ ...p, frontier: [{ region: '', offset: 1 }] }]), {
      code: 'GEOMESH_RPC_INVALID_ARGUMENT',
    });
    await assert.rejects(svc.localSeek([{ ...p, topic: 'nope' }]), { code: 'GEOMESH_RPC_NOT_FOUND' });
    await assert.rejects(svc.localSeek([{ ...p, partition: 3 }]), { code: 'GEOMESH_RPC_NOT_FOUND' });
    assert.deepEqual(
      (await svc.localSeek([p])).partitions.map((x) => x.offset),
      [5],
      'a good request still answers',
    );
  });

  it('a pushed checkpoint with impossible values is refused and not kept', () => {
    const { svc, checkpoints } = service();
    assert.throws(() => svc.receiveCheckpoint(checkpoint({ region: 'mars' })), {
      code: 'GEOMESH_RPC_NOT_FOUND',
    });
    assert.throws(() => svc.receiveCheckpoint(checkpoint({ group: '' })), {
      code: 'GEOMESH_RPC_INVALID_ARGUMENT',
    });
    assert.throws(() => svc.receiveCheckpoint(checkpoint({ computedAtMs: -5 })), {
      code: 'GEOMESH_RPC_INVALID_ARGUMENT',
    });
    assert.throws(
      () =>
        svc.receiveCheckpoint(
          checkpoint({ partitions: [{ topic: 'orders', partition: 0, committedOffset: -7, frontier: [] }] }),
        ),
      { code: 'GEOMESH_RPC_INVALID_ARGUMENT' },
    );
    assert.equal(checkpoints.size, 0);
    assert.equal(svc.receiveCheckpoint(checkpoint()), true);
    assert.equal(checkpoints.size, 1);
  });
});

describe('TranslationService: the groups of a region (failover selection)', () => {
  it("its own cluster's, a peer's listing, else the groups its checkpoints held here name", async () => {
    const unused = () => Promise.reject(new Error('unused'));
    let isUp = true;
    const peerA: PeerApi = {
      getFrontiers: unused,
      seek: unused,
      pushCheckpoints: unused,
      listGroups: () => (isUp ? Promise.resolve(['audit', 'billing']) : Promise.reject(new Error('refused'))),
    };
    const { svc } = service(() => peerA);
    assert.deepEqual(await svc.groupsOf('b'), { source: 'live', groups: ['billing'] });
    assert.deepEqual(await svc.groupsOf('a'), { source: 'live', groups: ['audit', 'billing'] });
    isUp = false;
    assert.deepEqual(await svc.groupsOf('a'), { source: 'checkpoint', groups: [] });
    svc.receiveCheckpoint(checkpoint({ group: 'payroll' }));
    assert.deepEqual(await svc.groupsOf('a'), { source: 'checkpoint', groups: ['payroll'] });
    await assert.rejects(svc.groupsOf('mars'), { code: 'GEOMESH_RPC_NOT_FOUND' });
  });
});

describe('TranslationService: checkpoint first (a failover whose source stopped answering)', () => {
  it('skips the live read only when a checkpoint of the group is held', async () => {
    let asked = 0;
    const unused = () => Promise.reject(new Error('unused'));
    const silent: PeerApi = {
      getFrontiers: () => {
        asked++;
        return Promise.reject(new Error('deadline'));
      },
      seek: unused,
      pushCheckpoints: unused,
      listGroups: unused,
    };
    const { svc } = service(() => silent);
    svc.receiveCheckpoint(checkpoint({ group: 'billing' }));
    assert.equal((await svc.translate('billing', 'a', 'b')).source, 'checkpoint');
    assert.equal(asked, 1, 'without the flag the live region is asked first');
    assert.equal((await svc.translate('billing', 'a', 'b', [], true)).source, 'checkpoint');
    assert.equal(asked, 1, 'with it, not');
    await assert.rejects(svc.translate('audit', 'a', 'b', [], true), { code: 'GEOMESH_RPC_UNAVAILABLE' });
    assert.equal(asked, 2, 'no checkpoint of the group: the live region is still asked');
  });
});
