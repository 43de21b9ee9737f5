import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyLinkStats } from '../../../../node/replication/index.ts';
import { mergeLinkStats, snapshotLinkStats } from '../../../../node/workers/index.ts';

/** A worker's part of a link that reads nothing (its coverage view). */
const IDLE_VIEW = {
  subscribed: [],
  reading: { isJoined: false, assigned: new Map(), paused: new Map() },
  heldBack: [],
};

describe('link stats across workers', () => {
  it('sums counters and joins the partition maps of every worker into the same object', () => {
    const one = emptyLinkStats();
    one.recordsWritten = 10;
    one.dropped.duplicate = 2;
    one.lagRecords.set('t/0', 5);
    one.lastLatencyMs = 30;
    const two = emptyLinkStats();
    two.recordsWritten = 7;
    two.dropped.duplicate = 1;
    two.lagRecords.set('t/1', 4);
    two.halted.set('t/1', 'too large');
    two.lastLatencyMs = 12;
    two.keyMismatch = 'keys differ';
    const into = emptyLinkStats();
    into.recordsWritten = 99;
    const merged = mergeLinkStats(
      structuredClone([
        snapshotLinkStats('a', 'running', one, 0, IDLE_VIEW),
        snapshotLinkStats('a', 'running', two, 0, IDLE_VIEW),
      ]),
      into,
    );
    assert.equal(merged, into);
    assert.equal(merged.recordsWritten, 17);
    assert.equal(merged.dropped.duplicate, 3);
    assert.deepEqual(
      [...merged.lagRecords],
      [
        ['t/0', 5],
        ['t/1', 4],
      ],
    );
    assert.deepEqual([...merged.halted], [['t/1', 'too large']]);
    assert.equal(merged.lastLatencyMs, 30);
    assert.equal(merged.keyMismatch, 'keys differ');
  });

  it('gives empty counters for no snapshot', () => {
    assert.deepEqual(mergeLinkStats([]), emptyLinkStats());
  });
});
