/**
 * What the Operator service accepts (node/rpc-checks/operator-checks.ts): refused requests with their
 * status and the field named, and the requests the CLI sends passing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertRefusals } from './fixtures.ts';
import { OPERATOR_CHECKS, type OperatorScope } from '../../../../node/rpc-checks/index.ts';
import type { FailoverRequest } from '../../../../node/rpc/index.ts';

const SCOPE: OperatorScope = { regions: ['east', 'west'] };
const failover = (over: Partial<FailoverRequest> = {}): FailoverRequest => ({
  fromRegion: 'east',
  toRegion: 'west',
  groups: ['billing'],
  dryRun: false,
  failback: '',
  ...over,
});

describe('OPERATOR_CHECKS', () => {
  it('refuses each impossible value with its status, naming the field', () => {
    const translate = { group: 'billing', fromRegion: 'east', toRegion: 'west', topics: [] };
    const cases: [string, () => void, string, RegExp][] = [
      [
        'no group',
        () => OPERATOR_CHECKS.translateOffsets({ ...translate, group: '' }, SCOPE),
        'INVALID_ARGUMENT',
        /^group: is empty/,
      ],
      [
        'unknown region',
        () => OPERATOR_CHECKS.translateOffsets({ ...translate, toRegion: 'mars' }, SCOPE),
        'NOT_FOUND',
        /^to_region: unknown region "mars"/,
      ],
      [
        'same regions',
        () => OPERATOR_CHECKS.translateOffsets({ ...translate, toRegion: 'east' }, SCOPE),
        'INVALID_ARGUMENT',
        /both "east"/,
      ],
      [
        'bad topic',
        () => OPERATOR_CHECKS.translateOffsets({ ...translate, topics: ['ok', 'no/slash'] }, SCOPE),
        'INVALID_ARGUMENT',
        /^topics\[1\]/,
      ],
      [
        'empty group in failover',
        () => OPERATOR_CHECKS.failover(failover({ groups: ['a', ''] }), SCOPE),
        'INVALID_ARGUMENT',
        /^groups\[1\]: is empty/,
      ],
      [
        'too many groups',
        () => OPERATOR_CHECKS.failover(failover({ groups: Array<string>(1001).fill('g') }), SCOPE),
        'INVALID_ARGUMENT',
        /^groups: 1001 groups; at most 1000/,
      ],
      [
        'too many patterns',
        () =>
          OPERATOR_CHECKS.failover(
            failover({ groups: [], groupPatterns: Array<string>(101).fill('.*') }),
            SCOPE,
          ),
        'INVALID_ARGUMENT',
        /^group_patterns: 101 patterns/,
      ],
      [
        'long pattern',
        () => OPERATOR_CHECKS.failover(failover({ excludeGroupPatterns: ['x'.repeat(1001)] }), SCOPE),
        'INVALID_ARGUMENT',
        /^exclude_group_patterns\[0\]: .* longer than 1000/,
      ],
      [
        'long progress id',
        () => OPERATOR_CHECKS.failover(failover({ progressId: 'p'.repeat(65) }), SCOPE),
        'INVALID_ARGUMENT',
        /^progress_id: .* longer than 64/,
      ],
      [
        'failover from mars',
        () => OPERATOR_CHECKS.failover(failover({ fromRegion: 'mars' }), SCOPE),
        'NOT_FOUND',
        /^from_region: unknown region/,
      ],
      [
        'no progress id',
        () => OPERATOR_CHECKS.getFailoverProgress({ progressId: '' }, SCOPE),
        'INVALID_ARGUMENT',
        /^progress_id: is empty/,
      ],
    ];
    assertRefusals(cases, assert.equal, assert.match);
  });

  it('passes the requests the CLI sends', () => {
    OPERATOR_CHECKS.translateOffsets(
      { group: 'billing', fromRegion: 'east', toRegion: 'west', topics: ['orders'] },
      SCOPE,
    );
    OPERATOR_CHECKS.failover(
      failover({ progressId: '1b4e28ba-2fa1-11d2-883f-0016d3cca427', parallelGroups: 16 }),
      SCOPE,
    );
    OPERATOR_CHECKS.failover(
      failover({ groups: [], groupPatterns: ['billing-.*'], excludeGroupPatterns: ['.*-test'] }),
      SCOPE,
    );
    OPERATOR_CHECKS.getFailoverProgress({ progressId: 'p-1' }, SCOPE);
    OPERATOR_CHECKS.getStatus({}, SCOPE);
  });
});
