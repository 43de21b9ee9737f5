/**
 * Makes a topic exist in the target cluster like it is in the source: same name, same partition count, and
 * the configs that matter for replicated data. A partition count that cannot be matched (the target has
 * more) is an error for that topic, never silent re-partitioning.
 */
import kafkajs, { type Kafka } from 'kafkajs';
import { GeomeshError } from '../errors/index.ts';
import { translateKafkaError } from './kafka-client.ts';

const { ConfigResourceTypes } = kafkajs;

/** Topic configs copied from source to target when the target topic is created. */
export const SYNCED_TOPIC_CONFIGS = [
  'cleanup.policy',
  'retention.ms',
  'retention.bytes',
  'max.message.bytes',
  'compression.type',
  'min.compaction.lag.ms',
  'max.compaction.lag.ms',
  'delete.retention.ms',
  'segment.bytes',
] as const;

export interface TopicShape {
  partitions: number;
  configs: Record<string, string>;
}

/** Partition count and non-default synced configs of `topic`, or undefined when it does not exist. */
export async function describeTopic(kafka: Kafka, topic: string): Promise<TopicShape | undefined> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] }).catch((err: unknown) => {
      if ((err as { type?: string }).type === 'UNKNOWN_TOPIC_OR_PARTITION') return undefined;
      throw err;
    });
    const partitions = metadata?.topics[0]?.partitions.length;
    if (!partitions) return undefined;
    const described = await admin.describeConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: [...SYNCED_TOPIC_CONFIGS] }],
      includeSynonyms: false,
    });
    const configs: Record<string, string> = {};
    for (const e of described.resources[0]?.configEntries ?? []) {
      if (!e.isDefault && e.configValue !== null) configs[e.configName] = e.configValue;
    }
    return { partitions, configs };
  } catch (err) {
    throw translateKafkaError(err, `describing topic ${topic}`, { topic });
  } finally {
    await admin.disconnect();
  }
}

/**
 * Creates `topic` in the target with the source's shape when missing; adds partitions when the source has
 * more. Returns what was done.
 */
export async function mirrorTopic(
  source: Kafka,
  target: Kafka,
  topic: string,
  names: { from: string; to: string },
): Promise<'created' | 'partitions-added' | 'unchanged'> {
  const want = await describeTopic(source, topic);
  if (!want) {
    throw new GeomeshError(
      'GEOMESH_REPLICATION_TOPIC_MISMATCH',
      `topic ${topic} does not exist in ${names.from}`,
      {
        details: { topic, region: names.from },
      },
    );
  }
  const have = await describeTopic(target, topic);
  const admin = target.admin();
  await admin.connect();
  try {
    if (!have) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic,
            numPartitions: want.partitions,
            configEntries: Object.entries(want.configs).map(([name, value]) => ({ name, value })),
          },
        ],
      });
      return 'created';
    }
    if (have.partitions > want.partitions) {
      throw new GeomeshError(
        'GEOMESH_REPLICATION_TOPIC_MISMATCH',
        `topic ${topic} has ${have.partitions} partitions in ${names.to} but ${want.partitions} in ${names.from}: ` +
          `records keep their partition, so add partitions in ${names.from} (kafka-topics --alter --partitions ${have.partitions}) or exclude the topic from the link`,
        { details: { topic, region: names.to } },
      );
    }
    if (have.partitions < want.partitions) {
      await admin.createPartitions({ topicPartitions: [{ topic, count: want.partitions }] });
      return 'partitions-added';
    }
    return 'unchanged';
  } catch (err) {
    throw translateKafkaError(err, `mirroring topic ${topic} into ${names.to}`, { topic, region: names.to });
  } finally {
    await admin.disconnect();
  }
}

/** The cluster id a bootstrap address leads to (two regions must never name the same cluster). */
export async function fetchClusterId(kafka: Kafka): Promise<string> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.describeCluster()).clusterId;
  } catch (err) {
    throw translateKafkaError(err, 'describing the cluster');
  } finally {
    await admin.disconnect();
  }
}

/** Partition counts of `topics` that exist (missing topics are left out). */
export async function partitionCounts(kafka: Kafka, topics: readonly string[]): Promise<Map<string, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const wanted = topics.filter((t) => existing.has(t));
    if (wanted.length === 0) return new Map();
    const metadata = await admin.fetchTopicMetadata({ topics: wanted });
    return new Map(metadata.topics.map((t) => [t.name, t.partitions.length]));
  } catch (err) {
    throw translateKafkaError(err, 'reading partition counts');
  } finally {
    await admin.disconnect();
  }
}
