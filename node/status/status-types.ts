/**
 * The status model: what one node reports about itself (`NodeStatus`, the shape of `Operator.GetStatus` and
 * of a node's `/status.json`) and the mesh-wide view assembled from every region's report and etcd's
 * membership (`MeshStatus`, the shape of `geomesh status --json` and of a node's `/mesh.json`). Plain data,
 * JSON-safe: unknown values are `null`, never `undefined`.
 */

/** A source partition a link halted by policy. */
export interface HaltedPartition {
  topic: string;
  partition: number;
  /** Why, with the fix. */
  reason: string;
}

/** A source partition the coverage audit found read by nobody (node/replication/coverage-audit.ts). */
export interface UnreplicatedPartition {
  topic: string;
  partition: number;
  /** `not-subscribed`, `missing-in-target`, `halted`, `unowned`, `not-joined`, `unassigned` or `paused`. */
  reason: string;
  /** When an audit first found it unread (ms since the epoch). */
  sinceUnixMs: number;
}

/** One inbound link as its target region's node reports it. */
export interface LinkStatus {
  fromRegion: string;
  toRegion: string;
  /**
   * The link's lifecycle state: `idle`, `running`, `stopping` or `stopped`; `stalled` while running but its
   * source has answered no fetch for NODE_DEFAULTS.linkStallMs (20 s).
   */
  state: string;
  /** Records in the source partitions not yet replicated (sum of the per-partition lag). */
  lagRecords: number;
  /** Records written per second over the node's last sampling interval. */
  recordsPerSecond: number;
  /** Records written since the node started. */
  recordsWritten: number;
  /** Sorted by topic, then partition. */
  halted: HaltedPartition[];
  /** Source partitions nobody reads, sorted by topic, then partition; empty when every one is read. */
  unreplicated: UnreplicatedPartition[];
  /** `pull` or `stream` (docs/record-stream.md); "" from an older node. */
  path: string;
  /** Times the link changed its path since the node started (0 from an older node). */
  pathSwitches: number;
  /** Bytes received for the link over the WAN since the node started: stream and source cluster. */
  wanBytes: number;
  /** Key and value bytes the link wrote since the node started. */
  writtenBytes: number;
  /** `wanBytes` per `writtenBytes`; -1 while nothing was written (and from an older node: 0 of both). */
  wanBytesPerWrittenByte: number;
}

/** One inbound link, summarised: what a node's heartbeat answer (Peer.Ping) carries. */
export interface LinkSummary {
  fromRegion: string;
  /** The link's lifecycle state: `idle`, `running`, `stopping` or `stopped`. */
  state: string;
  /** Records in the source partitions not yet replicated. */
  lagRecords: number;
  /** Records written per second over the node's last sampling interval. */
  recordsPerSecond: number;
  /** Source partitions halted by policy. */
  haltedPartitions: number;
}

/** A peer region's node as this node's heartbeats see it (the last answer is kept while it is down). */
export interface PeerStatus {
  region: string;
  /** `host:port` this node calls the peer region at. */
  address: string;
  /** `etcd`: the region's oldest live registered instance; `topology`: the region's `node.advertise`, else `node.grpc`. */
  addressSource: string;
  /** True when the peer answered the last heartbeat. */
  isUp: boolean;
  /** Round trip of the last answered heartbeat; -1 before any answer. */
  roundTripMs: number;
  /** Milliseconds since the last answered heartbeat; -1 before any answer. */
  lastAnswerAgeMs: number;
  /** Why the last heartbeat failed; "" when it was answered or none was sent yet. */
  error: string;
  /** From the last answer ("" before any): the instance that answered, its version and lifecycle state. */
  instance: string;
  version: string;
  nodeState: string;
  /** From the last answer: the peer's inbound links, sorted by source region. */
  links: LinkSummary[];
}

/** Partitions of one topic. */
export interface TopicPartitions {
  topic: string;
  /** Ascending. */
  partitions: number[];
}

