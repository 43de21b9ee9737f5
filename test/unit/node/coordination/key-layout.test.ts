import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkKey,
  memberKey,
  membersPrefix,
  meshPrefix,
  parseMemberKey,
} from '../../../../node/coordination/index.ts';
import { isGeomeshError } from '../../../../base/index.ts';

describe('coordination key layout', () => {
  it('puts a mesh under /geomesh/<mesh>/ and members under nodes/<region>/<id>', () => {
    assert.equal(meshPrefix('prod'), '/geomesh/prod/');
    assert.equal(membersPrefix(), 'nodes/');
    assert.equal(membersPrefix('eu-west'), 'nodes/eu-west/');
    assert.equal(memberKey('eu-west', 'node-1'), 'nodes/eu-west/node-1');
  });

  it('parses member keys back, and nothing else', () => {
    assert.deepEqual(parseMemberKey('nodes/eu-west/node-1'), { region: 'eu-west', id: 'node-1' });
    assert.equal(parseMemberKey('nodes/eu-west'), undefined);
    assert.equal(parseMemberKey('nodes/eu-west/a/b'), undefined);
    assert.equal(parseMemberKey('election/x/1'), undefined);
    assert.equal(parseMemberKey('nodes/EU/x'), undefined);
  });

  it('rejects names that would break the layout, naming the bad value', () => {
    for (const bad of ['', 'a/b', 'UPPER', '-lead', 'trail-', 'x'.repeat(64), 'sp ace']) {
      assert.throws(
        () => meshPrefix(bad),
        (err: unknown) =>
          isGeomeshError(err, 'GEOMESH_CONFIG_INVALID') && err.message.includes(JSON.stringify(bad)),
      );
    }
    assert.throws(() => memberKey('eu-west', 'a/b'), /instance id "a\/b"/);
  });

  it('accepts relative keys and prefixes, rejects absolute, empty and dot segments', () => {
    for (const ok of ['a', 'a/b', 'nodes/', 'regions/eu-west/state']) assert.equal(checkKey(ok), ok);
    for (const bad of ['', '/a', 'a//b', 'a/./b', 'a/../b', '..', 'a\0b']) {
      assert.throws(
        () => checkKey(bad),
        (err: unknown) => isGeomeshError(err, 'GEOMESH_CONFIG_INVALID'),
      );
    }
  });
});
