/**
 * The replicator of one inbound link X → R, built the same way on the main thread and in a worker thread
 * (node/workers): the link's tuning as compiled (node/config), its source and sink, the marks, the keys, and
 * what it tells the index.
 */
import type { InboundLinkConfig } from '../config/index.ts';
import type { FencedRecordSink, KafkaCluster } from '../kafka/index.ts';
import type { Logger } from '../log/index.ts';
import {
  LinkReplicator,
  type LinkObserver,
  type Origin,
  type OriginHighwater,
  type ProvenanceKeys,
  type RecordSink,
  type RecordSource,
} from '../replication/index.ts';
import { StreamRecordSource, type LinkPathObserver, type PeerRecordStreams } from '../stream/index.ts';
import type { LinkTuning } from '../workers/index.ts';

export interface InboundLinkInput {
  mesh: string;
  region: string;
  from: string;
  forwardsOrigin(origin: string): boolean;
  topics: readonly string[];
  tuning: LinkTuning;
  /** The consumer group the link reads its source through. */
  groupId: string;
  remote: KafkaCluster;
  /** Writes into the region's cluster (serialized per partition, fenced). */
  sink: RecordSink;
  highwater: OriginHighwater;
  provenanceKey: ProvenanceKeys;
  meshRegions: readonly string[] | undefined;
  onUnknownProvenanceKey: 'halt' | 'skip' | undefined;
  observer: LinkObserver;
  onAcked(topic: string, partition: number, baseOffset: number, origins: readonly Origin[]): void;
  resync(topic: string, partition: number): Promise<void>;
  /**
   * The source region's node, for a link with `transport: stream` (on a worker thread, through the main
   * thread's channel: workers/stream-relay.ts); absent: the link pulls.
   */
  peerStreams?: () => PeerRecordStreams | undefined;
  /** The path metrics of a streaming link (on a worker thread the main thread keeps them). */
  pathObserver?: LinkPathObserver;
  /** Which target partitions this replicator may read and write (work sharing, worker threads). */
  owns?: (topic: string, partition: number) => boolean;
  logger: Logger;
}

/**
 * The consumer group a link reads its source with: `geomesh.<mesh>.<region>.from.<source>`, and `.<member>`
 * when several readers of the same link share the region (a work-sharing instance, a worker thread).
 */
export function linkGroupId(mesh: string, region: string, from: string, member?: string): string {
  return `geomesh.${mesh}.${region}.from.${from}${member !== undefined ? `.${member}` : ''}`;
}

/**
 * The transactional id fencing writes into a target partition under work sharing (docs/work-sharing.md,
 * "Fencing"): `geomesh.<mesh>.<region>.fence.<topic>.<partition>`, the same on every instance of the region
 * and for every link writing the partition.
 */
export function fenceTransactionalId(mesh: string, region: string, topic: string, partition: number): string {
  return `geomesh.${mesh}.${region}.fence.${topic}.${partition}`;
}

/** The region's writer into the partitions it owns under work sharing, fenced at the broker per partition. */
export function fencedRegionSink(
  local: KafkaCluster,
  names: { mesh: string; region: string },
  mayFence: (topic: string, partition: number) => boolean,
  onFenced: () => void,
): FencedRecordSink {
  return local.fencedRecordSink({
    transactionalId: (topic, partition) => fenceTransactionalId(names.mesh, names.region, topic, partition),
    mayFence,
    onFenced,
  });
}

/** The link's replicator (not started). */
export function inboundLinkReplicator(input: InboundLinkInput): LinkReplicator {
  const { tuning, owns } = input;
  return new LinkReplicator({
    mesh: input.mesh,
    link: { from: input.from, to: input.region, forwardsOrigin: (o) => input.forwardsOrigin(o) },
    topics: [...input.topics],
    source: linkSource(input),
    sink: input.sink,
    highwater: input.highwater,
    provenanceKey: input.provenanceKey,
    ...(input.meshRegions && { meshRegions: new Set(input.meshRegions) }),
    ...(input.onUnknownProvenanceKey && { onUnknownProvenanceKey: input.onUnknownProvenanceKey }),
    logger: input.logger,
    observer: input.observer,
    onAcked: (topic, partition, baseOffset, origins) => input.onAcked(topic, partition, baseOffset, origins),
    resync: (topic, partition) => input.resync(topic, partition),
    onRecordTooLarge: tuning.onRecordTooLarge,
    onSourceTruncated: tuning.onSourceTruncated,
    maxBatchBytes: tuning.maxBatchBytes,
    maxInflightBytes: tuning.maxInflightBytes,
    ...(tuning.maxRecordsPerSecond !== null && { maxRecordsPerSecond: tuning.maxRecordsPerSecond }),
    truncationCheckIntervalMs: tuning.truncationCheckIntervalMs,
    retryBackoffMs: tuning.writeRetryBackoffMs,
    ...(owns && { ownership: { owns: (t: string, p: number) => owns(t, p) } }),
  });
}

/** Where the link reads X's records: X's cluster, or X's node's stream falling back to it. */
function linkSource(input: InboundLinkInput): RecordSource {
  const pull = () =>
    input.remote.recordSource({
      groupId: input.groupId,
      logger: input.logger,
      maxBytes: input.tuning.maxInflightBytes,
    });
  const { peerStreams } = input;
  if (input.tuning.transport !== 'stream' || !peerStreams) return pull();
  return new StreamRecordSource({
    from: input.from,
    to: input.region,
    openPull: pull,
    offsets: pull(),
    peer: peerStreams,
    pastOwnMark: (topic, partition) => {
      if (!input.forwardsOrigin(input.from)) return undefined;
      const mark = input.highwater.get(topic, partition, input.from);
      return mark >= 0 ? mark + 1 : undefined;
    },
    ...(input.pathObserver && { observer: input.pathObserver }),
    logger: input.logger,
  });
}

/** The link's tuning alone, to send to a worker thread. */
export function linkTuning(spec: InboundLinkConfig): LinkTuning {
  return {
    compression: spec.compression,
    maxBatchBytes: spec.maxBatchBytes,
    maxInflightBytes: spec.maxInflightBytes,
    maxRecordsPerSecond: spec.maxRecordsPerSecond,
    onSourceTruncated: spec.onSourceTruncated,
    onRecordTooLarge: spec.onRecordTooLarge,
    transport: spec.transport,
    truncationCheckIntervalMs: spec.truncationCheckIntervalMs,
    writeRetryBackoffMs: { ...spec.writeRetryBackoffMs },
  };
}
