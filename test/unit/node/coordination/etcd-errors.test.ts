import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import etcd3 from 'etcd3';
import { translateEtcdError } from '../../../../node/coordination/etcd-errors.ts';
import { GeomeshError, type ErrorCode } from '../../../../base/index.ts';

describe('etcd error translation', () => {
  const cases: [string, Error, ErrorCode, boolean][] = [
    [
      'unavailable',
      new etcd3.GRPCUnavailableError('14 UNAVAILABLE: No connection established'),
      'GEOMESH_COORD_UNAVAILABLE',
      true,
    ],
    [
      'deadline',
      new etcd3.GRPCDeadlineExceededError('4 DEADLINE_EXCEEDED'),
      'GEOMESH_COORD_UNAVAILABLE',
      true,
    ],
    ['cancelled', new etcd3.GRPCCancelledError('1 CANCELLED'), 'GEOMESH_COORD_UNAVAILABLE', true],
    ['lease', new etcd3.EtcdLeaseInvalidError('123'), 'GEOMESH_COORD_LEASE_LOST', false],
    ['closed', new etcd3.ClientClosedError('KV'), 'GEOMESH_COORD_CLOSED', false],
    [
      'compacted',
      new etcd3.EtcdError('etcdserver: mvcc: required revision has been compacted'),
      'GEOMESH_COORD_COMPACTED',
      false,
    ],
    [
      'permission',
      new etcd3.EtcdPermissionDeniedError('etcdserver: permission denied'),
      'GEOMESH_COORD_REQUEST',
      false,
    ],
    [
      'auth',
      new etcd3.EtcdAuthenticationFailedError('etcdserver: authentication failed'),
      'GEOMESH_COORD_REQUEST',
      false,
    ],
    ['unknown', new Error('something else'), 'GEOMESH_COORD_REQUEST', false],
  ];
  for (const [name, err, code, retryable] of cases) {
    it(`${name} → ${code}${retryable ? ' (retryable)' : ''}, keeping the cause and context`, () => {
      const translated = translateEtcdError(err, 'get regions/eu-west', { key: 'regions/eu-west' });
      assert.equal(translated.code, code);
      assert.equal(translated.retryable, retryable);
      assert.equal(translated.cause, err);
      assert.equal(translated.details['key'], 'regions/eu-west');
      assert.match(translated.message, /^get regions\/eu-west: /);
    });
  }

  it('an open circuit breaker (cockatiel BrokenCircuitError) is retryable unavailability', () => {
    const broken = Object.assign(new Error('Execution prevented because the circuit breaker is open'), {
      isBrokenCircuitError: true,
    });
    const translated = translateEtcdError(broken, 'put x');
    assert.equal(translated.code, 'GEOMESH_COORD_UNAVAILABLE');
    assert.equal(translated.retryable, true);
  });

  it('passes GeomeshErrors through untouched', () => {
    const original = new GeomeshError('GEOMESH_COORD_CONFLICT', 'x');
    assert.equal(translateEtcdError(original, 'put'), original);
  });
});
