import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeMemberV1, encodeMemberV1, memberFromEntry } from '../../../../node/coordination/index.ts';
import { isGeomeshError } from '../../../../base/index.ts';

const member = {
  region: 'eu-west',
  id: 'node-1',
  address: '10.0.0.1:7070',
  version: '0.1.0',
  startedAt: '2025-01-01T00:00:00.000Z',
};

describe('member codec v1', () => {
  it('encodes to a fixed JSON layout (byte fixture)', () => {
    assert.equal(
      encodeMemberV1(member).toString('utf8'),
      '{"v":1,"region":"eu-west","id":"node-1","address":"10.0.0.1:7070","version":"0.1.0",' +
        '"startedAt":"2025-01-01T00:00:00.000Z"}',
    );
  });

  it('round-trips any member', () => {
    const text = fc.string({ minLength: 1 });
    fc.assert(
      fc.property(
        fc.record({ region: text, id: text, address: text, version: text, startedAt: text }),
        (m) => {
          assert.deepEqual(decodeMemberV1(encodeMemberV1(m)), { ...m });
        },
      ),
    );
  });

  it('writes and reads the optional HTTP address; refuses an empty or non-string one', () => {
    const withHttp = { ...member, httpAddress: '10.0.0.1:9464' };
    const encoded = encodeMemberV1(withHttp);
    assert.match(encoded.toString('utf8'), /"httpAddress":"10\.0\.0\.1:9464"\}$/);
    assert.deepEqual(decodeMemberV1(encoded), withHttp);
    assert.ok(!('httpAddress' in decodeMemberV1(encodeMemberV1(member))), 'absent stays absent');
    for (const bad of ['', 7]) {
      assert.throws(
        () => decodeMemberV1(Buffer.from(JSON.stringify({ v: 1, ...member, httpAddress: bad }))),
        (err: unknown) => isGeomeshError(err, 'GEOMESH_COORD_CORRUPT') && err.message.includes('httpAddress'),
      );
    }
  });

  it('writes and reads the optional provenance key ids (never keys); refuses malformed ones', () => {
    const withKeys = { ...member, provenanceKeyId: 'aa', acceptedKeyIds: ['aa', 'bb'] };
    assert.deepEqual(decodeMemberV1(encodeMemberV1(withKeys)), withKeys);
    assert.ok(!('provenanceKeyId' in decodeMemberV1(encodeMemberV1(member))), 'absent stays absent');
    for (const bad of [
      { provenanceKeyId: 7, acceptedKeyIds: [] },
      { provenanceKeyId: 'aa', acceptedKeyIds: 'aa' },
    ]) {
      assert.throws(
        () => decodeMemberV1(Buffer.from(JSON.stringify({ v: 1, ...member, ...bad }))),
        (err: unknown) =>
          isGeomeshError(err, 'GEOMESH_COORD_CORRUPT') && err.message.includes('provenanceKeyId'),
      );
    }
  });

  it('ignores unknown extra fields but rejects other versions, missing fields and non-JSON', () => {
    const withExtra = Buffer.from(JSON.stringify({ v: 1, ...member, extra: true }));
    assert.deepEqual(decodeMemberV1(withExtra), member);
    for (const bad of [
      JSON.stringify({ v: 2, ...member }),
      JSON.stringify({ ...member }),
      JSON.stringify({ v: 1, ...member, address: '' }),
      JSON.stringify({ v: 1, ...member, id: 7 }),
      '[1]',
      'null',
      '{not json',
    ]) {
      assert.throws(
        () => decodeMemberV1(Buffer.from(bad), 'nodes/eu-west/node-1'),
        (err: unknown) =>
          isGeomeshError(err, 'GEOMESH_COORD_CORRUPT') && err.message.includes('nodes/eu-west/node-1'),
        bad,
      );
    }
  });

  it('memberFromEntry insists the key agrees with the value', () => {
    const entry = {
      key: 'nodes/eu-west/node-1',
      value: encodeMemberV1(member),
      modRevision: 9,
      createRevision: 8,
    };
    assert.deepEqual(memberFromEntry(entry), { ...member, modRevision: 9, createRevision: 8 });
    assert.throws(
      () => memberFromEntry({ ...entry, key: 'nodes/us-east/node-1' }),
      (err: unknown) => isGeomeshError(err, 'GEOMESH_COORD_CORRUPT'),
    );
  });
});