/**
 * An instance's share of its region's target partitions, when the region runs several instances that share
 * them (`node.workSharing`, docs/work-sharing.md).
 */
export interface WorkSharingStatus {
  /** `connecting` (etcd not reached yet: it owns nothing), `running` or `stopped`. */
  state: string;
  /** The TTL of its etcd lease. */
  leaseTtlMs: number;
  /** Whether its lease is certainly alive now: it writes its partitions only while it is. */
  isLeaseValid: boolean;
  /** The region's live instances as its last round read them (sorted ids, itself included). */
  workers: string[];
  /** The target partitions it owns and writes, one entry per topic, sorted by topic. */
  owned: TopicPartitions[];
  /** Why its last round failed; "" when it succeeded. */
  lastError: string;
}

/** What one node instance reports about itself. */
export interface NodeStatus {
  mesh: string;
  region: string;
  /** Instance id: unique within the region, the id registered in etcd. */
  instance: string;
  /** The node's lifecycle state: `starting`, `running`, `stopping`, `stopped` or `failed`. */
  state: string;
  version: string;
  startedAtMs: number;
  /** When the report was made, by the node's clock. */
  reportedAtMs: number;
  /** `host:port` of its gRPC endpoint. */
  grpcAddress: string;
  /** `host:port` of its HTTP endpoint; "" without one. */
  httpAddress: string;
  /** Its etcd registration: `idle`, `connecting`, `registered`, `retrying`, `stopped` or `disabled`. */
  registration: string;
  /** Its inbound links, sorted by source region. */
  links: LinkStatus[];
  /** Milliseconds since its last checkpoint round; -1 when there was none yet. */
  lastCheckpointAgeMs: number;
  /** Runs in its origin index. */
  indexRuns: number;
  /** Its heartbeats to the other regions' nodes, sorted by region; [] from a node that reports none. */
  peers: PeerStatus[];
  /** Its share of the region's partitions; null when the region does not share work (or from an older node). */
  workSharing: WorkSharingStatus | null;
  /**
   * Its provenance keys (ids only) and its peers' as last heard; null (or absent when sending) from a node
   * older than the field.
   */
  provenance?: ProvenanceStatus | null;
}

/** A node's provenance keys by key id (a fingerprint, never the key), and how they agree with its peers'. */
export interface ProvenanceStatus {
  /** Id of the key it tags with. */
  currentKeyId: string;
  /** Ids of every key it verifies with (the current one included), sorted. */
  acceptedKeyIds: string[];
  /** One entry per other region, sorted by region. */
  peers: PeerKeys[];
}

/** A peer region's provenance keys as a node last heard them, and whether they agree with its own. */
export interface PeerKeys {
  region: string;
  /** "" while nothing is known of the peer's keys. */
  currentKeyId: string;
  acceptedKeyIds: string[];
  /** `heartbeat`, `etcd` or "" (unknown). */
  source: string;
  /** Why the two key sets disagree (the links between the regions pause); "" when they agree or unknown. */
  mismatch: string;
}

/** A node instance as registered in etcd. */
export interface InstanceInfo {
  region: string;
  id: string;
  /** `host:port` of its gRPC endpoint. */
  grpcAddress: string;
  /** `host:port` of its HTTP endpoint, or null when it registered none. */
  httpAddress: string | null;
  version: string;
  /** ISO-8601. */
  startedAt: string;
  /** The provenance key id it registered (a fingerprint, never the key); absent when it registered none. */
  provenanceKeyId?: string;
  /** The key ids it verifies with, as registered. */
  acceptedKeyIds?: string[];
}

/** One instance of a region that shares work, and its share as it reported it. */
export interface InstanceShare {
  /** Its instance id. */
  instance: string;
  /** Where it was asked (its address registered in etcd); "" when it is not registered. */
  grpcAddress: string;
  /** Whether it answered GetStatus. */
  isReachable: boolean;
  /** Its share when it answered; null when it did not, or reported no work sharing. */
  workSharing: WorkSharingStatus | null;
  /** Why it did not answer, else null. */
  error: string | null;
}

