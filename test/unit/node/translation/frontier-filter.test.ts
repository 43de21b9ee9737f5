import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeOriginHeaders, provenanceKeyObject } from '../../../../node/replication/index.ts';
import { FrontierFilter } from '../../../../node/translation/index.ts';

const KEY = 'k'.repeat(32);

function replica(origin: string, originOffset: number, offset: number, forgedKey?: string) {
  const record = {
    topic: 't',
    partition: 0,
    offset,
    timestamp: '1',
    key: null,
    value: Buffer.from(`v${offset}`),
  };
  const headers = encodeOriginHeaders(
    {},
    provenanceKeyObject(Buffer.from(forgedKey ?? KEY)),
    'm',
    { region: origin, offset: originOffset },
    record,
  );
  return { offset: String(offset), timestamp: '1', key: null, value: record.value, headers };
}

describe('FrontierFilter', () => {
  const filter = new FrontierFilter({
    mesh: 'm',
    region: 'b',
    provenanceKey: KEY,
    frontiers: new Map([
      [
        't/0',
        new Map([
          ['a', 5],
          ['b', 20],
        ]),
      ],
    ]),
  });

  it('skips replicas at or below their origin frontier and local records at or below the local one', () => {
    assert.equal(filter.isAlreadySeen('t', 0, replica('a', 5, 30)), true);
    assert.equal(filter.isAlreadySeen('t', 0, replica('a', 6, 31)), false);
    assert.equal(filter.isAlreadySeen('t', 0, replica('c', 0, 32)), false, 'origin the group never read');
    assert.equal(
      filter.isAlreadySeen('t', 0, { offset: '20', timestamp: '1', key: null, value: null }),
      true,
    );
    assert.equal(
      filter.isAlreadySeen('t', 0, { offset: '21', timestamp: '1', key: null, value: null }),
      false,
    );
    assert.equal(filter.isAlreadySeen('t', 1, replica('a', 0, 0)), false, 'partition without a frontier');
    assert.equal(filter.skipped.get('t/0'), 2);
  });

  it('reads records tagged by an accepted key (before a rotation) like those of its current key', () => {
    const rotated = new FrontierFilter({
      mesh: 'm',
      region: 'b',
      provenanceKey: 'n'.repeat(32),
      acceptedProvenanceKeys: [KEY],
      frontiers: new Map([['t/0', new Map([['a', 5]])]]),
    });
    assert.equal(rotated.isAlreadySeen('t', 0, replica('a', 5, 30)), true);
    assert.equal(rotated.isAlreadySeen('t', 0, replica('a', 6, 31)), false);
    const notAccepted = new FrontierFilter({
      mesh: 'm',
      region: 'b',
      provenanceKey: 'n'.repeat(32),
      frontiers: new Map([['t/0', new Map([['a', 5]])]]),
    });
    // Unverifiable: read as local to b (offset 30 > no b frontier): delivered, never skipped.
    assert.equal(notAccepted.isAlreadySeen('t', 0, replica('a', 5, 30)), false);
  });

  it('does not trust origin headers it cannot verify (the record is local to the cluster read)', () => {
    // Forged as a low offset of a; verified, it is b's own record at offset 33, beyond the frontier.
    assert.equal(filter.isAlreadySeen('t', 0, replica('a', 1, 33, 'x'.repeat(32))), false);
  });
});
