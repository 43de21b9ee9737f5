/**
 * Routing invariants over random connected directed graphs: every origin's records reach every region
 * reachable from it exactly once, never return to their origin, and routes do not depend on the order
 * in which regions and links are written.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { TopologyConfig } from '../../../topology/index.ts';
import { compile, yamlOf } from './fixtures.ts';

interface Graph {
  names: string[];
  edges: [string, string][];
}

/** Random weakly connected directed graphs on 2..9 regions with random DNS-label names. */
const graphs: fc.Arbitrary<Graph> = fc
  .uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,6}[a-z0-9]$/), { minLength: 2, maxLength: 9 })
  .chain((names) =>
    fc.record({
      names: fc.constant(names),
      // A random spanning tree keeps the graph connected; each of its edges gets a random direction.
      tree: fc.array(fc.tuple(fc.nat(), fc.boolean()), {
        minLength: names.length - 1,
        maxLength: names.length - 1,
      }),
      extra: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: names.length * 2 }),
    }),
  )
  .map(({ names, tree, extra }) => {
    const set = new Map<string, [string, string]>();
    const add = (from: string, to: string) => {
      if (from !== to) set.set(`${from} ${to}`, [from, to]);
    };
    tree.forEach(([parent, isDown], i) => {
      const child = names[i + 1] ?? '';
      const other = names[parent % (i + 1)] ?? '';
      if (isDown) add(other, child);
      else add(child, other);
    });
    for (const [x, y] of extra) add(names[x % names.length] ?? '', names[y % names.length] ?? '');
    return { names, edges: [...set.values()] };
  });

/** Deterministic shuffle from a seed (mulberry32). */
function shuffle<T>(items: readonly T[], seed: number): T[] {
  let s = seed >>> 0;
  const random = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/**
 * The graph as YAML, regions and links in an order given by `seed`. Pairs linked both ways are written
 * as a `between` list when `useBetween` says so, to exercise the shorthand too.
 */
function toYaml(graph: Graph, seed: number, useBetween: boolean): string {
  const sorted = [...graph.names].sort();
  const regions = Object.fromEntries(
    shuffle(graph.names, seed).map((n) => [
      n,
      { kafka: { brokers: [`127.0.0.1:${10000 + sorted.indexOf(n)}`] } },
    ]),
  );
  const keys = new Set(graph.edges.map(([f, t]) => `${f} ${t}`));
  const links: unknown[] = [];
  const done = new Set<string>();
  for (const [from, to] of graph.edges) {
    if (done.has(`${from} ${to}`)) continue;
    const isBoth = keys.has(`${to} ${from}`);
    if (useBetween && isBoth) {
      links.push({ between: shuffle([from, to], seed), topics: { include: ['.*'] } });
      done.add(`${to} ${from}`);
    } else links.push({ from, to, topics: { include: ['.*'] } });
    done.add(`${from} ${to}`);
  }
  return yamlOf({
    mesh: 'prop',
    etcd: { endpoints: ['http://127.0.0.1:2379'] },
    regions,
    links: shuffle(links, seed + 1),
  });
}

/** Regions reachable from `origin` and their BFS distances, computed independently of the code under test. */
function distances(graph: Graph, origin: string): Map<string, number> {
  const dist = new Map([[origin, 0]]);
  let frontier = [origin];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const at of frontier) {
      for (const [from, to] of graph.edges) {
        if (from === at && !dist.has(to)) {
          dist.set(to, (dist.get(at) ?? 0) + 1);
          next.push(to);
        }
      }
    }
    frontier = next;
  }
  return dist;
}

/**
 * How many copies of one record of each origin every region ends up with, when each node applies the
 * forwarding rule: R's node, pulling link X → R, writes a record of origin O that sits in X's cluster
 * iff O ∈ originsForwardedBy(X, R) (and R ≠ O). A loop would make the counts grow without bound.
 */
function deliveries(topology: TopologyConfig, origin: string): Map<string, number> {
  const names = topology.regions.map((r) => r.name);
  let copies = new Map(names.map((n) => [n, n === origin ? 1 : 0]));
  for (let round = 0; round <= names.length + 1; round++) {
    const next = new Map(names.map((n) => [n, n === origin ? 1 : 0]));
    for (const link of topology.links) {
      if (link.to === origin)
        assert.ok(!topology.forwards(link, origin), `${link.id} forwards ${origin} home`);
      if (topology.forwards(link, origin))
        next.set(link.to, (next.get(link.to) ?? 0) + (copies.get(link.from) ?? 0));
    }
    copies = next;
  }
  return copies;
}

describe('routing properties', () => {
  it('every origin reaches every reachable region exactly once over a spanning tree, and never itself', () => {
    fc.assert(
      fc.property(graphs, fc.nat(), (graph, seed) => {
        const topology = compile(toYaml(graph, seed, seed % 2 === 0));
        for (const origin of graph.names) {
          const dist = distances(graph, origin);
          const tree = topology.forwardingTree(origin);
          // The tree spans exactly the reachable set (origin excluded), each region with one parent.
          assert.deepEqual(
            [...tree.routes.keys()].sort(),
            [...dist.keys()].filter((n) => n !== origin).sort(),
          );
          for (const route of tree.routes.values()) {
            assert.equal(route.hops, dist.get(route.region), 'shortest path');
            assert.ok(
              graph.edges.some(([f, t]) => f === route.parent && t === route.region),
              'parent link exists',
            );
            // Following parents walks back to the origin without a cycle.
            const seen = new Set<string>();
            let at = route.region;
            while (at !== origin) {
              assert.ok(!seen.has(at), 'no cycle');
              seen.add(at);
              at = tree.routes.get(at)?.parent ?? assert.fail(`${at} has no parent`);
            }
            assert.equal(seen.size, route.hops);
          }
          const copies = deliveries(topology, origin);
          for (const name of graph.names) {
            const expected = name === origin || dist.has(name) ? 1 : 0;
            assert.equal(copies.get(name), expected, `copies of ${origin}'s record in ${name}`);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('routes, forwarding and the hash do not depend on the order of regions and links', () => {
    fc.assert(
      fc.property(graphs, fc.nat(), fc.nat(), (graph, seed1, seed2) => {
        const a = compile(toYaml(graph, seed1, false));
        const b = compile(toYaml(graph, seed2, true));
        assert.equal(a.hash, b.hash);
        assert.equal(a.toCanonicalJSON(), b.toCanonicalJSON());
        for (const origin of graph.names) {
          assert.deepEqual(
            [...a.forwardingTree(origin).routes.values()],
            [...b.forwardingTree(origin).routes.values()],
          );
        }
        for (const link of a.links)
          assert.deepEqual(
            a.originsForwardedBy(link.from, link.to),
            b.originsForwardedBy(link.from, link.to),
          );
      }),
      { numRuns: 100 },
    );
  });

  it("a full mesh gives stars: every link carries only its source region's records", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/), { minLength: 2, maxLength: 8 }),
        fc.nat(),
        (names, seed) => {
          const edges = names.flatMap((f) =>
            names.filter((t) => t !== f).map((t): [string, string] => [f, t]),
          );
          const topology = compile(toYaml({ names, edges }, seed, true));
          for (const link of topology.links)
            assert.deepEqual(topology.originsForwardedBy(link.from, link.to), [link.from]);
          for (const origin of names) {
            for (const route of topology.forwardingTree(origin).routes.values())
              assert.equal(route.parent, origin);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
