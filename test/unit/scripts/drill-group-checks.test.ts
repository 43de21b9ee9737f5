/** The failover drill's accounting of a moved group: lost and re-read records against real-shaped logs. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  copiesIn,
  exactlyOnce,
  idsBefore,
  idsBetween,
  resumeOutcome,
} from '../../../scripts/drill/group-checks.ts';
import type { LoggedRecord, TopicLog } from '../../../test/support/translation-audit.ts';

/** A log whose partition p holds `ids[p]` at offsets 0, 1, … */
function log(...partitions: string[][]): TopicLog {
  return new Map(partitions.map((ids, p) => [p, ids.map((id, offset) => ({ offset, id }) as LoggedRecord)]));
}

describe('drill group checks', () => {
  // Source a: the group consumed a:0 b:0 (p0) and c:0 (p1). Target b holds the same records in another order.
  const source = log(['a:0', 'b:0', 'a:1'], ['c:0', 'c:1']);
  const target = log(['b:0', 'a:0', 'a:1', 'b:1'], ['c:0', 'c:1']);
  const consumed = idsBefore(source, [2, 1]);
  const everything = ['a:0', 'a:1', 'b:0', 'b:1', 'c:0', 'c:1'];

  it('resuming where every earlier record was consumed: nothing lost, nothing read again', () => {
    assert.deepEqual(resumeOutcome(consumed, target, [2, 1], everything), {
      lost: 0,
      duplicates: 0,
      read: 3,
      firstLost: [],
    });
  });

  it('resuming too early reads consumed records again', () => {
    const outcome = resumeOutcome(consumed, target, [0, 0], everything);
    assert.deepEqual([outcome.lost, outcome.duplicates], [0, 3]);
  });

  it('resuming one record too late loses it, and says which', () => {
    const outcome = resumeOutcome(consumed, target, [3, 1], everything);
    assert.deepEqual([outcome.lost, outcome.firstLost], [1, ['a:1']]);
  });

  it('a record that exists but is in neither log is lost', () => {
    assert.equal(resumeOutcome(consumed, target, [2, 1], [...everything, 'a:2']).lost, 1);
  });

  it('records read between two positions', () => {
    assert.deepEqual([...idsBetween(target, [1, 0], [3, 1])].sort(), ['a:0', 'a:1', 'c:0']);
  });

  it('exactly once: missing records and extra copies are counted', () => {
    const copies = copiesIn(log(['a:0', 'a:0', 'a:1']));
    assert.deepEqual(exactlyOnce(['a:0', 'a:1', 'a:2'], copies), { records: 3, missing: 1, extra: 1 });
  });
});
