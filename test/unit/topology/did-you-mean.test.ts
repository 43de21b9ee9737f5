import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { didYouMean, editDistance } from '../../../topology/index.ts';

describe('didYouMean', () => {
  it('counts a transposition as one edit', () => {
    assert.equal(editDistance('eu-wset', 'eu-west'), 1);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('kitten', 'sitting'), 3);
  });

  it('suggests close names and nothing for distant ones', () => {
    const regions = ['eu-west', 'us-east', 'ap-south'];
    assert.equal(didYouMean('eu-wset', regions), 'eu-west');
    assert.equal(didYouMean('US-EAST', regions), 'us-east');
    assert.equal(didYouMean('antarctica', regions), undefined);
    assert.equal(didYouMean('tsl', ['tls', 'sasl', 'brokers']), 'tls');
    assert.equal(didYouMean('xyz', ['tls']), undefined, 'short words allow one edit only');
  });
});
