/**
 * Routing: for each origin region O, the forwarding tree that carries O's records to every region
 * reachable from O over the directed links, each region exactly once.
 *
 * The tree is a breadth-first search from O: every region R at distance d ≥ 1 gets as parent the
 * lexicographically smallest region at distance d − 1 that has a link to R. The link parent(R) → R is the
 * only link that forwards O's records into R. So every reachable region has exactly one parent, the
 * parents never form a cycle (each parent is one step closer to O), and O is nobody's child: records
 * never return to their origin. The result depends only on the set of links, never on the order in which
 * they were written. In a full mesh every tree is a star: X → R carries only X's own records.
 */

/** One directed link, as routing sees it. */
export interface Edge {
  readonly from: string;
  readonly to: string;
}

/** The route of one origin's records into one region. */
export interface Route {
  readonly origin: string;
  readonly region: string;
  /** The region whose link into `region` carries the origin's records. */
  readonly parent: string;
  /** Regions from the origin to `region`, both included. */
  readonly path: readonly string[];
  /** Number of links on the path (≥ 1). */
  readonly hops: number;
}

/** The forwarding tree of one origin: the route into every region it reaches. */
export interface ForwardingTree {
  readonly origin: string;
  /** Routes by target region, for every region reachable from the origin (the origin itself excluded). */
  readonly routes: ReadonlyMap<string, Route>;
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The forwarding tree of every region, keyed by origin. */
export function computeForwardingTrees(
  regions: Iterable<string>,
  edges: Iterable<Edge>,
): Map<string, ForwardingTree> {
  const names = [...new Set(regions)].sort(byName);
  const out = new Map<string, string[]>(names.map((n) => [n, []]));
  for (const edge of edges) {
    const targets = out.get(edge.from);
    if (targets && edge.from !== edge.to && !targets.includes(edge.to)) targets.push(edge.to);
  }
  for (const targets of out.values()) targets.sort(byName);
  const trees = new Map<string, ForwardingTree>();
  for (const origin of names) trees.set(origin, forwardingTree(origin, out));
  return trees;
}

function forwardingTree(origin: string, out: ReadonlyMap<string, readonly string[]>): ForwardingTree {
  const parents = new Map<string, string>();
  const visited = new Set([origin]);
  let frontier = [origin];
  // Level by level, the frontier in name order: the first parent to reach a region is the smallest name
  // among the regions at the previous distance that link to it.
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const region of frontier) {
      for (const target of out.get(region) ?? []) {
        if (visited.has(target)) continue;
        visited.add(target);
        parents.set(target, region);
        next.push(target);
      }
    }
    frontier = next.sort(byName);
  }
  const routes = new Map<string, Route>();
  for (const region of [...parents.keys()].sort(byName)) {
    const path = [region];
    for (let at = parents.get(region); at !== undefined; at = parents.get(at)) path.unshift(at);
    routes.set(
      region,
      Object.freeze({
        origin,
        region,
        parent: parents.get(region) ?? origin,
        path: Object.freeze(path),
        hops: path.length - 1,
      }),
    );
  }
  return Object.freeze({ origin, routes });
}
