/**
 * What a region node is given: its region, keys, clusters (resolved from the topology by from-topology.ts)
 * and inbound links (compiled by node/config), and the optional parts (HTTP endpoint, translation, work
 * sharing).
 */
import type { PeerRecordStreams } from '../stream/index.ts';
import type { InboundLinkConfig, NodeSettings } from '../config/index.ts';
import type { KafkaClientOptions } from '../kafka/index.ts';
import type { Logger } from '../log/index.ts';
import type { HttpRoute, Registry } from '../observability/index.ts';
import type { PeerApi } from '../translation-service/index.ts';

/** How to reach one region's Kafka cluster (secrets already resolved). */
export type ClusterConnection = Omit<KafkaClientOptions, 'clientId' | 'logger'>;

export interface RegionNodeOptions {
  mesh: string;
  region: string;
  /** The key this node tags with (and verifies with). */
  provenanceKey: Buffer;
  /** More keys it verifies with (e.g. the previous or the next key of a rotation); default none. */
  acceptedProvenanceKeys?: readonly Buffer[];
  /** Every region of the mesh: an unverifiable origin claim naming none of them is an application's. */
  meshRegions?: readonly string[];
  /**
   * A record tagged by a mesh key this node does not hold that a link would have to write: `halt` its
   * partition (default) or `skip` it. Never written as a local record.
   */
  onUnknownProvenanceKey?: 'halt' | 'skip';
  clusters: Readonly<Record<string, ClusterConnection>>;
  /**
   * The node of region `from`, for its links with `transport: stream` (the supervisor's peer channels);
   * without it, or in worker threads, every link pulls.
   */
  peerStreams?: (from: string) => PeerRecordStreams | undefined;
  /** Its inbound links, every option given (compileNodeConfig, or compileLink for a link of its own). */
  inbound: readonly InboundLinkConfig[];
  logger: Logger;
  /** Where metrics go; default a registry of the node's own. */
  registry?: Registry;
  /**
   * Serve /metrics, /healthz and /readyz here (`port` 0 picks one), and the extra read-only `routes` (e.g.
   * the supervisor's status page); default: no HTTP endpoint.
   */
  http?: { host: string; port: number; routes?: Readonly<Record<string, HttpRoute>> };
  /**
   * How often links re-list the source's topics (selectors) and compare partition counts; default
   * NODE_DEFAULTS.topicRefreshMs.
   */
  topicRefreshMs?: number;
  /** How often the origin index is written to its topic; default NODE_DEFAULTS.indexFlushIntervalMs. */
  indexFlushIntervalMs?: number;
  /**
   * Worker threads the data path runs on, each owning a share of the target partitions (docs/work-sharing.md,
   * "Worker threads"); 1: the main thread; `auto` (NODE_DEFAULTS.workers): the cores available, or 1 while a
   * link streams. With `workSharing`, the workers split what the instance owns.
   */
  workers?: number | 'auto';
  /**
   * Where the partitions sit among the workers (worker-placement.ts): `adaptive` gathers them on one worker at
   * a low rate and spreads them when it is busy (false: they stay spread); and the policy's thresholds.
   * Each field defaults to NODE_DEFAULTS.workerPlacement's.
   */
  workerPlacement?: Partial<NodeSettings['workerPlacement']>;
  /** Work sharing fenced at the broker per target partition; default NODE_DEFAULTS.fenceAtBroker. */
  fenceAtBroker?: boolean;
  /** How often a worker sends its counters and metrics; default NODE_DEFAULTS.workerReportMs. */
  workerReportMs?: number;
  /** How long a stop waits for work it may drop (node/lifecycle); default NODE_DEFAULTS.stopGraceMs. */
  stopGraceMs?: NodeSettings['stopGraceMs'];
  /** Offset translation: serve it (and checkpoint this region's groups) when given. */
  translation?: RegionTranslationOptions;
  /**
   * Work sharing among several instances of the region (docs/work-sharing.md): when given, the node owns no
   * target partition until `acquirePartitions`, reads and writes only those it owns, and writes only while
   * `isLeaseValid()` says the lease fencing its ownership is certainly alive.
   */
  workSharing?: RegionWorkSharing;
}

/** What a node sharing its region's work needs from the ownership that drives it. */
export interface RegionWorkSharing {
  /** This instance's id: its source consumer groups are its own. */
  instanceId: string;
  /** True while the lease behind every owner key of this instance is certainly alive (checked per write). */
  isLeaseValid(): boolean;
  /**
   * How much longer, in ms, the lease stays certainly alive less the safety margin (0 when `isLeaseValid()`
   * is false): the deadline worker threads are given. Absent: a valid lease is published a short horizon
   * ahead (worker-share.ts).
   */
  leaseCertainForMs?(): number;
  /** The instance owning a target partition as last seen in etcd, or undefined (coverage audit). */
  ownerOf?(topic: string, partition: number): string | undefined;
}

/** What the node needs to translate offsets with the rest of the mesh. */
export interface RegionTranslationOptions {
  /** Every region of the mesh. */
  regions: readonly string[];
  /** The peer API of a region's node, or undefined when none is known. */
  peer(region: string): PeerApi | undefined;
  /** Groups of this region whose frontiers are checkpointed and pushed to peers. */
  isCheckpointedGroup(group: string): boolean;
  /** Groups of another region whose translated offsets are committed here (group offset sync). */
  isSyncedGroup?(region: string, group: string): boolean;
  /** How often this region's groups are checkpointed; default NODE_DEFAULTS.checkpointIntervalMs. */
  checkpointIntervalMs?: number;
}
