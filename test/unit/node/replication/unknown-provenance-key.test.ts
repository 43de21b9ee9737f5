/**
 * Records tagged by a mesh key the node does not hold, as the link sees them (over a fake source and sink):
 * never written as local records of the source region; dropped where their claimed origin is dropped anyway
 * (loop, not forwarded), else the partition halts (or the record is skipped by policy). And the link-level
 * pause while two nodes' key sets disagree, resumed where it stopped.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { silentLogger } from '../../../../node/log/index.ts';
import {
  LinkReplicator,
  OriginHighwater,
  ProvenanceKeySet,
  decideForward,
  decodeOriginHeaders,
  provenanceKeyId,
  type LinkContext,
  type SourceRecord,
} from '../../../../node/replication/index.ts';
import { FakeSink, FakeSource, TOPIC, recordAt } from '../../../support/fake-link.ts';
import { LINK_OPTION_DEFAULTS } from '../../../../topology/index.ts';

const HELD = Buffer.alloc(32, 7);
const OTHER = Buffer.alloc(32, 9);
const REGIONS = new Set(['a', 'b', 'c']);

async function linkOf(link: LinkContext, policy?: 'halt' | 'skip') {
  const source = new FakeSource();
  const sink = new FakeSink();
  const halted: number[] = [];
  let unknown = 0;
  const replicator = new LinkReplicator({
    mesh: 'm',
    link,
    topics: [TOPIC],
    source,
    maxBatchBytes: LINK_OPTION_DEFAULTS.maxBatchBytes,
    sink,
    highwater: new OriginHighwater(),
    provenanceKey: new ProvenanceKeySet(HELD),
    meshRegions: REGIONS,
    ...(policy && { onUnknownProvenanceKey: policy }),
    logger: silentLogger(),
    observer: {
      written: () => undefined,
      dropped: () => undefined,
      forged: () => undefined,
      lag: () => undefined,
      tooLarge: () => undefined,
      halted: (_t, p) => halted.push(p),
      truncated: () => undefined,
      unknownKey: (n) => (unknown += n),
    },
  });
  await replicator.start();
  const deliver = (records: SourceRecord[]) =>
    source.onBatch!({ topic: TOPIC, partition: 0, records, highWatermark: records.at(-1)!.offset + 1 });
  return { replicator, source, sink, halted, deliver, unknown: () => unknown };
}

const fullMesh = (from: string, to: string): LinkContext => ({ from, to, forwardsOrigin: (o) => o === from });
const chain: LinkContext = { from: 'b', to: 'c', forwardsOrigin: (o) => o === 'a' || o === 'b' };

describe('decideForward with unknown-key provenance', () => {
  it('applies the claimed origin: a drop stays a drop, a write becomes unverifiable (never local)', () => {
    const hw = new OriginHighwater();
    const at = { topic: 't', partition: 0, offset: 50 };
    const unknown = (region: string) => ({
      kind: 'unknown-key' as const,
      origin: { region, offset: 3 },
      keyId: 'abcd',
    });
    assert.deepEqual(decideForward(fullMesh('a', 'b'), unknown('b'), at, hw), {
      action: 'drop',
      reason: 'loop',
      origin: { region: 'b', offset: 3 },
    });
    assert.deepEqual(decideForward(fullMesh('a', 'b'), unknown('c'), at, hw), {
      action: 'drop',
      reason: 'not-forwarded',
      origin: { region: 'c', offset: 3 },
    });
    assert.deepEqual(decideForward(chain, unknown('a'), at, hw), {
      action: 'unverifiable',
      origin: { region: 'a', offset: 3 },
      keyId: 'abcd',
    });
    hw.advance('t', 0, 'a', 3);
    assert.equal(decideForward(chain, unknown('a'), at, hw).action, 'drop', 'already written: duplicate');
  });
});

describe('a link meeting records of a key it does not hold', () => {
  it('full mesh: other origins tagged by an unknown key are dropped as their origin says; nothing loops', async () => {
    const { replicator, sink, deliver, unknown } = await linkOf(fullMesh('a', 'b'));
    const outcome = await deliver([
      recordAt(0),
      recordAt(1, { region: 'b', offset: 7, key: OTHER }),
      recordAt(2, { region: 'c', offset: 8, key: OTHER }),
      recordAt(3),
    ]);
    assert.deepEqual(outcome, { kind: 'done' });
    assert.deepEqual(sink.written, ['v0', 'v3'], "b's own record never comes back as a's");
    assert.equal(replicator.stats.dropped.loop, 1);
    assert.equal(replicator.stats.dropped['not-forwarded'], 1);
    assert.equal(replicator.stats.unknownKeyRecords, 2);
    assert.equal(unknown(), 2);
    assert.equal(replicator.stats.halted.size, 0);
  });

  it('chain: a record the link would forward halts the partition before it, after writing what came first', async () => {
    const { replicator, sink, halted, deliver } = await linkOf(chain);
    const records = [recordAt(0), recordAt(1, { region: 'a', offset: 4, key: OTHER }), recordAt(2)];
    assert.deepEqual(await deliver(records), { kind: 'halted', resumeAt: 1 });
    assert.deepEqual(sink.written, ['v0']);
    assert.deepEqual(halted, [0]);
    const why = replicator.stats.halted.get(`${TOPIC}/0`) ?? '';
    assert.match(why, new RegExp(`offset 1 is tagged by key id ${provenanceKeyId(OTHER)}`));
    assert.match(why, /provenance\.accept/);
    assert.deepEqual(await deliver(records.slice(1)), { kind: 'halted', resumeAt: 1 }, 'stays halted');
    assert.deepEqual(sink.written, ['v0']);
  });

  it('skip policy: the record is passed over and counted, the rest goes on', async () => {
    const { replicator, sink, deliver } = await linkOf(chain, 'skip');
    const outcome = await deliver([
      recordAt(0),
      recordAt(1, { region: 'a', offset: 4, key: OTHER }),
      recordAt(2),
    ]);
    assert.deepEqual(outcome, { kind: 'done' });
    assert.deepEqual(sink.written, ['v0', 'v2']);
    assert.equal(replicator.stats.skippedUnknownKey, 1);
  });

  it("an application's forged headers (no mesh tag, or no mesh region) are replicated once as local", async () => {
    const { sink, deliver } = await linkOf(fullMesh('a', 'b'));
    const forged = {
      ...recordAt(0),
      headers: { 'geomesh.origin': 'b', 'geomesh.origin.offset': '1', 'geomesh.origin.mac': 'x' },
    };
    const outside = { ...recordAt(1, { region: 'zz', offset: 1, key: OTHER }) };
    assert.deepEqual(await deliver([forged, outside]), { kind: 'done' });
    assert.deepEqual(sink.written, ['v0', 'v1']);
  });

  it('property: whatever mix of keys tagged the source, nothing unverifiable is ever written', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            origin: fc.constantFrom(undefined, 'a', 'b', 'c'),
            isHeldKey: fc.boolean(),
          }),
          { minLength: 1, maxLength: 30 },
        ),
        fc.boolean(),
        async (specs, isChain) => {
          const { sink, deliver } = await linkOf(isChain ? chain : fullMesh('b', 'c'));
          const records = specs.map((s, i) =>
            recordAt(
              i,
              s.origin ? { region: s.origin, offset: i, key: s.isHeldKey ? HELD : OTHER } : undefined,
            ),
          );
          await deliver(records);
          const keys = new ProvenanceKeySet(HELD);
          for (const value of sink.written) {
            const i = Number(value.slice(1));
            const source = records[i]!;
            const p = decodeOriginHeaders(source.headers, keys, 'm', source, REGIONS);
            assert.notEqual(p.kind, 'unknown-key', `record ${i} of an unknown key was written`);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('key agreement pause', () => {
  it('while the key sets disagree nothing is written; when they agree the partition resumes where it stopped', async () => {
    const { replicator, source, sink, deliver } = await linkOf(fullMesh('a', 'b'));
    assert.deepEqual(await deliver([recordAt(0), recordAt(1)]), { kind: 'done' });
    replicator.setKeyMismatch('a tags with key 0000, which b does not hold');
    assert.equal(replicator.stats.keyMismatch, 'a tags with key 0000, which b does not hold');
    assert.deepEqual(await deliver([recordAt(2), recordAt(3)]), { kind: 'halted', resumeAt: 2 });
    assert.deepEqual(sink.written, ['v0', 'v1']);
    assert.equal(replicator.stats.halted.size, 0, 'a pause, not a halt');
    replicator.setKeyMismatch(undefined);
    assert.equal(replicator.stats.keyMismatch, '');
    assert.deepEqual(source.resumedAt, [{ partition: 0, position: 2 }]);
    assert.deepEqual(await deliver([recordAt(2), recordAt(3)]), { kind: 'done' });
    assert.deepEqual(sink.written, ['v0', 'v1', 'v2', 'v3']);
  });
});
