import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERROR_CODES, GeomeshError, isGeomeshError } from '../../../../base/index.ts';

describe('GeomeshError', () => {
  it('carries code, retryable default from the catalogue, cause and frozen details', () => {
    const cause = new Error('socket hang up');
    const err = new GeomeshError('GEOMESH_KAFKA_CONNECTION', 'cannot reach us-east', {
      cause,
      details: { region: 'us-east' },
    });
    assert.equal(err.code, 'GEOMESH_KAFKA_CONNECTION');
    assert.equal(err.retryable, ERROR_CODES.GEOMESH_KAFKA_CONNECTION.retryable);
    assert.equal(err.cause, cause);
    assert.equal(err.details.region, 'us-east');
    assert.ok(Object.isFrozen(err.details));
    assert.deepEqual(JSON.parse(JSON.stringify(err)), {
      code: 'GEOMESH_KAFKA_CONNECTION',
      message: 'cannot reach us-east',
      retryable: true,
      details: { region: 'us-east' },
    });
  });

  it('lets a caller override retryable and branch on codes', () => {
    const err = new GeomeshError('GEOMESH_KAFKA_REQUEST', 'x', { retryable: true });
    assert.equal(err.retryable, true);
    assert.ok(isGeomeshError(err, 'GEOMESH_KAFKA_REQUEST'));
    assert.ok(!isGeomeshError(err, 'GEOMESH_CONFIG_INVALID'));
    assert.ok(!isGeomeshError(new Error('plain')));
  });

  it('uses only GEOMESH_<AREA>_<WHAT> codes', () => {
    for (const code of Object.keys(ERROR_CODES)) assert.match(code, /^GEOMESH_[A-Z]+_[A-Z_]+$/);
  });
});
