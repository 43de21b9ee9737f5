/** A link reports how long its source has answered no fetch, and calls itself stalled past the bound. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NODE_DEFAULTS } from '../../../../node/config/index.ts';
import { linkWith } from '../../../support/fake-link.ts';

describe('LinkReplicator source silence', () => {
  it('counts from the last answer, or from the start before any; stalled from linkStallMs', async () => {
    const before = Date.now();
    const { link, source } = await linkWith();
    const now = Date.now();
    assert.ok(link.sourceSilenceMs(now + 5_000) >= 5_000, 'no answer yet: silent since the start');
    assert.ok(link.sourceSilenceMs(now + 5_000) <= 5_000 + (now - before));
    source.answeredAtMs = now;
    assert.equal(link.sourceSilenceMs(now + 250), 250);
    assert.equal(link.isStalled, false);
    source.answeredAtMs = Date.now() - NODE_DEFAULTS.linkStallMs;
    assert.equal(link.isStalled, true, 'silent for the whole bound');
    source.answeredAtMs = Date.now();
    assert.equal(link.isStalled, false, 'an answer ends the stall');
    await link.stop();
    source.answeredAtMs = 0;
    assert.equal(link.sourceSilenceMs(), 0, 'a stopped link is not silent, it is stopped');
    assert.equal(link.isStalled, false);
  });
});
