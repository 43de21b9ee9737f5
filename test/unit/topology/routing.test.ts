import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeForwardingTrees } from '../../../topology/index.ts';
import { compile, graphTopology } from './fixtures.ts';

const parents = (trees: ReturnType<typeof computeForwardingTrees>, origin: string) =>
  Object.fromEntries([...(trees.get(origin)?.routes.values() ?? [])].map((r) => [r.region, r.parent]));

describe('computeForwardingTrees', () => {
  it('forwards through the middle of a chain a → b → c', () => {
    const trees = computeForwardingTrees(
      ['a', 'b', 'c'],
      [
        { from: 'a', to: 'b' },
        { from: 'b', to: 'c' },
      ],
    );
    assert.deepEqual(parents(trees, 'a'), { b: 'a', c: 'b' });
    assert.deepEqual(trees.get('a')?.routes.get('c')?.path, ['a', 'b', 'c']);
    assert.equal(trees.get('a')?.routes.get('c')?.hops, 2);
    assert.deepEqual(parents(trees, 'b'), { c: 'b' });
    assert.deepEqual(parents(trees, 'c'), {});
  });

  it('gives stars in a full mesh', () => {
    const names = ['x', 'y', 'z', 'w'];
    const edges = names.flatMap((from) => names.filter((to) => to !== from).map((to) => ({ from, to })));
    const trees = computeForwardingTrees(names, edges);
    for (const origin of names) {
      for (const route of trees.get(origin)?.routes.values() ?? []) assert.equal(route.parent, origin);
      assert.equal(trees.get(origin)?.routes.size, names.length - 1);
    }
  });

  it('breaks ties between equally short paths by the smaller parent name', () => {
    // a reaches d in two hops through b or c: b wins. Input order must not matter.
    const edges = [
      { from: 'a', to: 'c' },
      { from: 'c', to: 'd' },
      { from: 'a', to: 'b' },
      { from: 'b', to: 'd' },
    ];
    assert.deepEqual(parents(computeForwardingTrees(['d', 'c', 'b', 'a'], edges), 'a'), {
      b: 'a',
      c: 'a',
      d: 'b',
    });
    assert.deepEqual(parents(computeForwardingTrees(['a', 'b', 'c', 'd'], [...edges].reverse()), 'a'), {
      b: 'a',
      c: 'a',
      d: 'b',
    });
  });

  it('prefers the shorter path over the smaller name', () => {
    // a → b → c → d and a → z → d: d is two hops away through z, three through b.
    const trees = computeForwardingTrees(
      ['a', 'b', 'c', 'd', 'z'],
      [
        { from: 'a', to: 'b' },
        { from: 'b', to: 'c' },
        { from: 'c', to: 'd' },
        { from: 'a', to: 'z' },
        { from: 'z', to: 'd' },
      ],
    );
    assert.equal(trees.get('a')?.routes.get('d')?.parent, 'z');
  });

  it('leaves unreachable regions out and never routes back into the origin', () => {
    const trees = computeForwardingTrees(
      ['a', 'b', 'c'],
      [
        { from: 'a', to: 'b' },
        { from: 'b', to: 'a' },
        { from: 'c', to: 'a' },
      ],
    );
    assert.deepEqual(parents(trees, 'a'), { b: 'a' });
    assert.deepEqual(parents(trees, 'c'), { a: 'c', b: 'a' });
    for (const tree of trees.values()) assert.equal(tree.routes.has(tree.origin), false);
  });
});

describe('TopologyConfig routing queries', () => {
  const topology = compile(
    graphTopology([
      ['a', 'b'],
      ['b', 'a'],
      ['b', 'c'],
      ['c', 'b'],
      ['c', 'd'],
    ]),
  );

  it('says which origins each link forwards', () => {
    assert.deepEqual(topology.originsForwardedBy('a', 'b'), ['a']);
    assert.deepEqual(topology.originsForwardedBy('b', 'c'), ['a', 'b']);
    assert.deepEqual(topology.originsForwardedBy('c', 'b'), ['c']);
    assert.deepEqual(topology.originsForwardedBy('b', 'a'), ['b', 'c']);
    assert.deepEqual(topology.originsForwardedBy('c', 'd'), ['a', 'b', 'c']);
    assert.deepEqual(topology.originsForwardedBy('d', 'a'), []);
    assert.equal(topology.forwards({ from: 'b', to: 'c' }, 'a'), true);
    assert.equal(topology.forwards({ from: 'b', to: 'c' }, 'c'), false);
  });

  it('returns routes, undefined when unreachable or the origin itself', () => {
    assert.deepEqual(topology.route('a', 'd')?.path, ['a', 'b', 'c', 'd']);
    assert.equal(topology.route('d', 'a'), undefined);
    assert.equal(topology.route('a', 'a'), undefined);
    assert.throws(() => topology.route('a', 'nowhere'), { code: 'GEOMESH_TOPOLOGY_UNKNOWN_REGION' });
  });

  it('explains a route, its tie-breaks and a topic', () => {
    const text = topology.explainRoute('a', 'd', 'orders');
    assert.match(text, /reach d in 3 hops: a → b → c → d/);
    assert.match(
      text,
      /b → c: shortest distance 2 from a; b is the only region at distance 1 with a link into c/,
    );
    assert.match(text, /Topic orders is selected by every link on the path/);
    assert.match(topology.explainRoute('d', 'a'), /never reach a: no chain of links/);
    assert.match(topology.explainRoute('a', 'a'), /never replicates them back into their origin/);
    assert.match(topology.explainRoute('a', 'c', '__consumer_offsets'), /internal: it is never replicated/);
    const tie = compile(
      graphTopology([
        ['a', 'b'],
        ['a', 'c'],
        ['b', 'd'],
        ['c', 'd'],
      ]),
    );
    assert.match(tie.explainRoute('a', 'd'), /with a link into d \(b, c\), b has the smallest name/);
    assert.match(tie.explainRoute('a', 'd'), /read on c->d are dropped: they arrive over b->d/);
  });
});
