import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { ERROR_CODES, Secret, type ErrorCode } from '../../../../base/index.ts';
import {
  CODE_OF_STATUS,
  GEOMESH_METHODS,
  STATUS_OF_CODE,
  type GrpcStatusName,
} from '../../../../node/rpc/index.ts';

describe('status code tables', () => {
  it('send every geomesh code as some gRPC status other than OK', () => {
    assert.deepEqual(Object.keys(STATUS_OF_CODE).sort(), Object.keys(ERROR_CODES).sort());
    for (const name of Object.values(STATUS_OF_CODE)) assert.ok(name in CODE_OF_STATUS, name);
  });

  it('turn every status a client can receive into a GEOMESH_RPC_* code', () => {
    assert.equal(Object.keys(CODE_OF_STATUS).length, 16);
    for (const code of Object.values(CODE_OF_STATUS)) {
      assert.match(code, /^GEOMESH_RPC_/);
      assert.ok(code in ERROR_CODES, code);
    }
  });

  it('round-trip every RPC code a callee can send (all but the local BIND_FAILED and CLOSED)', () => {
    const local: ErrorCode[] = ['GEOMESH_RPC_BIND_FAILED', 'GEOMESH_RPC_CLOSED'];
    const rpcCodes = (Object.keys(ERROR_CODES) as ErrorCode[]).filter((c) => c.startsWith('GEOMESH_RPC_'));
    for (const code of rpcCodes.filter((c) => !local.includes(c))) {
      assert.equal(CODE_OF_STATUS[STATUS_OF_CODE[code]], code, code);
    }
  });

  it('map the statuses the lead named', () => {
    const expected: [ErrorCode, GrpcStatusName][] = [
      ['GEOMESH_RPC_NOT_FOUND', 'NOT_FOUND'],
      ['GEOMESH_RPC_INVALID_ARGUMENT', 'INVALID_ARGUMENT'],
      ['GEOMESH_RPC_UNAUTHENTICATED', 'UNAUTHENTICATED'],
      ['GEOMESH_RPC_PERMISSION_DENIED', 'PERMISSION_DENIED'],
      ['GEOMESH_RPC_UNAVAILABLE', 'UNAVAILABLE'],
      ['GEOMESH_COORD_UNAVAILABLE', 'UNAVAILABLE'],
      ['GEOMESH_TOPOLOGY_UNKNOWN_REGION', 'NOT_FOUND'],
      ['GEOMESH_INTERNAL_INVARIANT', 'INTERNAL'],
    ];
    for (const [code, status] of expected) assert.equal(STATUS_OF_CODE[code], status, code);
  });

  it('list every served geomesh method by its full name', () => {
    assert.deepEqual(GEOMESH_METHODS, [
      'geomesh.v1.Operator/TranslateOffsets',
      'geomesh.v1.Operator/GetStatus',
      'geomesh.v1.Operator/Failover',
      'geomesh.v1.Operator/GetFailoverProgress',
      'geomesh.v1.Peer/GetFrontiers',
      'geomesh.v1.Peer/Seek',
      'geomesh.v1.Peer/PushCheckpoints',
      'geomesh.v1.Peer/Ping',
      'geomesh.v1.Peer/ListGroups',
      'geomesh.v1.Peer/StreamRecords',
    ]);
  });
});

describe('Secret', () => {
  it('shows its source, never its value, in JSON, strings and inspect', () => {
    const secret = new Secret('s3cr3t-value', 'env GEOMESH_TOKEN');
    assert.equal(secret.reveal(), 's3cr3t-value');
    for (const shown of [
      JSON.stringify({ secret }),
      String(secret),
      `${secret.toString()}`,
      inspect({ secret }),
    ]) {
      assert.ok(!shown.includes('s3cr3t-value'), shown);
      assert.ok(shown.includes('env GEOMESH_TOKEN'), shown);
    }
  });
});
