/**
 * The mesh-wide view: the topology's regions and links, what each region's node answered, and the instances
 * registered in etcd, put together. `assembleMeshStatus` is pure; `collectMeshStatus` asks every region's
 * node and etcd at once through functions the caller passes (the CLI calls over gRPC; a node answers for
 * itself locally and calls its peers), so it opens nothing itself.
 */
import type { TopologyConfig } from '../../topology/index.ts';
import type {
  InstanceInfo,
  LinkHealth,
  LinkStatus,
  MeshLinkStatus,
  MeshStatus,
  NodeStatus,
  RegionStatus,
} from './status-types.ts';

/** What of the topology the mesh view needs. */
export interface MeshLayout {
  mesh: string;
  /** In the topology's order. */
  regions: readonly { name: string; grpcAddress: string }[];
  links: readonly { fromRegion: string; toRegion: string }[];
}

/** A region node's answer to GetStatus, or why there was none. */
export type NodeAnswer = { ok: true; status: NodeStatus } | { ok: false; error: string };

/** etcd's member listing, or why it could not be read. */
export type MembersAnswer = { ok: true; instances: readonly InstanceInfo[] } | { ok: false; error: string };

export interface MeshStatusOptions {
  /** A running link at or above this many records of lag is `lagging`; default 10,000. */
  lagWarnRecords?: number;
}

/** The default of `MeshStatusOptions.lagWarnRecords`. */
export const DEFAULT_LAG_WARN_RECORDS = 10_000;

/** The regions and links `config` declares, with each region's node address. */
export function meshLayoutOf(config: TopologyConfig): MeshLayout {
  return {
    mesh: config.mesh,
    regions: config.regions.map((r) => ({ name: r.name, grpcAddress: r.node.grpc })),
    links: config.links.map((l) => ({ fromRegion: l.from, toRegion: l.to })),
  };
}

/** An instance as etcd's membership lists it (the coordination adapter's member records fit). */
export interface RegisteredMember {
  readonly region: string;
  readonly id: string;
  readonly address: string;
  readonly httpAddress?: string;
  readonly version: string;
  readonly startedAt: string;
}

/** The status form of a registered member. */
export function instanceFromMember(member: RegisteredMember): InstanceInfo {
  return {
    region: member.region,
    id: member.id,
    grpcAddress: member.address,
    httpAddress: member.httpAddress ?? null,
    version: member.version,
    startedAt: member.startedAt,
  };
}

/** How a link is doing, from its target node's report (undefined: not reported) and whether it answered. */
export function linkHealth(
  link: LinkStatus | undefined,
  isReachable: boolean,
  lagWarnRecords = DEFAULT_LAG_WARN_RECORDS,
): LinkHealth {
  if (!isReachable || !link) return 'unknown';
  if (link.halted.length > 0) return 'halted';
  if (link.state !== 'running') return 'down';
  return link.lagRecords >= lagWarnRecords ? 'lagging' : 'ok';
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The mesh view from the topology's layout, each region's answer (a region missing from `answers` did not
 * answer) and etcd's members.
 */
export function assembleMeshStatus(
  layout: MeshLayout,
  answers: ReadonlyMap<string, NodeAnswer>,
  members: MembersAnswer,
  nowMs: number,
  options: MeshStatusOptions = {},
): MeshStatus {
  const regions: RegionStatus[] = layout.regions.map(({ name, grpcAddress }) => {
    const answer = answers.get(name) ?? { ok: false, error: 'not asked' };
    return {
      region: name,
      grpcAddress,
      instances: members.ok ? members.instances.filter((m) => m.region === name) : null,
      isReachable: answer.ok,
      node: answer.ok ? answer.status : null,
      error: answer.ok ? null : answer.error,
    };
  });
  const byRegion = new Map(regions.map((r) => [r.region, r]));
  const links: MeshLinkStatus[] = [...layout.links]
    .sort((a, b) => byName(a.fromRegion, b.fromRegion) || byName(a.toRegion, b.toRegion))
    .map(({ fromRegion, toRegion }) => {
      // Pull model: the target region's node runs the link and reports it.
      const target = byRegion.get(toRegion);
      const reported = target?.node?.links.find((l) => l.fromRegion === fromRegion);
      return {
        fromRegion,
        toRegion,
        health: linkHealth(reported, target?.isReachable ?? false, options.lagWarnRecords),
        state: reported?.state ?? null,
        lagRecords: reported?.lagRecords ?? null,
        recordsPerSecond: reported?.recordsPerSecond ?? null,
        haltedPartitions: reported ? reported.halted.length : null,
      };
    });
  return {
    mesh: layout.mesh,
    generatedAtMs: nowMs,
    etcd: members.ok
      ? { isReachable: true, instances: members.instances.length, error: null }
      : { isReachable: false, instances: 0, error: members.error },
    regions,
    links,
    isComplete: regions.every((r) => r.isReachable),
  };
}

/** Where `collectMeshStatus` gets its answers. */
export interface MeshStatusSources {
  layout: MeshLayout;
  /** The status of a region's node; rejects when it does not answer. */
  nodeStatus(region: string, grpcAddress: string): Promise<NodeStatus>;
  /** The instances registered in etcd; rejects when etcd cannot be read. */
  instances(): Promise<readonly InstanceInfo[]>;
  now(): number;
  options?: MeshStatusOptions;
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Asks every region's node and etcd at once and assembles their answers. Never rejects. */
export async function collectMeshStatus(sources: MeshStatusSources): Promise<MeshStatus> {
  const [members, ...answers] = await Promise.all([
    sources.instances().then(
      (instances): MembersAnswer => ({ ok: true, instances }),
      (err: unknown): MembersAnswer => ({ ok: false, error: reason(err) }),
    ),
    ...sources.layout.regions.map(({ name, grpcAddress }) =>
      sources.nodeStatus(name, grpcAddress).then(
        (status): [string, NodeAnswer] => [name, { ok: true, status }],
        (err: unknown): [string, NodeAnswer] => [name, { ok: false, error: reason(err) }],
      ),
    ),
  ]);
  return assembleMeshStatus(sources.layout, new Map(answers), members, sources.now(), sources.options);
}
