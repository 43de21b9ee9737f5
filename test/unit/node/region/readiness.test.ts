import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readinessProblems } from '../../../../node/region/coverage-report.ts';
import { linkWith } from '../../../support/fake-link.ts';

describe('readinessProblems (/readyz)', () => {
  it('a running node with running links and agreeing keys is ready', async () => {
    const { link } = await linkWith();
    assert.deepEqual(readinessProblems('running', [link], new Map()), []);
    await link.stop();
  });

  it('names the node state, links not running and key disagreements', async () => {
    const { link } = await linkWith();
    await link.stop();
    assert.deepEqual(readinessProblems('starting', [link], new Map([['east', 'key ids 1 vs 2']])), [
      'node starting',
      `link a → b ${link.state}`,
      'provenance keys disagree with east (links with it paused): key ids 1 vs 2',
    ]);
  });
});
