/**
 * The rules of a topology's links: their shape, the regions they name, duplicates, topic and group selections,
 * option pairs, isolated regions and forwarding paths (called from check-topology-rules.ts).
 */
import type { DiagnosticCollector } from './diagnostic-collector.ts';
import { didYouMean } from './did-you-mean.ts';
import { declaredLinks, effectiveOptions, type DeclaredLink } from './normalize-topology.ts';
import { computeForwardingTrees } from './routing.ts';
import {
  Selection,
  compilePattern,
  emptySelectionReason,
  isInternalGroup,
  isInternalTopic,
} from './selection.ts';
import type { DocPath } from './source-map.ts';
import { LINK_OPTION_DEFAULTS, LINK_OPTION_RANGES } from './topology-schema.ts';
import { asArray, asObject, asString, type Obj } from './rule-readers.ts';

interface CheckedLink extends DeclaredLink {
  /** Effective selections and options, for the duplicate check and the forwarding check. */
  topics: Selection | undefined;
  topicsPath: DocPath | undefined;
  signature: string;
}

/** Checks links; returns the declared directed links (undefined when a region name was unknown). */
export function checkLinks(
  root: Obj,
  regionNames: readonly string[],
  diagnostics: DiagnosticCollector,
): CheckedLink[] | undefined {
  const links = asArray(root['links']);
  if (!links) return undefined;
  const regions = new Set(regionNames);
  // When regions is not a mapping the schema says so; every name in links would look unknown.
  const canCheckNames = asObject(root['regions']) !== undefined;
  const defaults = asObject(root['defaults']);
  let hasUnknownRegion = false;

  const defaultTopics = checkSelection(defaults?.['topics'], ['defaults', 'topics'], 'topics', diagnostics);
  const defaultGroups = checkSelection(defaults?.['groups'], ['defaults', 'groups'], 'groups', diagnostics);
  checkOptionPair(asObject(defaults?.['options']), ['defaults', 'options'], diagnostics);

  const perLink = links.map((raw, index) => {
    const link = asObject(raw) ?? {};
    const path = ['links', index];
    checkLinkShape(link, path, diagnostics);
    for (const key of ['from', 'to'] as const) {
      const name = asString(link[key]);
      if (name !== undefined && canCheckNames && !regions.has(name)) {
        hasUnknownRegion = true;
        reportUnknownRegion(name, [...path, key], regions, diagnostics);
      }
    }
    if (typeof link['from'] === 'string' && link['from'] === link['to']) {
      diagnostics.error(
        'TOPOLOGY_SELF_LINK',
        { path: [...path, 'to'] },
        `link from "${link['from']}" to itself: a region never replicates into its own cluster`,
        'point "to" at another region, or remove the link',
      );
    }
    const between = asArray(link['between']);
    const seen = new Set<string>();
    between?.forEach((entry, i) => {
      const name = asString(entry);
      if (name === undefined) return;
      if (seen.has(name)) {
        diagnostics.error(
          'TOPOLOGY_LINK_SHAPE',
          { path: [...path, 'between', i] },
          `region "${name}" is named twice in between`,
          'name each region once',
        );
      }
      seen.add(name);
      if (canCheckNames && !regions.has(name)) {
        hasUnknownRegion = true;
        reportUnknownRegion(name, [...path, 'between', i], regions, diagnostics);
      }
    });
    const topicsPath =
      link['topics'] !== undefined
        ? [...path, 'topics']
        : defaults?.['topics'] !== undefined
          ? ['defaults', 'topics']
          : undefined;
    const topics =
      link['topics'] !== undefined
        ? checkSelection(link['topics'], [...path, 'topics'], 'topics', diagnostics)
        : defaultTopics;
    if (link['topics'] === undefined && defaults?.['topics'] === undefined) {
      diagnostics.error(
        'TOPOLOGY_MISSING_FIELD',
        { path },
        'the link selects no topics',
        'add topics: { include: ["..."] } to the link, or defaults.topics for every link',
      );
    }
    const groups =
      link['groups'] !== undefined
        ? checkSelection(link['groups'], [...path, 'groups'], 'groups', diagnostics)
        : defaultGroups;
    const options = asObject(link['options']);
    checkOptionPair(options, [...path, 'options'], diagnostics, asObject(defaults?.['options']));
    const signature = JSON.stringify([
      topics?.toJSON() ?? null,
      groups?.toJSON() ?? null,
      effectiveOptions(options, asObject(defaults?.['options'])),
    ]);
    return { topics, topicsPath, signature };
  });

  const declared = declaredLinks(links).map((d): CheckedLink => {
    const extra = perLink[d.index];
    return { ...d, topics: extra?.topics, topicsPath: extra?.topicsPath, signature: extra?.signature ?? '' };
  });
  const first = new Map<string, CheckedLink>();
  for (const link of declared) {
    const key = `${link.from}\u0000${link.to}`;
    const earlier = first.get(key);
    if (!earlier) {
      first.set(key, link);
      continue;
    }
    if (earlier.index === link.index) continue; // a name repeated in one between list, reported above
    const where = earlier.via === 'between' ? `links[${earlier.index}] (between)` : `links[${earlier.index}]`;
    const target = {
      path: ['links', link.index, link.via === 'between' ? 'between' : 'from'],
      part: 'key' as const,
    };
    if (earlier.signature === link.signature) {
      diagnostics.error(
        'TOPOLOGY_DUPLICATE_LINK',
        target,
        `link ${link.from} → ${link.to} is already declared by ${where}`,
        'remove the repeated declaration',
      );
    } else {
      diagnostics.error(
        'TOPOLOGY_CONFLICTING_LINK',
        target,
        `link ${link.from} → ${link.to} is already declared by ${where} with different topics, groups or options`,
        `declare ${link.from} → ${link.to} once: take it out of one declaration and merge the selections into the other`,
      );
    }
  }
  return hasUnknownRegion || !canCheckNames ? undefined : declared;
}

