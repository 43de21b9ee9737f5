/**
 * planFailover: every request that cannot be right is refused before anything is read or written, with the
 * code callers branch on and a message naming the value; a good one becomes a plan.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_FAILOVER_GROUPS, planFailover } from '../../../../node/failover/index.ts';
import type { FailoverRequest } from '../../../../node/rpc/index.ts';

const scope = { regions: ['a', 'b', 'c'], region: 'b' };
const request = (over: Partial<FailoverRequest> = {}): FailoverRequest => ({
  fromRegion: 'a',
  toRegion: 'b',
  groups: ['billing'],
  dryRun: false,
  failback: '',
  ...over,
});

describe('planFailover', () => {
  it('a good request becomes a plan: groups in order, each once; a failback start is always a dry run', () => {
    assert.deepEqual(planFailover(request({ groups: ['x', 'billing', 'x'] }), scope), {
      from: 'a',
      to: 'b',
      groups: ['x', 'billing'],
      isDryRun: false,
      failback: '',
      selection: null,
      parallelGroups: undefined,
    });
    assert.equal(planFailover(request({ parallelGroups: 4 }), scope).parallelGroups, 4);
    assert.throws(() => planFailover(request({ parallelGroups: 257 }), scope), {
      code: 'GEOMESH_RPC_INVALID_ARGUMENT',
      message: 'parallel_groups is 257; expected 1 to 256, or 0 for the default',
    });
    assert.equal(planFailover(request({ dryRun: true }), scope).isDryRun, true);
    assert.equal(planFailover(request({ failback: 'start' }), scope).isDryRun, true);
    assert.equal(planFailover(request({ failback: 'finish' }), scope).isDryRun, false);
  });

  it('regions: empty or equal is INVALID_ARGUMENT, unknown is NOT_FOUND naming the mesh', () => {
    assert.throws(() => planFailover(request({ fromRegion: '' }), scope), {
      code: 'GEOMESH_RPC_INVALID_ARGUMENT',
      message: 'from names no region',
    });
    assert.throws(() => planFailover(request({ fromRegion: 'zz' }), scope), {
      code: 'GEOMESH_RPC_NOT_FOUND',
      message: 'from: unknown region "zz"; the mesh has a, b, c',
    });
    assert.throws(() => planFailover(request({ toRegion: 'zz' }), scope), { code: 'GEOMESH_RPC_NOT_FOUND' });
    assert.throws(() => planFailover(request({ fromRegion: 'b' }), scope), {
      code: 'GEOMESH_RPC_INVALID_ARGUMENT',
      message: /from and to are both b/,
    });
  });

  it('a call into another region than the serving node is FAILED_PRECONDITION', () => {
    assert.throws(() => planFailover(request({ fromRegion: 'b', toRegion: 'c' }), scope), {
      code: 'GEOMESH_RPC_FAILED_PRECONDITION',
      message: 'failover into c is served by the node of c; this is the node of b',
    });
  });

  it('groups: an empty name, or more than the bound are INVALID_ARGUMENT (none: they are selected)', () => {
    assert.equal(planFailover(request({ groups: [] }), scope).groups.length, 0);
    assert.throws(() => planFailover(request({ groups: ['billing', ''] }), scope), {
      code: 'GEOMESH_RPC_INVALID_ARGUMENT',
      message: /group 2 of 2 is empty/,
    });
    const many = Array.from({ length: MAX_FAILOVER_GROUPS + 1 }, (_, i) => `g${i}`);
    assert.throws(() => planFailover(request({ groups: many }), scope), {
      code: 'GEOMESH_RPC_INVALID_ARGUMENT',
      message: /1001 groups in one call; at most 1000: split the call/,
    });
    assert.equal(planFailover(request({ groups: many.slice(1) }), scope).groups.length, MAX_FAILOVER_GROUPS);
  });

  it('an unknown failback step is INVALID_ARGUMENT, checked first', () => {
    assert.throws(() => planFailover(request({ failback: 'halfway', fromRegion: 'zz' }), scope), {
      code: 'GEOMESH_RPC_INVALID_ARGUMENT',
      message: /failback is "halfway"; expected "" \(a failover\), "start" or "finish"/,
    });
  });
});
