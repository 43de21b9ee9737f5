/**
 * A node's own status from a snapshot of its parts (links and their counters, translation service, origin
 * index, registration). Pure: the caller reads the parts and passes the time; rates come from a RateTracker
 * the caller feeds with `sampleLinkRates` at its sampling interval.
 */
import type { RateTracker } from './rate-tracker.ts';
import type {
  HaltedPartition,
  LinkStatus,
  NodeStatus,
  PeerStatus,
  ProvenanceStatus,
  TopicPartitions,
  WorkSharingStatus,
} from './status-types.ts';

/** What the status needs of one running link (a LinkReplicator fits). */
export interface LinkSnapshot {
  readonly from: string;
  readonly to: string;
  readonly state: string;
  /** Running, but its source has answered no fetch for a while: reported as state `stalled`. */
  readonly isStalled?: boolean;
  /** How it gets its source's records: `pull` (the default) or `stream`. */
  readonly path?: string;
  readonly stats: {
    readonly recordsWritten: number;
    /** Per source partition `topic/partition`: records behind. */
    readonly lagRecords: ReadonlyMap<string, number>;
    /** Halted source partitions `topic/partition` → why. */
    readonly halted: ReadonlyMap<string, string>;
  };
  /** The coverage audit's findings: source partitions nobody reads. */
  readonly coverage: {
    readonly reported: readonly {
      readonly topic: string;
      readonly partition: number;
      readonly reason: string;
      readonly sinceMs: number;
    }[];
  };
}

/** What a link's traffic was since the node started (absent: not counted, reported as 0). */
export interface LinkTraffic {
  readonly pathSwitches: number;
  /** Bytes received for the link over the WAN: its stream's records as sent, and the source cluster's bytes. */
  readonly wanBytes: number;
  /** Key and value bytes it wrote. */
  readonly writtenBytes: number;
}

/** What the status needs of an instance's work sharing (docs/work-sharing.md). */
export interface WorkSharingSnapshot {
  /** `connecting`, `running` or `stopped`. */
  readonly state: string;
  readonly leaseTtlMs: number;
  readonly isLeaseValid: boolean;
  /** The region's live instances as the last round read them. */
  readonly workers: readonly string[];
  /** The target partitions the instance owns, in any order. */
  readonly ownedPartitions: readonly { readonly topic: string; readonly partition: number }[];
  /** Why the last round failed; undefined or "" when it succeeded. */
  readonly lastError: string | undefined;
}

/** What the status needs of a node at one moment. */
export interface NodeSnapshot {
  mesh: string;
  region: string;
  instance: string;
  state: string;
  version: string;
  startedAtMs: number;
  grpcAddress: string;
  httpAddress: string;
  registration: string;
  links: readonly LinkSnapshot[];
  /** The traffic of the link from `from` into this region; absent or undefined: not counted. */
  linkTraffic?(from: string): LinkTraffic | undefined;
  /** When the last checkpoint round ended (ms since the epoch); 0 when there was none. */
  lastCheckpointMs: number;
  indexRuns: number;
  /** The node's heartbeats to its peers (reported as they are). */
  peers: readonly PeerStatus[];
  /** The node's provenance key ids and its peers' (reported as they are); absent: not reported. */
  provenance?: ProvenanceStatus | null;
  /** Its work sharing when the region shares work; absent or null otherwise. */
  workSharing?: WorkSharingSnapshot | null;
}

/** The RateTracker key of a link. */
export function linkKey(from: string, to: string): string {
  return `${from}->${to}`;
}

/** Feeds each link's records-written counter to `rates` at `nowMs`, forgetting links that went away. */
export function sampleLinkRates(links: readonly LinkSnapshot[], rates: RateTracker, nowMs: number): void {
  for (const link of links) rates.observe(linkKey(link.from, link.to), nowMs, link.stats.recordsWritten);
  rates.retain(new Set(links.map((l) => linkKey(l.from, l.to))));
}

