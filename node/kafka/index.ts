/**
 * Kafka adapter: the only folder that imports kafkajs. It registers the codecs kafkajs lacks,
 * bridges its logs, and translates its errors into GeomeshError.
 */
export {
  createKafkaClient,
  registerCodecs,
  translateKafkaError,
  type KafkaClientOptions,
  type KafkaSaslOptions,
} from './kafka-client.ts';
export { gatedSocketFactory, type ProduceGate } from './produce-gate.ts';
export { openKafkaClients } from './open-clients.ts';
export {
  decodeSnappyXerial,
  encodeSnappyXerial,
  lz4Codec,
  snappyCodec,
  zstdCodec,
  type KafkaCodec,
} from './codecs.ts';
export { bridgeKafkaLogs, kafkaLogLevelFor } from './kafka-logging.ts';
export { KafkaRecordSource } from './kafka-record-io.ts';
export { readPartitionRanges } from './range-read.ts';
export { KafkaRecordSink, type SinkCompression } from './kafka-record-sink.ts';
export { FencedRecordSink, type FencedRecordSinkOptions } from './fenced-record-sink.ts';
export {
  SYNCED_TOPIC_CONFIGS,
  TIMESTAMP_TYPE_CONFIG,
  TOPIC_CONFIG_RULES,
  describeTopic,
  fetchClusterId,
  mirrorTopic,
  partitionCounts,
  type SyncedTopicConfig,
  type TopicConfigRule,
  type TopicShape,
} from './topic-mirror.ts';
export {
  planTopicConfigSync,
  syncTopicConfigs,
  type TopicConfigChange,
  type TopicConfigEntry,
  type TopicConfigSyncPlan,
  type TopicConfigSyncResult,
} from './topic-config-sync.ts';
export { CompactedTopicWriter, ensureCompactedTopic, readCompactedTopic } from './compacted-topic.ts';
export {
  ClusterOffsets,
  commitGroupOffsets,
  type CommittedOffset,
  type PartitionRange,
} from './group-offsets.ts';
export { KafkaCluster, type LinkNames, type PartitionBounds } from './kafka-cluster.ts';
