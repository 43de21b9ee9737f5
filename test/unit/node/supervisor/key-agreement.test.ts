import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../../../../node/log/index.ts';
import { ProvenanceKeySet } from '../../../../node/replication/index.ts';
import { KeyAgreement } from '../../../../node/supervisor/key-agreement.ts';

const OLD = 'o'.repeat(32);
const NEW = 'n'.repeat(32);
const WRONG = 'w'.repeat(32);
const fp = (key: string, accept: string[] = []) => new ProvenanceKeySet(key, accept).fingerprints();

function agreementOf(self = fp(OLD), now = () => 0) {
  const changes: [string, string | undefined][] = [];
  const agreement = new KeyAgreement({
    region: 'a',
    self,
    peers: ['b', 'c'],
    onChange: (peer, reason) => changes.push([peer, reason]),
    logger: silentLogger(),
    heartbeatTrustMs: 1_000,
    now,
  });
  return { agreement, changes };
}

describe('KeyAgreement', () => {
  it('agrees through a rolling rotation, step by step, and never reports a change that is none', () => {
    const { agreement, changes } = agreementOf(fp(OLD));
    agreement.heard('b', [fp(OLD)], 'heartbeat');
    agreement.heard('b', [fp(OLD, [NEW])], 'heartbeat'); // b at step 1
    agreement.heard('b', [fp(OLD, [NEW])], 'heartbeat');
    assert.deepEqual(changes, [['b', undefined]], 'one verdict: agree');
    assert.equal(agreement.isMismatched('b'), false);
  });

  it('a peer tagging with a key this node does not hold is a mismatch naming both key ids; fixed, it resumes', () => {
    const { agreement, changes } = agreementOf(fp(OLD));
    agreement.heard('c', [fp(WRONG)], 'heartbeat');
    assert.equal(agreement.isMismatched('c'), true);
    const [peer, reason] = changes[0]!;
    assert.equal(peer, 'c');
    assert.match(reason!, new RegExp(`c tags with key ${fp(WRONG).currentKeyId}, which a does not hold`));
    assert.match(reason!, new RegExp(`a tags with key ${fp(OLD).currentKeyId}, which c does not hold`));
    assert.doesNotMatch(reason!, /oooo|wwww/, 'key ids only');
    agreement.heard('c', [fp(OLD)], 'heartbeat');
    assert.deepEqual(changes.at(-1), ['c', undefined]);
    const status = agreement.status();
    assert.deepEqual(
      status.map((s) => [s.region, s.source, s.mismatch]),
      [
        ['b', '', ''],
        ['c', 'heartbeat', ''],
      ],
    );
  });

  it('etcd: every registered instance counts; a fresh heartbeat outranks it; older nodes (no key id) are no verdict', () => {
    let now = 0;
    const { agreement, changes } = agreementOf(fp(OLD), () => now);
    agreement.heard('b', [fp(OLD), fp(WRONG)], 'etcd');
    assert.equal(agreement.isMismatched('b'), true, 'one instance with a wrong key is enough');
    agreement.heard('b', [fp(OLD)], 'heartbeat');
    assert.equal(agreement.isMismatched('b'), false);
    now = 500;
    agreement.heard('b', [fp(WRONG)], 'etcd');
    assert.equal(agreement.isMismatched('b'), false, 'the heartbeat is fresher');
    now = 5_000;
    agreement.heard('b', [fp(WRONG)], 'etcd');
    assert.equal(agreement.isMismatched('b'), true, 'no heartbeat for long: etcd says');
    const before = changes.length;
    agreement.heard('c', [{ currentKeyId: '', acceptedKeyIds: [] }], 'heartbeat');
    agreement.heard('a', [fp(WRONG)], 'heartbeat');
    agreement.heard('zz', [fp(WRONG)], 'heartbeat');
    assert.equal(
      changes.length,
      before,
      'no verdict for an older node, itself or a region not in the topology',
    );
  });
});