/** `topic/partition` → its parts (Kafka topic names cannot contain `/`). */
function haltedPartition(key: string, reason: string): HaltedPartition {
  const slash = key.lastIndexOf('/');
  return { topic: key.slice(0, slash), partition: Number(key.slice(slash + 1)), reason };
}

/** WAN bytes per written byte; -1 while nothing was written. */
export function wanBytesPerWrittenByte(wanBytes: number, writtenBytes: number): number {
  return writtenBytes > 0 ? wanBytes / writtenBytes : -1;
}

function linkStatus(link: LinkSnapshot, rates: RateTracker, traffic: LinkTraffic | undefined): LinkStatus {
  let lagRecords = 0;
  for (const lag of link.stats.lagRecords.values()) lagRecords += lag;
  return {
    fromRegion: link.from,
    toRegion: link.to,
    state: link.state === 'running' && link.isStalled ? 'stalled' : link.state,
    lagRecords,
    recordsPerSecond: rates.rate(linkKey(link.from, link.to)),
    recordsWritten: link.stats.recordsWritten,
    path: link.path ?? 'pull',
    pathSwitches: traffic?.pathSwitches ?? 0,
    wanBytes: traffic?.wanBytes ?? 0,
    writtenBytes: traffic?.writtenBytes ?? 0,
    wanBytesPerWrittenByte: wanBytesPerWrittenByte(traffic?.wanBytes ?? 0, traffic?.writtenBytes ?? 0),
    halted: [...link.stats.halted]
      .map(([key, reason]) => haltedPartition(key, reason))
      .sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1)),
    unreplicated: link.coverage.reported
      .map((u) => ({ topic: u.topic, partition: u.partition, reason: u.reason, sinceUnixMs: u.sinceMs }))
      .sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1)),
  };
}

/** Partitions grouped by topic: topics sorted, each topic's partitions ascending and distinct. */
export function groupByTopic(
  partitions: readonly { readonly topic: string; readonly partition: number }[],
): TopicPartitions[] {
  const byTopic = new Map<string, Set<number>>();
  for (const { topic, partition } of partitions) {
    let set = byTopic.get(topic);
    if (!set) byTopic.set(topic, (set = new Set()));
    set.add(partition);
  }
  return [...byTopic]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([topic, set]) => ({ topic, partitions: [...set].sort((a, b) => a - b) }));
}

function workSharingStatus(sharing: WorkSharingSnapshot): WorkSharingStatus {
  return {
    state: sharing.state,
    leaseTtlMs: sharing.leaseTtlMs,
    isLeaseValid: sharing.isLeaseValid,
    workers: [...sharing.workers].sort(),
    owned: groupByTopic(sharing.ownedPartitions),
    lastError: sharing.lastError ?? '',
  };
}

/** The node's status report at `nowMs`. */
export function buildNodeStatus(snapshot: NodeSnapshot, rates: RateTracker, nowMs: number): NodeStatus {
  return {
    mesh: snapshot.mesh,
    region: snapshot.region,
    instance: snapshot.instance,
    state: snapshot.state,
    version: snapshot.version,
    startedAtMs: snapshot.startedAtMs,
    reportedAtMs: nowMs,
    grpcAddress: snapshot.grpcAddress,
    httpAddress: snapshot.httpAddress,
    registration: snapshot.registration,
    links: snapshot.links
      .map((l) => linkStatus(l, rates, snapshot.linkTraffic?.(l.from)))
      .sort((a, b) => (a.fromRegion < b.fromRegion ? -1 : a.fromRegion > b.fromRegion ? 1 : 0)),
    lastCheckpointAgeMs: snapshot.lastCheckpointMs > 0 ? Math.max(0, nowMs - snapshot.lastCheckpointMs) : -1,
    indexRuns: snapshot.indexRuns,
    peers: [...snapshot.peers].sort((a, b) => (a.region < b.region ? -1 : a.region > b.region ? 1 : 0)),
    workSharing: snapshot.workSharing ? workSharingStatus(snapshot.workSharing) : null,
    ...(snapshot.provenance && { provenance: snapshot.provenance }),
  };
}
