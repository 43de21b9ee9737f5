/**
 * The compiled topology: validated, defaulted, frozen, with the queries a node and the CLI need
 * (links of a region, which origins a link forwards, topic and group selection, routes and their
 * explanation) and a canonical, secret-free JSON form with its content hash.
 */
import { GeomeshError } from '../base/index.ts';
import { canonicalJson, contentHash } from './canonical-json.ts';
import type { NormalizedLinkOptions, NormalizedTls, NormalizedTopology } from './normalize-topology.ts';
import { computeForwardingTrees, type ForwardingTree, type Route } from './routing.ts';
import { Secret } from '../base/index.ts';
import { Selection, isInternalGroup, isInternalTopic } from './selection.ts';

/** TLS settings; `null` files mean the system CAs and no client certificate. */
export type TlsConfig = Readonly<NormalizedTls>;

export interface SaslConfig {
  readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  readonly username: string;
  readonly password: Secret;
}

export interface KafkaConfig {
  readonly brokers: readonly string[];
  /** What the nodes of other regions bootstrap at (`kafka.remoteBrokers`); `brokers` when not declared. */
  readonly remoteBrokers: readonly string[];
  /** `null` = plaintext. */
  readonly tls: TlsConfig | null;
  /** `null` = no SASL. */
  readonly sasl: SaslConfig | null;
}

export interface RegionConfig {
  readonly name: string;
  readonly kafka: KafkaConfig;
  /** Listen addresses (host:port) of the region's node. */
  readonly node: {
    readonly grpc: string;
    readonly http: string;
    /** Where others call the node (`node.advertise`); null: its listen address. See `nodeAddress`. */
    readonly advertise: string | null;
    /** Mutual TLS files of the node's gRPC, or null (plaintext). */
    readonly tls: { readonly ca: string; readonly cert: string; readonly key: string } | null;
    /** Who may call state-changing RPCs; null: nobody. */
    readonly operators: { readonly token: Secret | null; readonly clients: readonly string[] } | null;
    /** Several instances share the region's partitions (docs/work-sharing.md); null: one instance. */
    readonly workSharing: { readonly leaseTtlMs: number } | null;
  };
}

export interface EtcdConfig {
  readonly endpoints: readonly string[];
  readonly tls: TlsConfig | null;
  readonly auth: { readonly username: string; readonly password: Secret } | null;
}

export type LinkOptionsConfig = Readonly<NormalizedLinkOptions>;

/** One directed link X → R: R's node pulls from X's cluster. */
export interface LinkConfig {
  readonly from: string;
  readonly to: string;
  /** `from->to`. */
  readonly id: string;
  readonly topics: Selection;
  readonly groups: Selection;
  readonly options: LinkOptionsConfig;
}

/** A link named by its ends. */
export interface LinkRef {
  readonly from: string;
  readonly to: string;
}

const pairKey = (from: string, to: string): string => `${from}\u0000${to}`;

function deepFreeze<T>(value: T): T {
  if (
    value !== null &&
    typeof value === 'object' &&
    !(value instanceof Secret) &&
    !(value instanceof Selection)
  ) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}

export class TopologyConfig {
  readonly mesh: string;
  readonly etcd: EtcdConfig;
  /** Regions sorted by name. */
  readonly regions: readonly RegionConfig[];
  /** Directed links sorted by (from, to); `between` lists are expanded. */
  readonly links: readonly LinkConfig[];
  /**
   * Key of the HMAC tag replicated records carry (origin headers), resolved from its `${ENV}` reference;
   * `null` when the topology declares none. The canonical form keeps the reference, never the value.
   */
  readonly provenanceKey: Secret | null;
  /**
   * Keys verified besides `provenanceKey` (`provenance.accept`, e.g. the other key of a rotation), resolved;
   * slots resolved to an empty value are left out.
   */
  readonly provenanceAccept: readonly Secret[];
  /** `provenance.onUnknownKey`: what a link does with a record it would write but cannot verify; default halt. */
  readonly onUnknownProvenanceKey: 'halt' | 'skip';
  /** SHA-256 (hex) of the canonical JSON form. */
  readonly hash: string;

