/**
 * The mesh-wide view: the topology's regions and links, what each region's node answered, and the instances
 * registered in etcd, put together. `assembleMeshStatus` is pure; `collectMeshStatus` asks every region's
 * node and etcd at once through functions the caller passes (the CLI calls over gRPC; a node answers for
 * itself locally and calls its peers), so it opens nothing itself. For a region that shares work among
 * several instances it then asks each of the region's other registered instances for its share.
 */
import type { TopologyConfig } from '../../topology/index.ts';
import type {
  InstanceInfo,
  InstanceShare,
  LinkHealth,
  LinkStatus,
  MeshLinkStatus,
  MeshStatus,
  NodeStatus,
  RegionStateStatus,
  RegionStatus,
} from './status-types.ts';
import type { MemberInfo } from '../coordination-ports/index.ts';

/** What of the topology the mesh view needs. */
export interface MeshLayout {
  mesh: string;
  /** In the topology's order. */
  /** `isWorkSharing`: the region runs several instances that share its partitions (`node.workSharing`). */
  regions: readonly { name: string; grpcAddress: string; isWorkSharing?: boolean }[];
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
    regions: config.regions.map((r) => ({
      name: r.name,
      grpcAddress: config.nodeAddress(r.name),
      isWorkSharing: r.node.workSharing !== null,
    })),
    links: config.links.map((l) => ({ fromRegion: l.from, toRegion: l.to })),
  };
}

/** An instance as etcd's membership lists it (the coordination port's member records). */
export type RegisteredMember = MemberInfo;

/** The status form of a registered member. */
export function instanceFromMember(member: RegisteredMember): InstanceInfo {
  return {
    region: member.region,
    id: member.id,
    grpcAddress: member.address,
    httpAddress: member.httpAddress ?? null,
    version: member.version,
    startedAt: member.startedAt,
    ...(member.provenanceKeyId !== undefined && {
      provenanceKeyId: member.provenanceKeyId,
      acceptedKeyIds: [...(member.acceptedKeyIds ?? [])],
    }),
  };
}

/**
 * A region's state as read from etcd (the region state store's listing fits): its record, or why it could
 * not be decoded.
 */
export interface RecordedRegionState {
  readonly region: string;
  readonly record?:
    | {
        readonly state: string;
        readonly to?: string;
        readonly groups?: readonly string[];
        readonly since: string;
        readonly operation?: string;
      }
    | undefined;
  readonly error?: string | undefined;
}

/** The region states listed in etcd, or why they could not be read. */
export type RegionStatesAnswer =
  { ok: true; states: readonly RecordedRegionState[] } | { ok: false; error: string };

