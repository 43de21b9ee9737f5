/**
 * One region's node configuration, compiled once: the region's inbound links with every option given (the
 * topology's, whose YAML defaults the topology applied, and the node's per-link settings), its work sharing,
 * and the node's runtime settings (NODE_DEFAULTS with a caller's overrides). The result is frozen; the node
 * reads it and hands each component its slice, so no component carries a default of its own.
 *
 * topology link ──compileNodeConfig──▶ InboundLinkConfig ──▶ the link's replicator (its fields as they are)
 */
import { GeomeshError } from '../../base/index.ts';
import {
  LINK_OPTION_DEFAULTS,
  didYouMean,
  type LinkOptionsConfig,
  type TopologyConfig,
} from '../../topology/index.ts';
import { NODE_DEFAULTS, deepFreeze, type NodeDefaults } from '../defaults/index.ts';

/** The node's runtime settings: NODE_DEFAULTS, with a caller's overrides applied. */
export type NodeSettings = NodeDefaults;

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/**
 * What a caller (a test, a benchmark) changes of NODE_DEFAULTS: any subset, at any depth, e.g.
 * `{ peerHeartbeatMs: 300, status: { meshCacheMs: 100 } }`. Every value is a positive whole number.
 */
export type NodeOverrides = DeepPartial<NodeSettings>;

/** The link options a topology declares (`links[].options`) that the node's link runs with. */
type TopologyLinkOptions = Pick<
  LinkOptionsConfig,
  | 'compression'
  | 'maxBatchBytes'
  | 'maxInflightBytes'
  | 'maxRecordsPerSecond'
  | 'onSourceTruncated'
  | 'onRecordTooLarge'
  | 'syncGroupOffsets'
  | 'transport'
>;

/** An inbound link X → R as R's node runs it: every option given. */
export interface InboundLinkConfig extends Readonly<TopologyLinkOptions> {
  /** Source region. */
  readonly from: string;
  /**
   * Topics the link carries (same names in both regions): a fixed list, or a selector applied to the source's
   * topics, re-listed every `topicRefreshMs` so new matching topics are picked up.
   */
  readonly topics: readonly string[] | ((topic: string) => boolean);
  /** Whether the link carries records of `origin` (the topology's forwarding trees say). */
  forwardsOrigin(origin: string): boolean;
  /** Least ms between two log-start checks of one source partition (NODE_DEFAULTS). */
  readonly truncationCheckIntervalMs: number;
  /** Backoff between write attempts (NODE_DEFAULTS). */
  readonly writeRetryBackoffMs: NodeSettings['writeRetryBackoffMs'];
}

/**
 * A link declared without a topology (tests, benchmarks, the in-process mesh): its ends and selectors, and
 * any topology option; the rest takes the topology's documented defaults.
 */
export type InboundLinkSpec = Pick<InboundLinkConfig, 'from' | 'topics' | 'forwardsOrigin'> &
  Partial<TopologyLinkOptions>;

/** The compiled configuration of one region's node. */
export interface NodeConfig extends NodeSettings {
  readonly mesh: string;
  readonly region: string;
  /** The region's inbound links, in the topology's order. */
  readonly links: readonly InboundLinkConfig[];
  /** Several instances share the region's partitions (docs/work-sharing.md); null: one instance. */
  readonly workSharing: { readonly leaseTtlMs: number } | null;
}

/**
 * Compiles the configuration of `region`'s node from a compiled topology and `overrides` of NODE_DEFAULTS.
 * Throws GEOMESH_CONFIG_INVALID naming the region or the override that is wrong.
 */
export function compileNodeConfig(
  topology: TopologyConfig,
  region: string,
  overrides: NodeOverrides = {},
): NodeConfig {
  if (!topology.hasRegion(region)) {
    const names = topology.regions.map((r) => r.name);
    const hint = didYouMean(region, names);
    throw new GeomeshError(
      'GEOMESH_CONFIG_INVALID',
      `the topology has no region "${region}"${hint ? ` (did you mean "${hint}"?)` : ''}; regions: ${names.join(', ')}`,
      { details: { region } },
    );
  }
  const settings = applyNodeOverrides(overrides);
  const sharing = topology.region(region).node.workSharing;
  return deepFreeze({
    ...settings,
    mesh: topology.mesh,
    region,
    links: topology.inboundLinks(region).map((link) =>
      compileLink(
        {
          from: link.from,
          topics: (topic: string) => topology.selectsTopic(link, topic),
          forwardsOrigin: (origin: string) => topology.forwards(link, origin),
          ...link.options,
        },
        settings,
      ),
    ),
    workSharing: sharing ? { leaseTtlMs: sharing.leaseTtlMs } : null,
  }) as NodeConfig;
}

