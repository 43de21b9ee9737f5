/**
 * Normalization: a valid topology with `between` expanded into directed links, defaults applied, `tls:
 * true` spelt out, regions and links sorted. The same function runs on the resolved options (to build the
 * config) and on the unresolved ones (to build the canonical form, which keeps `${ENV}` references).
 */
import {
  DEFAULT_GROUP_SELECTION,
  DEFAULT_NODE_GRPC,
  DEFAULT_NODE_HTTP,
  DEFAULT_WORK_SHARING_LEASE_TTL_MS,
  LINK_OPTION_DEFAULTS,
  type LinkOptions,
  type LinkTuningOptions,
  type SelectionOptions,
  type TlsOptions,
  type TopologyOptions,
} from './topology-schema.ts';

/** TLS files, `null` meaning "not given" (system CAs, no client certificate). */
export interface NormalizedTls {
  ca: string | null;
  cert: string | null;
  key: string | null;
}

export interface NormalizedSelection {
  include: string[];
  exclude: string[];
}

export interface NormalizedLinkOptions {
  maxBatchBytes: number;
  compression: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
  exactlyOnce: boolean;
  /** `null` = unlimited. */
  maxRecordsPerSecond: number | null;
  maxInflightBytes: number;
  /** Source records deleted before they were copied, or a re-created source topic. */
  onSourceTruncated: 'continue' | 'halt';
  /** A record larger than the target accepts. */
  onRecordTooLarge: 'halt' | 'skip';
  /** Commit translated offsets of the link's groups into the target (standby) region. */
  syncGroupOffsets: boolean;
  /** How the target's node gets the records: pull the source cluster, or the source node's stream. */
  transport: 'pull' | 'stream';
}

export interface NormalizedLink {
  from: string;
  to: string;
  topics: NormalizedSelection;
  groups: NormalizedSelection;
  options: NormalizedLinkOptions;
}

export interface NormalizedRegion {
  kafka: {
    brokers: string[];
    /** Present only when declared: what other regions' nodes bootstrap at. */
    remoteBrokers?: string[];
    tls: NormalizedTls | null;
    sasl: {
      mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
      username: string;
      password: string;
    } | null;
  };
  node: {
    grpc: string;
    http: string;
    /** Present only when declared: the address others call the node at. */
    advertise?: string;
    tls: { ca: string; cert: string; key: string } | null;
    operators: { token: string | null; clients: string[] } | null;
    /** Present only when the region shares its work among instances. */
    workSharing?: { leaseTtlMs: number };
  };
}

export interface NormalizedTopology {
  mesh: string;
  etcd: {
    endpoints: string[];
    tls: NormalizedTls | null;
    auth: { username: string; password: string } | null;
  };
  regions: Record<string, NormalizedRegion>;
  links: NormalizedLink[];
  /** `null` = no provenance key declared. */
  /** `accept` only when the file lists accepted keys (so the canonical form of older files is unchanged). */
  provenance: { key: string; accept?: string[]; onUnknownKey?: 'halt' | 'skip' } | null;
}

