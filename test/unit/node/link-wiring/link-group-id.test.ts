/**
 * The consumer group a link reads its source with. Operators see these names (lag tools, ACLs), and a renamed
 * group starts from its reset policy, so the layout is pinned here.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { linkGroupId } from '../../../../node/link-wiring/index.ts';

describe('linkGroupId', () => {
  it('names mesh, region and source; a member (instance or worker) after them', () => {
    assert.equal(linkGroupId('orders', 'eu-west', 'us-east'), 'geomesh.orders.eu-west.from.us-east');
    assert.equal(
      linkGroupId('orders', 'eu-west', 'us-east', 'i-7'),
      'geomesh.orders.eu-west.from.us-east.i-7',
    );
    assert.equal(
      linkGroupId('orders', 'eu-west', 'us-east', 'worker-1'),
      'geomesh.orders.eu-west.from.us-east.worker-1',
    );
  });
});