/** A region's state for the view: its record, `unreadable` with the error, or active when it has none. */
export function regionStateOf(recorded: RecordedRegionState | undefined): RegionStateStatus {
  const record = recorded?.record;
  if (recorded?.error !== undefined || (recorded && !record)) {
    return {
      state: 'unreadable',
      toRegion: null,
      groups: [],
      since: null,
      operation: null,
      error: recorded.error ?? 'no record',
    };
  }
  return {
    state: record?.state ?? 'active',
    toRegion: record?.to ?? null,
    groups: [...(record?.groups ?? [])],
    since: record?.since ?? null,
    operation: record?.operation ?? null,
    error: null,
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
  if (link.unreplicated.some((u) => u.reason !== 'halted')) return 'incomplete';
  return link.lagRecords >= lagWarnRecords ? 'lagging' : 'ok';
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Per region, per instance id: what an instance other than the one asked at the region's address answered. */
export type InstanceAnswers = ReadonlyMap<string, ReadonlyMap<string, NodeAnswer>>;

/** Whether a region shares work: its topology says so, or its node reports a share. */
function isSharing(region: MeshLayout['regions'][number], answer: NodeAnswer | undefined): boolean {
  return region.isWorkSharing === true || (answer?.ok === true && answer.status.workSharing !== null);
}

/**
 * Every instance known to share a region's work, sorted by id: registered in etcd, the one that answered at
 * the region's address, the workers any report names, and the instances that were asked.
 */
function sharesOf(
  region: string,
  answer: NodeAnswer,
  members: MembersAnswer,
  asked: ReadonlyMap<string, NodeAnswer>,
): InstanceShare[] {
  const registered = new Map(
    (members.ok ? members.instances.filter((m) => m.region === region) : []).map((m) => [m.id, m]),
  );
  const reports = [
    ...(answer.ok ? [answer.status] : []),
    ...[...asked.values()].flatMap((a) => (a.ok ? [a.status] : [])),
  ];
  const ids = new Set([
    ...registered.keys(),
    ...asked.keys(),
    ...reports.flatMap((r) => [r.instance, ...(r.workSharing?.workers ?? [])]),
  ]);
  return [...ids].sort(byName).map((id): InstanceShare => {
    const grpcAddress = registered.get(id)?.grpcAddress ?? '';
    const got = answer.ok && answer.status.instance === id ? answer : asked.get(id);
    if (got?.ok) {
      return {
        instance: id,
        grpcAddress: grpcAddress || got.status.grpcAddress,
        isReachable: true,
        workSharing: got.status.workSharing,
        error: null,
      };
    }
    const error =
      got?.error ??
      (registered.has(id)
        ? 'not asked'
        : members.ok
          ? 'not registered in etcd (address unknown)'
          : 'address unknown: etcd could not be read');
    return { instance: id, grpcAddress, isReachable: false, workSharing: null, error };
  });
}

/**
 * The mesh view from the topology's layout, each region's answer (a region missing from `answers` did not
 * answer), etcd's members, for regions that share work what their other instances answered, and the region
 * states read from etcd (not given: every `regionState` is null).
 */
export function assembleMeshStatus(
  layout: MeshLayout,
  answers: ReadonlyMap<string, NodeAnswer>,
  members: MembersAnswer,
  nowMs: number,
  options: MeshStatusOptions = {},
  instanceAnswers: InstanceAnswers = new Map(),
  regionStates?: RegionStatesAnswer,
): MeshStatus {
  const recorded = new Map(regionStates?.ok ? regionStates.states.map((s) => [s.region, s]) : []);
  const regions: RegionStatus[] = layout.regions.map((region) => {
    const { name, grpcAddress } = region;
    const answer = answers.get(name) ?? { ok: false, error: 'not asked' };
    return {
      region: name,
      grpcAddress,
      instances: members.ok ? members.instances.filter((m) => m.region === name) : null,
      regionState: regionStates?.ok ? regionStateOf(recorded.get(name)) : null,
      isReachable: answer.ok,
      node: answer.ok ? answer.status : null,
      error: answer.ok ? null : answer.error,
      shares: isSharing(region, answer)
        ? sharesOf(name, answer, members, instanceAnswers.get(name) ?? new Map())
        : null,
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
        path: reported ? reported.path || null : null,
        pathSwitches: reported ? reported.pathSwitches : null,
        wanBytesPerWrittenByte:
          reported && reported.writtenBytes > 0 ? reported.wanBytesPerWrittenByte : null,
        lagRecords: reported?.lagRecords ?? null,
        recordsPerSecond: reported?.recordsPerSecond ?? null,
        haltedPartitions: reported ? reported.halted.length : null,
        unreplicatedPartitions: reported
          ? reported.unreplicated.filter((u) => u.reason !== 'halted').length
          : null,
      };
    });
  return {
    mesh: layout.mesh,
    generatedAtMs: nowMs,
    etcd: {
      ...(members.ok
        ? { isReachable: true, instances: members.instances.length, error: null }
        : { isReachable: false, instances: 0, error: members.error }),
      regionStatesError: regionStates && !regionStates.ok ? regionStates.error : null,
    },
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
  /**
   * The status of one instance of a region that shares work, at its registered address; rejects when it does
   * not answer. Without it, the instances other than the one answering at the region's address are not asked.
   */
  instanceStatus?: (region: string, instance: string, grpcAddress: string) => Promise<NodeStatus>;
  /** The region states recorded in etcd; rejects when etcd cannot be read. Without it they are not shown. */
  regionStates?: () => Promise<readonly RecordedRegionState[]>;
  now(): number;
  options?: MeshStatusOptions;
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function answerOf(status: Promise<NodeStatus>): Promise<NodeAnswer> {
  return status.then(
    (s): NodeAnswer => ({ ok: true, status: s }),
    (err: unknown): NodeAnswer => ({ ok: false, error: reason(err) }),
  );
}

/**
 * Asks every region's node and etcd at once, then (when `instanceStatus` is given) every other registered
 * instance of the regions that share work, and assembles their answers. Never rejects.
 */
export async function collectMeshStatus(sources: MeshStatusSources): Promise<MeshStatus> {
  const { layout, instanceStatus } = sources;
  const [members, regionStates, ...answerList] = await Promise.all([
    sources.instances().then(
      (instances): MembersAnswer => ({ ok: true, instances }),
      (err: unknown): MembersAnswer => ({ ok: false, error: reason(err) }),
    ),
    sources.regionStates?.().then(
      (states): RegionStatesAnswer => ({ ok: true, states }),
      (err: unknown): RegionStatesAnswer => ({ ok: false, error: reason(err) }),
    ),
    ...layout.regions.map(async ({ name, grpcAddress }): Promise<[string, NodeAnswer]> => [
      name,
      await answerOf(sources.nodeStatus(name, grpcAddress)),
    ]),
  ]);
  const answers = new Map(answerList);
  const asked = new Map<string, Map<string, NodeAnswer>>();
  if (instanceStatus && members.ok) {
    const calls = layout.regions
      .filter((region) => isSharing(region, answers.get(region.name)))
      .flatMap(({ name }) => {
        const answer = answers.get(name);
        const answered = answer?.ok ? answer.status.instance : undefined;
        return members.instances
          .filter((m) => m.region === name && m.id !== answered)
          .map(async (m) => {
            const got = await answerOf(instanceStatus(name, m.id, m.grpcAddress));
            let byId = asked.get(name);
            if (!byId) asked.set(name, (byId = new Map<string, NodeAnswer>()));
            byId.set(m.id, got);
          });
      });
    await Promise.all(calls);
  }
  return assembleMeshStatus(layout, answers, members, sources.now(), sources.options, asked, regionStates);
}