/** One directed link as declared: where it came from in the file, for diagnostics. */
export interface DeclaredLink {
  from: string;
  to: string;
  /** Index in `links`. */
  index: number;
  /** Whether it came from `{from, to}` or from a `between` list. */
  via: 'from-to' | 'between';
  /** Path of the `to` region (from-to) or of the target's entry in `between`. */
  toPath: (string | number)[];
  /** Path of the `from` region (from-to) or of the source's entry in `between`. */
  fromPath: (string | number)[];
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The directed links declared by `links`, in declaration order: `{from, to}` gives one, `{between:
 * [a, b, c]}` gives every ordered pair of distinct names. Entries that are not strings are skipped.
 */
export function declaredLinks(links: readonly unknown[]): DeclaredLink[] {
  const out: DeclaredLink[] = [];
  links.forEach((raw, index) => {
    if (raw === null || typeof raw !== 'object') return;
    const link = raw as { from?: unknown; to?: unknown; between?: unknown };
    if (link.between !== undefined) {
      if (!Array.isArray(link.between)) return;
      const names = link.between as unknown[];
      names.forEach((from, i) => {
        names.forEach((to, j) => {
          if (typeof from !== 'string' || typeof to !== 'string' || from === to) return;
          out.push({
            from,
            to,
            index,
            via: 'between',
            fromPath: ['links', index, 'between', i],
            toPath: ['links', index, 'between', j],
          });
        });
      });
    } else if (typeof link.from === 'string' && typeof link.to === 'string') {
      out.push({
        from: link.from,
        to: link.to,
        index,
        via: 'from-to',
        fromPath: ['links', index, 'from'],
        toPath: ['links', index, 'to'],
      });
    }
  });
  return out;
}

/** Effective options of a link: its own, else `defaults.options`, else the built-in defaults. */
export function effectiveOptions(
  own: LinkTuningOptions | undefined,
  defaults: LinkTuningOptions | undefined,
): NormalizedLinkOptions {
  return {
    maxBatchBytes: own?.maxBatchBytes ?? defaults?.maxBatchBytes ?? LINK_OPTION_DEFAULTS.maxBatchBytes,
    compression: own?.compression ?? defaults?.compression ?? LINK_OPTION_DEFAULTS.compression,
    exactlyOnce: own?.exactlyOnce ?? defaults?.exactlyOnce ?? LINK_OPTION_DEFAULTS.exactlyOnce,
    maxRecordsPerSecond:
      own?.maxRecordsPerSecond ?? defaults?.maxRecordsPerSecond ?? LINK_OPTION_DEFAULTS.maxRecordsPerSecond,
    maxInflightBytes:
      own?.maxInflightBytes ?? defaults?.maxInflightBytes ?? LINK_OPTION_DEFAULTS.maxInflightBytes,
    onSourceTruncated:
      own?.onSourceTruncated ?? defaults?.onSourceTruncated ?? LINK_OPTION_DEFAULTS.onSourceTruncated,
    onRecordTooLarge:
      own?.onRecordTooLarge ?? defaults?.onRecordTooLarge ?? LINK_OPTION_DEFAULTS.onRecordTooLarge,
    syncGroupOffsets:
      own?.syncGroupOffsets ?? defaults?.syncGroupOffsets ?? LINK_OPTION_DEFAULTS.syncGroupOffsets,
    transport: own?.transport ?? defaults?.transport ?? LINK_OPTION_DEFAULTS.transport,
  };
}

function selection(
  s: SelectionOptions | undefined,
  fallback: SelectionOptions | undefined,
): NormalizedSelection {
  const chosen = s ?? fallback ?? DEFAULT_GROUP_SELECTION;
  // Pattern order carries no meaning: sorted, so reordering them changes neither the canonical form nor the hash.
  return {
    include: [...new Set(chosen.include)].sort(byName),
    exclude: [...new Set(chosen.exclude ?? [])].sort(byName),
  };
}

function tls(t: TlsOptions | undefined): NormalizedTls | null {
  if (t === undefined) return null;
  if (t === true) return { ca: null, cert: null, key: null };
  return { ca: t.ca ?? null, cert: t.cert ?? null, key: t.key ?? null };
}

/** The normalized form of valid options. */
export function normalizeTopology(options: TopologyOptions): NormalizedTopology {
  const regions: Record<string, NormalizedRegion> = {};
  for (const name of Object.keys(options.regions).sort(byName)) {
    const region = options.regions[name];
    if (!region) continue;
    const sasl = region.kafka.sasl;
    regions[name] = {
      kafka: {
        brokers: [...region.kafka.brokers],
        ...(region.kafka.remoteBrokers && { remoteBrokers: [...region.kafka.remoteBrokers] }),
        tls: tls(region.kafka.tls),
        sasl: sasl ? { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } : null,
      },
      node: {
        grpc: region.node?.grpc ?? DEFAULT_NODE_GRPC,
        http: region.node?.http ?? DEFAULT_NODE_HTTP,
        ...(region.node?.advertise !== undefined && { advertise: region.node.advertise }),
        tls: region.node?.tls ? { ...region.node.tls } : null,
        operators: region.node?.operators
          ? {
              token: region.node.operators.token ?? null,
              clients: [...(region.node.operators.clients ?? [])],
            }
          : null,
        ...(region.node?.workSharing
          ? {
              workSharing: {
                leaseTtlMs:
                  (region.node.workSharing === true ? undefined : region.node.workSharing.leaseTtlMs) ??
                  DEFAULT_WORK_SHARING_LEASE_TTL_MS,
              },
            }
          : {}),
      },
    };
  }
  const defaults = options.defaults;
  const links: NormalizedLink[] = declaredLinks(options.links).map((d) => {
    const link = options.links[d.index] as LinkOptions;
    return {
      from: d.from,
      to: d.to,
      topics: selection(link.topics, defaults?.topics),
      groups: selection(link.groups, defaults?.groups),
      options: effectiveOptions(link.options, defaults?.options),
    };
  });
  links.sort((a, b) => byName(a.from, b.from) || byName(a.to, b.to));
  const auth = options.etcd.auth;
  return {
    mesh: options.mesh,
    etcd: {
      endpoints: [...options.etcd.endpoints],
      tls: tls(options.etcd.tls),
      auth: auth ? { username: auth.username, password: auth.password } : null,
    },
    regions,
    links,
    provenance: options.provenance
      ? {
          key: options.provenance.key,
          ...(options.provenance.accept?.length && { accept: [...options.provenance.accept] }),
          ...(options.provenance.onUnknownKey && { onUnknownKey: options.provenance.onUnknownKey }),
        }
      : null,
  };
}
