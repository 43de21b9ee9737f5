/**
 * Group selection for a failover that names no group: the source's groups the link selects, narrowed by
 * include patterns and less exclude patterns; a pattern that matches nothing, one that does not compile, and
 * a selection that leaves nothing are refused with the pattern, where the groups came from and the fix.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  compileGroupPatterns,
  planFailover,
  selectGroups,
  withGroups,
  MAX_FAILOVER_GROUPS,
  type GroupListing,
  type LinkGroupSelection,
} from '../../../../node/failover/index.ts';
import { Selection, isInternalGroup } from '../../../../topology/index.ts';

/** The link east → west selecting every group but `scratch-*` (the topology's Selection, internal ones never). */
const selection = new Selection(['.*'], ['scratch-.*'], isInternalGroup);
const link: LinkGroupSelection = {
  selects: (g) => selection.matches(g),
  description: 'the link east → west',
};
const live: GroupListing = {
  source: 'live',
  groups: ['billing-eu', 'billing-us', 'audit', 'scratch-1', 'geomesh.index', 'audit'],
};
const select = (include: string[] = [], exclude: string[] = [], listing = live) =>
  selectGroups({ include, exclude }, listing, link, 'east');

describe('selectGroups', () => {
  it('no pattern: every listed group the link selects, once each, sorted (internal and excluded ones left out)', () => {
    assert.deepEqual(select(), ['audit', 'billing-eu', 'billing-us']);
  });

  it('include patterns narrow the selection; exclude patterns take groups out; patterns match whole names', () => {
    assert.deepEqual(select(['billing-.*']), ['billing-eu', 'billing-us']);
    assert.deepEqual(select(['billing-.*', 'audit']), ['audit', 'billing-eu', 'billing-us']);
    assert.deepEqual(select([], ['billing-us']), ['audit', 'billing-eu']);
    assert.deepEqual(select(['billing-.*'], ['.*-us']), ['billing-eu']);
    // `billing` alone is anchored: it is not a prefix match.
    assert.throws(() => select(['billing']), { code: 'GEOMESH_RPC_NOT_FOUND' });
  });

  it('a group the link does not select stays out even when a pattern names it', () => {
    assert.throws(() => select(['scratch-1']), {
      code: 'GEOMESH_RPC_NOT_FOUND',
      message:
        '--group pattern 1 (group_patterns[0]): "scratch-1" matches none of the 3 groups of east that the link ' +
        "east → west selects (listed by east's node): fix the pattern (a regular expression matched against " +
        'the whole name) or leave it out',
    });
  });

  it('a pattern that matches nothing names itself, suggests a close name, and says where the groups came from', () => {
    assert.throws(() => select([], ['audti']), {
      code: 'GEOMESH_RPC_NOT_FOUND',
      message:
        /^--exclude-group pattern 1 \(exclude_group_patterns\[0\]\): "audti" matches none of the 3 groups .*; did you mean "audit"\?/,
    });
    const fromCheckpoints = { source: 'checkpoint' as const, groups: ['audit'] };
    assert.throws(() => select(['billing-.*'], [], fromCheckpoints), {
      message: /named by east's last checkpoints held here/,
    });
  });

  it('nothing selected, or everything excluded: NOT_FOUND with the fix', () => {
    assert.throws(() => select([], [], { source: 'checkpoint', groups: [] }), {
      code: 'GEOMESH_RPC_NOT_FOUND',
      message:
        /^no group to move: none of the 0 groups named by east's last checkpoints held here is selected by the link east → west/,
    });
    assert.throws(() => select(['audit'], ['a.*']), {
      code: 'GEOMESH_RPC_NOT_FOUND',
      message: /^no group to move: the exclude patterns leave out all 1 groups/,
    });
  });

  it('a pattern that is not a regular expression is INVALID_ARGUMENT naming it; an empty one too', () => {
    assert.throws(() => compileGroupPatterns(['ok', 'bil(ling'], 'include'), {
      code: 'GEOMESH_RPC_INVALID_ARGUMENT',
      message:
        /^--group pattern 2 \(group_patterns\[1\]\): "bil\(ling" is not a valid regular expression: .*matched against the whole group name$/,
    });
    assert.throws(() => compileGroupPatterns([''], 'exclude'), {
      message:
        '--exclude-group pattern 1 (exclude_group_patterns[0]) is empty: give a pattern or leave it out',
    });
  });
});

describe('planFailover with patterns', () => {
  const scope = { regions: ['east', 'west'], region: 'west' };
  const base = { fromRegion: 'east', toRegion: 'west', dryRun: false, failback: '' };

  it('no groups named: the plan carries the patterns and no group yet; bad patterns are refused at once', () => {
    const plan = planFailover(
      { ...base, groups: [], groupPatterns: ['b.*'], excludeGroupPatterns: [] },
      scope,
    );
    assert.deepEqual(plan.selection, { include: ['b.*'], exclude: [] });
    assert.deepEqual(plan.groups, []);
    assert.deepEqual(withGroups(plan, ['billing']).groups, ['billing']);
    assert.throws(() => planFailover({ ...base, groups: [], groupPatterns: ['('] }, scope), {
      code: 'GEOMESH_RPC_INVALID_ARGUMENT',
    });
    // A request of a caller older than the fields (no patterns at all) selects every group.
    assert.deepEqual(planFailover({ ...base, groups: [] }, scope).selection, { include: [], exclude: [] });
  });

  it('named groups: exclude patterns apply to them; include patterns with names are refused', () => {
    const plan = planFailover({ ...base, groups: ['a', 'b', 'c'], excludeGroupPatterns: ['b'] }, scope);
    assert.deepEqual(plan.groups, ['a', 'c']);
    assert.equal(plan.selection, null);
    assert.throws(() => planFailover({ ...base, groups: ['a'], groupPatterns: ['a'] }, scope), {
      code: 'GEOMESH_RPC_INVALID_ARGUMENT',
      message: /not both/,
    });
    assert.throws(() => planFailover({ ...base, groups: ['a'], excludeGroupPatterns: ['z'] }, scope), {
      code: 'GEOMESH_RPC_NOT_FOUND',
    });
  });

  it('a selection larger than one call moves is refused with how to split it', () => {
    const plan = planFailover({ ...base, groups: [] }, scope);
    const many = Array.from({ length: MAX_FAILOVER_GROUPS + 1 }, (_, i) => `g${i}`);
    assert.throws(() => withGroups(plan, many), {
      code: 'GEOMESH_RPC_INVALID_ARGUMENT',
      message: /narrow it/,
    });
  });
});