function checkLinkShape(link: Obj, path: DocPath, diagnostics: DiagnosticCollector): void {
  const hasFrom = link['from'] !== undefined;
  const hasTo = link['to'] !== undefined;
  const between = link['between'];
  if (between !== undefined) {
    if (hasFrom || hasTo) {
      diagnostics.error(
        'TOPOLOGY_LINK_SHAPE',
        { path: [...path, hasFrom ? 'from' : 'to'], part: 'key' },
        'a link has both between and from/to',
        'use either from + to (one direction) or between (every direction), in separate links',
      );
    }
    const list = asArray(between);
    if (list && new Set(list).size < 2) {
      diagnostics.error(
        'TOPOLOGY_LINK_SHAPE',
        { path: [...path, 'between'] },
        `between names ${list.length === 0 ? 'no regions' : 'only one region'}`,
        'name at least two regions',
      );
    }
    return;
  }
  if (hasFrom && hasTo) return;
  if (!hasFrom && !hasTo) {
    diagnostics.error(
      'TOPOLOGY_LINK_SHAPE',
      { path },
      'a link needs from and to, or between',
      'add from: and to: (one direction) or between: [...] (every direction)',
    );
    return;
  }
  const missing = hasFrom ? 'to' : 'from';
  diagnostics.error(
    'TOPOLOGY_MISSING_FIELD',
    { path: [...path, hasFrom ? 'from' : 'to'], part: 'key' },
    `the link has ${hasFrom ? 'from' : 'to'} but no ${missing}`,
    `add ${missing}: with a region name`,
  );
}

function reportUnknownRegion(
  name: string,
  path: DocPath,
  regions: ReadonlySet<string>,
  diagnostics: DiagnosticCollector,
): void {
  const guess = didYouMean(name, regions);
  diagnostics.error(
    'TOPOLOGY_UNKNOWN_REGION',
    { path },
    `unknown region "${name}"`,
    guess
      ? `did you mean "${guess}"?`
      : `declare it under regions, or use one of: ${[...regions].sort().join(', ')}`,
  );
}

/** Checks one selection's patterns; returns it compiled when it is usable. */
function checkSelection(
  raw: unknown,
  path: DocPath,
  what: 'topics' | 'groups',
  diagnostics: DiagnosticCollector,
): Selection | undefined {
  const selection = asObject(raw);
  if (!selection) return undefined;
  let isUsable = true;
  const lists: Record<'include' | 'exclude', string[]> = { include: [], exclude: [] };
  for (const key of ['include', 'exclude'] as const) {
    asArray(selection[key])?.forEach((p, i) => {
      const pattern = asString(p);
      if (pattern === undefined) {
        isUsable = false;
        return;
      }
      lists[key].push(pattern);
      try {
        compilePattern(pattern);
      } catch (err) {
        isUsable = false;
        const reason =
          err instanceof Error
            ? err.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /, '')
            : String(err);
        diagnostics.error(
          'TOPOLOGY_INVALID_REGEX',
          { path: [...path, key, i] },
          `pattern "${pattern}" is not a valid regular expression: ${reason}`,
          'fix the pattern: JavaScript regex syntax, matched against the whole name',
        );
      }
    });
  }
  const include = asArray(selection['include']);
  if (include === undefined) return undefined; // the schema reports the missing include
  const reason = emptySelectionReason(lists.include, lists.exclude, ['__', 'geomesh.']);
  if (reason !== undefined && isUsable) {
    diagnostics.error(
      'TOPOLOGY_EMPTY_SELECTION',
      { path: [...path, 'include'] },
      `this ${what} selection can select nothing: ${reason}`,
      `include the ${what} to replicate, e.g. include: [".*"] with excludes for the rest`,
    );
  }
  const isInternal = what === 'topics' ? isInternalTopic : isInternalGroup;
  return isUsable ? new Selection(lists.include, lists.exclude, isInternal) : undefined;
}

