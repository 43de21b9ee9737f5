/**
 * A node's own status from a snapshot of its parts (links and their counters, translation service, origin
 * index, registration). Pure: the caller reads the parts and passes the time; rates come from a RateTracker
 * the caller feeds with `sampleLinkRates` at its sampling interval.
 */
import type { RateTracker } from './rate-tracker.ts';
import type { HaltedPartition, LinkStatus, NodeStatus, PeerStatus } from './status-types.ts';

/** What the status needs of one running link (a LinkReplicator fits). */
export interface LinkSnapshot {
  readonly from: string;
  readonly to: string;
  readonly state: string;
  readonly stats: {
    readonly recordsWritten: number;
    /** Per source partition `topic/partition`: records behind. */
    readonly lagRecords: ReadonlyMap<string, number>;
    /** Halted source partitions `topic/partition` → why. */
    readonly halted: ReadonlyMap<string, string>;
  };
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
  /** When the last checkpoint round ended (ms since the epoch); 0 when there was none. */
  lastCheckpointMs: number;
  indexRuns: number;
  /** The node's heartbeats to its peers (reported as they are). */
  peers: readonly PeerStatus[];
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

function linkStatus(link: LinkSnapshot, rates: RateTracker): LinkStatus {
  let lagRecords = 0;
  for (const lag of link.stats.lagRecords.values()) lagRecords += lag;
  return {
    fromRegion: link.from,
    toRegion: link.to,
    state: link.state,
    lagRecords,
    recordsPerSecond: rates.rate(linkKey(link.from, link.to)),
    recordsWritten: link.stats.recordsWritten,
    halted: [...link.stats.halted]
      .map(([key, reason]) => haltedPartition(key, reason))
      .sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1)),
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
      .map((l) => linkStatus(l, rates))
      .sort((a, b) => (a.fromRegion < b.fromRegion ? -1 : a.fromRegion > b.fromRegion ? 1 : 0)),
    lastCheckpointAgeMs: snapshot.lastCheckpointMs > 0 ? Math.max(0, nowMs - snapshot.lastCheckpointMs) : -1,
    indexRuns: snapshot.indexRuns,
    peers: [...snapshot.peers].sort((a, b) => (a.region < b.region ? -1 : a.region > b.region ? 1 : 0)),
  };
}