  readonly #canonical: string;
  readonly #regions: ReadonlyMap<string, RegionConfig>;
  readonly #links: ReadonlyMap<string, LinkConfig>;
  readonly #inbound: ReadonlyMap<string, readonly LinkConfig[]>;
  readonly #outbound: ReadonlyMap<string, readonly LinkConfig[]>;
  readonly #trees: ReadonlyMap<string, ForwardingTree>;
  readonly #forwarded: ReadonlyMap<string, readonly string[]>;

  /**
   * Built by the loader from the normalized topology twice over: `resolved` (values from the environment)
   * and `declared` (as written, `${ENV}` references kept), which becomes the canonical form.
   */
  constructor(resolved: NormalizedTopology, declared: NormalizedTopology) {
    this.mesh = resolved.mesh;
    const declaredEtcdPassword = declared.etcd.auth?.password ?? '';
    this.etcd = deepFreeze({
      endpoints: [...resolved.etcd.endpoints],
      tls: resolved.etcd.tls,
      auth: resolved.etcd.auth
        ? {
            username: resolved.etcd.auth.username,
            password: new Secret(resolved.etcd.auth.password, declaredEtcdPassword),
          }
        : null,
    });
    this.provenanceKey = resolved.provenance
      ? new Secret(resolved.provenance.key, declared.provenance?.key ?? '')
      : null;
    this.onUnknownProvenanceKey = resolved.provenance?.onUnknownKey ?? 'halt';
    this.provenanceAccept = Object.freeze(
      (resolved.provenance?.accept ?? []).flatMap((value, i) =>
        value === '' ? [] : [new Secret(value, declared.provenance?.accept?.[i] ?? '')],
      ),
    );
    this.regions = deepFreeze(
      Object.entries(resolved.regions).map(([name, region]): RegionConfig => {
        const sasl = region.kafka.sasl;
        const reference = declared.regions[name]?.kafka.sasl?.password ?? '';
        return {
          name,
          kafka: {
            brokers: [...region.kafka.brokers],
            remoteBrokers: [...(region.kafka.remoteBrokers ?? region.kafka.brokers)],
            tls: region.kafka.tls,
            sasl: sasl
              ? {
                  mechanism: sasl.mechanism,
                  username: sasl.username,
                  password: new Secret(sasl.password, reference),
                }
              : null,
          },
          node: {
            ...region.node,
            advertise: region.node.advertise ?? null,
            workSharing: region.node.workSharing ? { ...region.node.workSharing } : null,
            tls: region.node.tls ? { ...region.node.tls } : null,
            operators: region.node.operators
              ? {
                  token:
                    region.node.operators.token !== null
                      ? new Secret(
                          region.node.operators.token,
                          declared.regions[name]?.node.operators?.token ?? '',
                        )
                      : null,
                  clients: [...region.node.operators.clients],
                }
              : null,
          },
        };
      }),
    );
    this.links = deepFreeze(
      resolved.links.map((l): LinkConfig => ({
        from: l.from,
        to: l.to,
        id: `${l.from}->${l.to}`,
        topics: new Selection(l.topics.include, l.topics.exclude, isInternalTopic),
        groups: new Selection(l.groups.include, l.groups.exclude, isInternalGroup),
        options: { ...l.options },
      })),
    );
    this.#canonical = canonicalJson(declared);
    this.hash = contentHash(this.#canonical);
    this.#regions = new Map(this.regions.map((r) => [r.name, r]));
    this.#links = new Map(this.links.map((l) => [pairKey(l.from, l.to), l]));
    const inbound = new Map<string, LinkConfig[]>(this.regions.map((r) => [r.name, []]));
    const outbound = new Map<string, LinkConfig[]>(this.regions.map((r) => [r.name, []]));
    for (const link of this.links) {
      inbound.get(link.to)?.push(link);
      outbound.get(link.from)?.push(link);
    }
    this.#inbound = inbound;
    this.#outbound = outbound;
    this.#trees = computeForwardingTrees(this.#regions.keys(), this.links);
    const forwarded = new Map<string, string[]>(this.links.map((l) => [pairKey(l.from, l.to), []]));
    for (const tree of this.#trees.values()) {
      for (const route of tree.routes.values())
        forwarded.get(pairKey(route.parent, route.region))?.push(tree.origin);
    }
    for (const list of forwarded.values()) Object.freeze(list.sort());
    this.#forwarded = forwarded;
    Object.freeze(this);
  }

  /** The region named `name`; throws GEOMESH_TOPOLOGY_UNKNOWN_REGION when there is none. */
  region(name: string): RegionConfig {
    const region = this.#regions.get(name);
    if (!region) throw this.#unknownRegion(name);
    return region;
  }

  /**
   * Where peers and the CLI call `name`'s node when etcd names no live instance of it: its `node.advertise`,
   * else its `node.grpc` listen address.
   */
  nodeAddress(name: string): string {
    const { node } = this.region(name);
    return node.advertise ?? node.grpc;
  }

  /** Bootstrap brokers of `region`'s cluster as the node of `from` reaches it (its own, or another's). */
  brokersFor(region: string, from: string): readonly string[] {
    const { kafka } = this.region(region);
    return region === from ? kafka.brokers : kafka.remoteBrokers;
  }

  hasRegion(name: string): boolean {
    return this.#regions.has(name);
  }

  /** The link from → to, if declared. */
  link(from: string, to: string): LinkConfig | undefined {
    return this.#links.get(pairKey(from, to));
  }

  /** Links into `region` (the ones its node runs), sorted by source. */
  inboundLinks(region: string): readonly LinkConfig[] {
    return this.#inbound.get(this.region(region).name) ?? [];
  }

  /** Links out of `region`, sorted by target. */
  outboundLinks(region: string): readonly LinkConfig[] {
    return this.#outbound.get(this.region(region).name) ?? [];
  }

  /**
   * Origins whose records the link from → to carries: the origins O whose forwarding tree makes `from`
   * the parent of `to`. Sorted; empty when there is no such link. A record of any other origin read on
   * this link is dropped (it reaches `to` by another link, or is `to`'s own).
   */
  originsForwardedBy(from: string, to: string): readonly string[] {
    this.region(from);
    this.region(to);
    return this.#forwarded.get(pairKey(from, to)) ?? [];
  }

  /** True when the link carries records of `origin`. */
  forwards(link: LinkRef, origin: string): boolean {
    return this.originsForwardedBy(link.from, link.to).includes(origin);
  }

  /** True when the link replicates `topic` (never for internal topics). */
  selectsTopic(link: LinkRef, topic: string): boolean {
    return this.#requireLink(link).topics.matches(topic);
  }

  /** True when the link translates offsets of consumer group `group` (never for internal groups). */
  selectsGroup(link: LinkRef, group: string): boolean {
    return this.#requireLink(link).groups.matches(group);
  }

  /** How records of `origin` reach `region`, or undefined when they never do (or region = origin). */
  route(origin: string, region: string): Route | undefined {
    this.region(region);
    return this.forwardingTree(origin).routes.get(region);
  }

  /** The forwarding tree of `origin`. */
  forwardingTree(origin: string): ForwardingTree {
    const tree = this.#trees.get(origin);
    if (!tree) throw this.#unknownRegion(origin);
    return tree;
  }

  /** True when a record of `origin` in `topic` reaches `region`: a route exists and every link on it selects the topic. */
  reaches(origin: string, region: string, topic: string): boolean {
    const route = this.route(origin, region);
    if (!route) return false;
    return route.path.slice(1).every((to, i) => this.selectsTopic({ from: route.path[i] ?? '', to }, topic));
  }

  /** A human-readable account of how records of `origin` (optionally of one topic) reach `region`, and why. */
  explainRoute(origin: string, region: string, topic?: string): string {
    this.region(origin);
    this.region(region);
    if (origin === region) {
      return `Records produced in ${origin} are already in ${region}; geomesh never replicates them back into their origin.`;
    }
    const route = this.route(origin, region);
    if (!route) {
      return `Records produced in ${origin} never reach ${region}: no chain of links leads from ${origin} to ${region}.`;
    }
    const tree = this.forwardingTree(origin);
    const depth = (name: string): number => (name === origin ? 0 : (tree.routes.get(name)?.hops ?? Infinity));
    const lines = [
      `Records produced in ${origin} reach ${region} in ${route.hops} hop${route.hops === 1 ? '' : 's'}: ${route.path.join(' → ')}.`,
    ];
    route.path.slice(1).forEach((to, i) => {
      const from = route.path[i] ?? '';
      const candidates = (this.#inbound.get(to) ?? []).map((l) => l.from).filter((f) => depth(f) === i);
      const why =
        candidates.length > 1
          ? `shortest distance ${i + 1} from ${origin}; of the regions at distance ${i} with a link into ${to} (${candidates.join(', ')}), ${from} has the smallest name`
          : `shortest distance ${i + 1} from ${origin}; ${from} is the only region at distance ${i} with a link into ${to}`;
      lines.push(`  ${from} → ${to}: ${why}.`);
    });
    const forwardedElsewhere = (this.#inbound.get(region) ?? [])
      .filter((l) => l.from !== route.parent)
      .map((l) => l.id);
    if (forwardedElsewhere.length > 0) {
      lines.push(
        `  Records of ${origin} read on ${forwardedElsewhere.join(', ')} are dropped: they arrive over ${route.parent}->${region}.`,
      );
    }
    if (topic !== undefined) {
      const refusing = route.path.slice(1).flatMap((to, i) => {
        const link = this.#requireLink({ from: route.path[i] ?? '', to });
        return link.topics.matches(topic) ? [] : [`${link.id} (${link.topics.describe()})`];
      });
      if (isInternalTopic(topic)) lines.push(`  Topic ${topic} is internal: it is never replicated.`);
      else if (refusing.length === 0)
        lines.push(`  Topic ${topic} is selected by every link on the path: its records reach ${region}.`);
      else lines.push(`  Topic ${topic} does not reach ${region}: not selected by ${refusing.join(', ')}.`);
    }
    return lines.join('\n');
  }

  /** The canonical JSON text: keys sorted, defaults applied, `${ENV}` references kept, no secret values. */
  toCanonicalJSON(): string {
    return this.#canonical;
  }

  /**
   * The canonical form as data (what JSON.stringify of this object gives). Optional fields that are
   * absent (no TLS, no SASL, no rate limit) are left out rather than `null`.
   */
  toJSON(): NormalizedTopology {
    return JSON.parse(this.#canonical) as NormalizedTopology;
  }

  #requireLink(ref: LinkRef): LinkConfig {
    const link = this.#links.get(pairKey(ref.from, ref.to));
    if (link) return link;
    this.region(ref.from);
    this.region(ref.to);
    throw new GeomeshError(
      'GEOMESH_TOPOLOGY_UNKNOWN_LINK',
      `no link ${ref.from} → ${ref.to} in mesh ${this.mesh}`,
      {
        details: { from: ref.from, to: ref.to },
      },
    );
  }

  #unknownRegion(name: string): GeomeshError {
    return new GeomeshError('GEOMESH_TOPOLOGY_UNKNOWN_REGION', `mesh ${this.mesh} has no region "${name}"`, {
      details: { region: name },
    });
  }
}
