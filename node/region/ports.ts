/**
 * What the parts of a region node need of the region's own Kafka cluster: small interfaces of our own, so
 * each part is tested with a fake and the node passes the Kafka adapter's `KafkaCluster`, which has them all.
 */
import type { SourceRecord } from '../replication/index.ts';

/** A partition's log start and end (the offset the next record gets). */
export interface PartitionBounds {
  partition: number;
  low: number;
  high: number;
}

/** What index keeping reads and writes: the target partitions' tails and the index topic. */
export interface IndexCluster {
  topicOffsets(topic: string): Promise<PartitionBounds[]>;
  /** Reads `topic`'s partitions from the given offsets to their ends at call time. */
  readRanges(
    topic: string,
    from: ReadonlyMap<number, number>,
    onRecord: (record: SourceRecord) => void,
  ): Promise<void>;
  ensureCompactedTopic(topic: string): Promise<void>;
  readCompactedTopic(topic: string): Promise<Map<string, string | null>>;
  compactedTopicWriter(topic: string): IndexTopicWriter;
}

export interface IndexTopicWriter {
  write(records: readonly { key: string; value: string | null }[]): Promise<void>;
  stop(): Promise<void>;
}

/** The partition counts of topics (those that exist). */
export interface PartitionCounter {
  partitionCounts(topics: readonly string[]): Promise<Map<string, number>>;
}

/** The two regions a topic is copied between, for messages. */
export interface LinkNames {
  from: string;
  to: string;
}

/** What a link needs of its source cluster beyond its record source. */
export interface SourceCluster extends PartitionCounter {
  listTopics(): Promise<string[]>;
}

/** What topic refresh needs of the region's own cluster, given source clusters of type `S`. */
export interface MirrorTarget<S> extends PartitionCounter {
  /** Creates `topic` here like it is in `source`, or adds the partitions `source` has more of. */
  mirrorTopicFrom(source: S, topic: string, names: LinkNames): Promise<unknown>;
  /** Brings the synced configs of `topic` here in step with `source`. */
  syncTopicConfigsFrom(
    source: S,
    topic: string,
    names: LinkNames,
  ): Promise<{ changed: Record<string, unknown>; targetTimestampType: string | null }>;
}