/**
 * A region's state as recorded in etcd (`regions/<region>/state`; docs/offset-translation.md, "Region
 * state"): whether it serves its own consumer groups or they were failed over to another region.
 */
export interface RegionStateStatus {
  /**
   * `active` (also for a region never failed over: no record), `failed-over`, `failing-back`, or
   * `unreadable` when the record could not be decoded (`error` says why).
   */
  state: string;
  /** failed-over and failing-back: the region running its groups meanwhile; else null. */
  toRegion: string | null;
  /** failed-over and failing-back: the groups moved out and not back yet, sorted; else []. */
  groups: string[];
  /** Since when (ISO-8601); null for a region never failed over. */
  since: string | null;
  /** The failover operation the record belongs to; null when none. */
  operation: string | null;
  /** Why the record could not be decoded; null when it was. */
  error: string | null;
}

/** One region of the mesh: its instances in etcd and what its node answered. */
export interface RegionStatus {
  region: string;
  /** Where its node is called (`node.advertise`, else `node.grpc`, of the topology). */
  grpcAddress: string;
  /** Instances registered in etcd; null when etcd could not be read. */
  instances: InstanceInfo[] | null;
  /** Its state recorded in etcd; null when etcd could not be read (or region states were not asked). */
  regionState: RegionStateStatus | null;
  /** Whether its node answered GetStatus. */
  isReachable: boolean;
  /** Its node's report when it answered, else null. */
  node: NodeStatus | null;
  /** Why it did not answer, else null. */
  error: string | null;
  /**
   * When the region shares work (its `node.workSharing`, or its node reports a share): every instance known to
   * share it (registered in etcd, or named a worker by a report), sorted by id, each with its share; null
   * when the region does not share work.
   */
  shares: InstanceShare[] | null;
}

/**
 * How a link is doing, for colours and summaries: `ok` (running, lag under the threshold), `lagging` (running,
 * lag at or above it), `halted` (some partition halted by policy), `incomplete` (some source partition read by
 * nobody), `down` (its node reports it not running), `unknown` (its target region's node did not answer, or
 * does not report the link).
 */
export type LinkHealth = 'ok' | 'lagging' | 'halted' | 'incomplete' | 'down' | 'unknown';

/** One declared link of the topology and its state as its target region's node reports it. */
export interface MeshLinkStatus {
  fromRegion: string;
  toRegion: string;
  health: LinkHealth;
  /** The state its node reports, or null when unknown. */
  state: string | null;
  /** The path its node reports (`pull`, `stream`), or null when unknown. */
  path: string | null;
  /** Times its node reports it changed path since it started, or null when unknown. */
  pathSwitches: number | null;
  /** WAN bytes its node received for it per byte it wrote, or null when unknown or nothing was written yet. */
  wanBytesPerWrittenByte: number | null;
  lagRecords: number | null;
  recordsPerSecond: number | null;
  /** Halted partitions, or null when unknown. */
  haltedPartitions: number | null;
  /** Source partitions nobody reads, halted ones apart, or null when unknown. */
  unreplicatedPartitions: number | null;
}

/** What etcd said about the mesh's members. */
export interface EtcdStatus {
  isReachable: boolean;
  /** Registered instances in the whole mesh (0 when unreachable). */
  instances: number;
  /** Why it could not be read, else null. */
  error: string | null;
  /** Why the region states could not be read; null when they were (or were not asked). */
  regionStatesError: string | null;
}

/** The mesh as seen from one place (the CLI or a node) at one moment. */
export interface MeshStatus {
  mesh: string;
  generatedAtMs: number;
  etcd: EtcdStatus;
  /** In the topology's order. */
  regions: RegionStatus[];
  /** Every link the topology declares, sorted by source then target region. */
  links: MeshLinkStatus[];
  /** True when every region's node answered. */
  isComplete: boolean;
}
