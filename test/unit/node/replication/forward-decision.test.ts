import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { OriginHighwater, decideForward, type LinkContext } from '../../../../node/replication/index.ts';

const fullMeshLink = (from: string, to: string): LinkContext => ({
  from,
  to,
  forwardsOrigin: (o) => o === from,
});

describe('decideForward', () => {
  it('writes a local record of the source with origin = source and its source offset', () => {
    const d = decideForward(
      fullMeshLink('a', 'b'),
      { kind: 'local', hasForgedHeaders: false },
      { topic: 't', partition: 0, offset: 5 },
      new OriginHighwater(),
    );
    assert.deepEqual(d, { action: 'write', origin: { region: 'a', offset: 5 }, isReplica: false });
  });

  it('never writes a record back into its origin region (loop)', () => {
    const d = decideForward(
      fullMeshLink('a', 'b'),
      { kind: 'replicated', origin: { region: 'b', offset: 3 } },
      { topic: 't', partition: 0, offset: 99 },
      new OriginHighwater(),
    );
    assert.deepEqual(d, { action: 'drop', reason: 'loop', origin: { region: 'b', offset: 3 } });
  });

  it('in a full mesh, a link carries only its source region’s own records', () => {
    const d = decideForward(
      fullMeshLink('a', 'b'),
      { kind: 'replicated', origin: { region: 'c', offset: 3 } },
      { topic: 't', partition: 0, offset: 10 },
      new OriginHighwater(),
    );
    assert.equal(d.action === 'drop' && d.reason, 'not-forwarded');
  });

  it('a chain link forwards replicas of the origins it is parent for', () => {
    const link: LinkContext = { from: 'b', to: 'c', forwardsOrigin: (o) => o === 'a' || o === 'b' };
    const d = decideForward(
      link,
      { kind: 'replicated', origin: { region: 'a', offset: 3 } },
      { topic: 't', partition: 0, offset: 10 },
      new OriginHighwater(),
    );
    assert.deepEqual(d, { action: 'write', origin: { region: 'a', offset: 3 }, isReplica: true });
  });

  it('a forged record is treated as local to the source', () => {
    const d = decideForward(
      fullMeshLink('a', 'b'),
      { kind: 'local', hasForgedHeaders: true },
      { topic: 't', partition: 1, offset: 8 },
      new OriginHighwater(),
    );
    assert.deepEqual(d, { action: 'write', origin: { region: 'a', offset: 8 }, isReplica: false });
  });

  it('property: replaying any stream with restarts writes each origin offset exactly once, in order', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(50), { minLength: 1, maxLength: 30 }), (rewinds) => {
        // A source partition of 60 local records; the reader restarts at arbitrary earlier positions.
        const hw = new OriginHighwater();
        const written: number[] = [];
        let position = 0;
        for (const rewind of rewinds) {
          for (let offset = Math.min(position, rewind); offset < Math.min(60, position + 10); offset++) {
            const d = decideForward(
              fullMeshLink('a', 'b'),
              { kind: 'local', hasForgedHeaders: false },
              { topic: 't', partition: 0, offset },
              hw,
            );
            if (d.action === 'write') {
              written.push(d.origin.offset);
              hw.advance('t', 0, 'a', d.origin.offset);
            }
          }
          position = Math.min(60, position + 10);
        }
        assert.deepEqual(
          written,
          Array.from({ length: written.length }, (_, i) => i),
        );
      }),
    );
  });
});

describe('OriginHighwater', () => {
  it('only moves forward and keeps marks per topic, partition and origin', () => {
    const hw = new OriginHighwater();
    assert.equal(hw.get('t', 0, 'a'), -1);
    assert.equal(hw.advance('t', 0, 'a', 5), true);
    assert.equal(hw.advance('t', 0, 'a', 3), false);
    assert.equal(hw.get('t', 0, 'a'), 5);
    assert.equal(hw.isDuplicate('t', 0, 'a', 5), true);
    assert.equal(hw.isDuplicate('t', 0, 'a', 6), false);
    assert.equal(hw.isDuplicate('t', 1, 'a', 0), false);
    assert.equal(hw.isDuplicate('t', 0, 'b', 0), false);
    hw.advance('s', 1, 'b', 2);
    assert.deepEqual(
      hw.entries().map((e) => `${e.topic}/${e.partition}/${e.origin}=${e.offset}`),
      ['s/1/b=2', 't/0/a=5'],
    );
  });
});