function checkOptionPair(
  options: Obj | undefined,
  path: DocPath,
  diagnostics: DiagnosticCollector,
  defaults?: Obj,
): void {
  if (!options || (options['maxBatchBytes'] === undefined && options['maxInflightBytes'] === undefined))
    return;
  const pick = (key: 'maxBatchBytes' | 'maxInflightBytes'): number | undefined => {
    const value = options[key] ?? defaults?.[key] ?? LINK_OPTION_DEFAULTS[key];
    const { min, max } = LINK_OPTION_RANGES[key];
    // Values of the wrong type or out of their own range are reported by the schema.
    return typeof value === 'number' && value >= min && value <= max ? value : undefined;
  };
  const batch = pick('maxBatchBytes');
  const inflight = pick('maxInflightBytes');
  if (batch === undefined || inflight === undefined || inflight >= batch) return;
  const at = options['maxInflightBytes'] !== undefined ? 'maxInflightBytes' : 'maxBatchBytes';
  diagnostics.error(
    'TOPOLOGY_OUT_OF_RANGE',
    { path: [...path, at] },
    `maxInflightBytes (${inflight}) is smaller than maxBatchBytes (${batch}): a batch would never fit in flight`,
    'make maxInflightBytes at least maxBatchBytes',
  );
}

export function checkIsolated(
  regions: readonly string[],
  links: readonly CheckedLink[],
  diagnostics: DiagnosticCollector,
): void {
  const touched = new Set(links.flatMap((l) => [l.from, l.to]));
  for (const name of regions) {
    if (touched.has(name)) continue;
    diagnostics.error(
      'TOPOLOGY_ISOLATED_REGION',
      { path: ['regions', name], part: 'key' },
      `region "${name}" has no link to or from it, so nothing would be replicated to or from it`,
      'add a link that reaches or leaves it, or remove the region',
    );
  }
}

/**
 * Records of origin O reach region R only if every link on O's path to R selects their topic. When two
 * consecutive links of a forwarding path select differently, some of O's topics stop halfway: say so.
 */
export function checkForwarding(
  regions: readonly string[],
  links: readonly CheckedLink[],
  diagnostics: DiagnosticCollector,
): void {
  const byPair = new Map(links.map((l) => [`${l.from}\u0000${l.to}`, l]));
  const trees = computeForwardingTrees(regions, links);
  const reported = new Set<string>();
  for (const tree of trees.values()) {
    for (const route of tree.routes.values()) {
      if (route.hops < 2) continue;
      const [grand, parent] = route.path.slice(-3);
      if (grand === undefined || parent === undefined) continue;
      const upstream = byPair.get(`${grand}\u0000${parent}`);
      const downstream = byPair.get(`${parent}\u0000${route.region}`);
      if (!upstream?.topics || !downstream?.topics || upstream.topics.sameAs(downstream.topics)) continue;
      const key = `${grand}\u0000${parent}\u0000${route.region}`;
      if (reported.has(key)) continue;
      reported.add(key);
      diagnostics.warning(
        'TOPOLOGY_FORWARDING_MISMATCH',
        { path: downstream.topicsPath ?? downstream.toPath },
        `${parent} → ${route.region} forwards records of origin "${tree.origin}" that arrive over ${grand} → ${parent}, but the two links select different topics (${upstream.topics.describe()} vs ${downstream.topics.describe()}); "${tree.origin}" records reach ${route.region} only for topics both select`,
        `give both links the same topics if ${route.region} needs every "${tree.origin}" topic, or add a direct link ${tree.origin} → ${route.region}`,
      );
    }
  }
}
