/**
 * What changed between two topologies: regions and links added, removed or changed (with the fields
 * that changed), and routes that moved. Compares declared forms, so secrets are compared by their
 * `${ENV}` reference, never by value.
 */
import type { TopologyConfig } from './topology-config.ts';

export interface FieldChanges {
  /** Dotted paths of the fields that differ, e.g. `kafka.brokers`, `options.compression`. */
  readonly fields: readonly string[];
}

export interface TopologyDiff {
  /** Top-level fields that differ: `mesh`, `etcd.endpoints`, `provenance.key`, ... */
  readonly mesh: readonly string[];
  readonly regions: {
    readonly added: readonly string[];
    readonly removed: readonly string[];
    readonly changed: readonly ({ readonly name: string } & FieldChanges)[];
  };
  readonly links: {
    readonly added: readonly string[];
    readonly removed: readonly string[];
    readonly changed: readonly ({ readonly id: string } & FieldChanges)[];
  };
  /** Regions whose parent for an origin changed; `null` = not reached. */
  readonly routes: readonly { origin: string; region: string; before: string | null; after: string | null }[];
  /** True when nothing differs. */
  readonly isEmpty: boolean;
}

/** Differences from `a` (before) to `b` (after). */
export function diffTopologies(a: TopologyConfig, b: TopologyConfig): TopologyDiff {
  const da = a.toJSON();
  const db = b.toJSON();
  const mesh = [
    ...(da.mesh === db.mesh ? [] : ['mesh']),
    ...changedFields(da.etcd, db.etcd).map((f) => `etcd.${f}`),
    // Compared by reference: a changed key value behind the same `${ENV}` name is not a topology change.
    ...(JSON.stringify(da.provenance) === JSON.stringify(db.provenance) ? [] : ['provenance.key']),
  ];
  const regionNames = union(Object.keys(da.regions), Object.keys(db.regions));
  const regions = {
    added: regionNames.filter((n) => !(n in da.regions)),
    removed: regionNames.filter((n) => !(n in db.regions)),
    changed: regionNames
      .filter((n) => n in da.regions && n in db.regions)
      .map((name) => ({ name, fields: changedFields(da.regions[name], db.regions[name]) }))
      .filter((c) => c.fields.length > 0),
  };
  const linksA = new Map(da.links.map((l) => [`${l.from}->${l.to}`, l]));
  const linksB = new Map(db.links.map((l) => [`${l.from}->${l.to}`, l]));
  const ids = union([...linksA.keys()], [...linksB.keys()]);
  const links = {
    added: ids.filter((id) => !linksA.has(id)),
    removed: ids.filter((id) => !linksB.has(id)),
    changed: ids
      .filter((id) => linksA.has(id) && linksB.has(id))
      .map((id) => ({ id, fields: changedFields(linksA.get(id), linksB.get(id)) }))
      .filter((c) => c.fields.length > 0),
  };
  const routes: { origin: string; region: string; before: string | null; after: string | null }[] = [];
  for (const origin of regionNames) {
    for (const region of regionNames) {
      if (origin === region) continue;
      const before =
        a.hasRegion(origin) && a.hasRegion(region) ? (a.route(origin, region)?.parent ?? null) : null;
      const after =
        b.hasRegion(origin) && b.hasRegion(region) ? (b.route(origin, region)?.parent ?? null) : null;
      if (before !== after) routes.push({ origin, region, before, after });
    }
  }
  const isEmpty =
    mesh.length +
      regions.added.length +
      regions.removed.length +
      regions.changed.length +
      links.added.length +
      links.removed.length +
      links.changed.length +
      routes.length ===
    0;
  return { mesh, regions, links, routes, isEmpty };
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
}

/** Leaf paths where two plain values differ; lists compare as a whole. */
function changedFields(a: unknown, b: unknown, prefix = ''): string[] {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObject(a) && isObject(b)) {
    return union(Object.keys(a), Object.keys(b)).flatMap((key) =>
      changedFields(a[key], b[key], prefix === '' ? key : `${prefix}.${key}`),
    );
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [prefix];
}