/** One link with every option given: the spec's, else the topology's defaults; the node's per-link settings. */
export function compileLink(
  spec: InboundLinkSpec,
  settings: NodeSettings = NODE_DEFAULTS,
): InboundLinkConfig {
  return deepFreeze({
    from: spec.from,
    topics: typeof spec.topics === 'function' ? spec.topics : [...spec.topics],
    forwardsOrigin: spec.forwardsOrigin,
    compression: spec.compression ?? LINK_OPTION_DEFAULTS.compression,
    maxBatchBytes: spec.maxBatchBytes ?? LINK_OPTION_DEFAULTS.maxBatchBytes,
    maxInflightBytes: spec.maxInflightBytes ?? LINK_OPTION_DEFAULTS.maxInflightBytes,
    maxRecordsPerSecond: spec.maxRecordsPerSecond ?? LINK_OPTION_DEFAULTS.maxRecordsPerSecond,
    onSourceTruncated: spec.onSourceTruncated ?? LINK_OPTION_DEFAULTS.onSourceTruncated,
    onRecordTooLarge: spec.onRecordTooLarge ?? LINK_OPTION_DEFAULTS.onRecordTooLarge,
    syncGroupOffsets: spec.syncGroupOffsets ?? LINK_OPTION_DEFAULTS.syncGroupOffsets,
    transport: spec.transport ?? LINK_OPTION_DEFAULTS.transport,
    truncationCheckIntervalMs: settings.truncationCheckIntervalMs,
    writeRetryBackoffMs: { ...settings.writeRetryBackoffMs },
  }) as InboundLinkConfig;
}

/**
 * NODE_DEFAULTS with `overrides` applied, frozen. Every override must name a setting of NODE_DEFAULTS and
 * be a positive whole number (a group, an object of them); anything else is GEOMESH_CONFIG_INVALID naming
 * the key and the fix.
 */
export function applyNodeOverrides(overrides: NodeOverrides): NodeSettings {
  const settings = merge(NODE_DEFAULTS, overrides, '') as NodeSettings;
  const backoff = settings.writeRetryBackoffMs;
  if (backoff.initial > backoff.max)
    fail(
      'writeRetryBackoffMs',
      `initial (${backoff.initial}) is above max (${backoff.max}); give an initial backoff at most the max`,
    );
  return deepFreeze(settings);
}

function merge(defaults: object, overrides: unknown, path: string): object {
  if (overrides === null || typeof overrides !== 'object' || Array.isArray(overrides))
    fail(path || '(overrides)', `must be an object of settings, got ${describe(overrides)}`);
  const out: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(overrides)) {
    const at = path ? `${path}.${key}` : key;
    if (value === undefined) continue;
    if (!Object.hasOwn(defaults, key)) {
      const known = Object.keys(defaults);
      const hint = didYouMean(key, known);
      fail(
        at,
        `is not a node setting${hint ? ` (did you mean "${hint}"?)` : ''}; settings here: ${known.join(', ')}`,
      );
    }
    const given = (defaults as Record<string, unknown>)[key];
    if (typeof given === 'object' && given !== null) out[key] = merge(given, value, at);
    else if (typeof given === 'boolean') {
      if (typeof value !== 'boolean') fail(at, `must be true or false, got ${describe(value)}`);
      out[key] = value;
    } else if (given === 'auto' && value === 'auto') out[key] = value;
    else if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0)
      fail(
        at,
        `must be a positive whole number (the unit its name ends in)${given === 'auto' ? ' or "auto"' : ''}, got ${describe(value)}`,
      );
    else out[key] = value;
  }
  return out;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : Array.isArray(value) ? 'a list' : String(value);
}

function fail(key: string, message: string): never {
  throw new GeomeshError('GEOMESH_CONFIG_INVALID', `node setting ${key}: ${message}`, { details: { key } });
}
