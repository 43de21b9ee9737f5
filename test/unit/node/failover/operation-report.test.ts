/**
 * Failover operations as `geomesh status` shows them: a running operation says which node instance runs it
 * now (its claim of the same kind and regions) or that none does (interrupted), with the command that
 * completes it; done ones show their counts, whatever claim exists.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderOperations, summarizeOperation } from '../../../../node/failover/index.ts';
import {
  operationClaimKey,
  type ClaimHolder,
  type FailoverOperationRecord,
  type ListedOperation,
} from '../../../../node/region-state/index.ts';

function listed(over: Partial<FailoverOperationRecord> = {}): ListedOperation {
  return {
    operation: {
      id: '20260101T093000Z-1a2b3c4d',
      kind: 'failover',
      from: 'east',
      to: 'west',
      ask: { groups: [], groupPatterns: ['billing-.*'], excludeGroupPatterns: [] },
      groups: ['billing-1', 'billing-2'],
      state: 'running',
      startedAt: '2026-01-01T09:30:00.000Z',
      ...over,
    },
    groups: new Map(),
    modRevision: 7,
  };
}

const claimed = (kind: 'failover' | 'failback', from: string, to: string): Map<string, ClaimHolder> =>
  new Map([
    [operationClaimKey({ kind, from, to }), { holder: 'west/node-1', since: '2026-01-01T09:30:01.000Z' }],
  ]);

describe('failover operations in status', () => {
  it('a running operation with its claim held: running now on that instance', () => {
    const summary = summarizeOperation(listed(), claimed('failover', 'east', 'west'));
    assert.equal(summary.runningOn, 'west/node-1');
    assert.match(
      renderOperations([summary], null),
      /RUNNING {2}0\/2 groups committed.*\n {4}running now on west\/node-1; if it is interrupted, complete it with: geomesh failover --from east --to west --group 'billing-\.\*'/,
    );
  });

  it('a running operation whose claim is gone (or is of other regions or kind): interrupted', () => {
    for (const claims of [
      new Map(),
      claimed('failback', 'east', 'west'),
      claimed('failover', 'west', 'east'),
    ]) {
      const summary = summarizeOperation(listed(), claims);
      assert.equal(summary.runningOn, null);
      assert.match(
        renderOperations([summary], null),
        /\n {4}interrupted \(no call runs it now\): complete it with: geomesh failover --from east --to west/,
      );
    }
  });

  it('a done operation: counts, no claim named', () => {
    const summary = summarizeOperation(
      listed({ state: 'done', committed: 2, refused: 0, endedAt: '2026-01-01T09:30:09.000Z' }),
      claimed('failover', 'east', 'west'),
    );
    assert.equal(summary.runningOn, null);
    assert.match(
      renderOperations([summary], null),
      /done {2}2\/2 committed, ended 2026-01-01T09:30:09\.000Z\n$/,
    );
  });
});
