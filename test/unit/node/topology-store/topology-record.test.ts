import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeTopologyRecordV1,
  encodeTopologyRecordV1,
  parseTopologyVersionKey,
  topologyVersionKey,
} from '../../../../node/topology-store/index.ts';

const CANONICAL = '{"mesh":"m"}';
const HASH = '6b5a4607f9199f6a1c7315db6b1477af814f23ce83967576f8cddee39dcc7216';
/** Record v1 exactly as stored in etcd. */
const FIXTURE =
  '{"v":1,"version":3,"hash":"6b5a4607f9199f6a1c7315db6b1477af814f23ce83967576f8cddee39dcc7216",' +
  '"appliedAt":"2025-01-01T00:00:00.000Z","canonical":"{\\"mesh\\":\\"m\\"}"}';
const RECORD = { version: 3, hash: HASH, appliedAt: '2025-01-01T00:00:00.000Z', canonical: CANONICAL };

function corrupt(value: unknown): RegExp | ((err: unknown) => boolean) {
  return (err: unknown) => {
    assert.equal((err as { code?: string }).code, 'GEOMESH_COORD_CORRUPT', String(value));
    return true;
  };
}

describe('topology record codec v1', () => {
  it('encodes to the fixture bytes and decodes them back', () => {
    assert.equal(encodeTopologyRecordV1(RECORD).toString('utf8'), FIXTURE);
    assert.deepEqual(decodeTopologyRecordV1(Buffer.from(FIXTURE, 'utf8')), RECORD);
  });

  it('rejects what it does not fully understand, naming the key', () => {
    const bad: unknown[] = [
      'not json',
      '[]',
      JSON.stringify({ ...JSON.parse(FIXTURE), v: 2 }),
      JSON.stringify({ ...JSON.parse(FIXTURE), version: 0 }),
      JSON.stringify({ ...JSON.parse(FIXTURE), version: '3' }),
      JSON.stringify({ ...JSON.parse(FIXTURE), hash: '' }),
      JSON.stringify({ ...JSON.parse(FIXTURE), appliedAt: undefined }),
      JSON.stringify({ ...JSON.parse(FIXTURE), canonical: '{"mesh":"n"}' }),
    ];
    for (const value of bad) {
      assert.throws(
        () => decodeTopologyRecordV1(Buffer.from(String(value)), 'topology/versions/3'),
        corrupt(value),
      );
    }
    assert.throws(
      () => decodeTopologyRecordV1(Buffer.from('{"v":2}'), 'topology/versions/3'),
      /topology record topology\/versions\/3: unsupported format version 2/,
    );
  });

  it('names version keys in decimal and parses only those', () => {
    assert.equal(topologyVersionKey(12), 'topology/versions/12');
    assert.equal(parseTopologyVersionKey('topology/versions/12'), 12);
    for (const key of [
      'topology/versions/012',
      'topology/versions/0',
      'topology/versions/x',
      'topology/current',
    ])
      assert.equal(parseTopologyVersionKey(key), undefined, key);
    assert.throws(() => topologyVersionKey(0), { code: 'GEOMESH_INTERNAL_INVARIANT' });
  });
});
