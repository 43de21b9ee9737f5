/**
 * Makes a topic exist in the target cluster like it is in the source: same name, same partition count, and
 * the configs that matter for replicated data, kept in step afterwards by `syncTopicConfigs`. A partition
 * count that cannot be matched (the target has more) is an error for that topic, never silent
 * re-partitioning. Which configs are synced, and why, is explained in docs/topic-configs.md.
 */
import kafkajs, { type Admin, type Kafka } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import { GeomeshError } from '../../base/index.ts';
import { translateKafkaError } from './kafka-client.ts';

const { ConfigResourceTypes } = kafkajs;

/**
 * How a target topic's value of a synced config must relate to the source topic's:
 *
 * - `equal`: a value the source sets (topic override or broker setting) is copied; a value the source leaves
 *   at Kafka's default is not pinned, and a target topic override of it is removed.
 * - `at-least`: the target's value (a number) is raised to the source's when lower, never lowered.
 */
export type TopicConfigRule = 'equal' | 'at-least';

/**
 * The topic configs geomesh keeps in step from source to target, with their rule. This table is the single
 * source of truth; docs/topic-configs.md says why each is here, and why the others are not (a unit test
 * checks the two agree).
 */
export const TOPIC_CONFIG_RULES = Object.freeze({
  // Which records exist in the target, and for how long: the same as in the source.
  'cleanup.policy': 'equal',
  'retention.ms': 'equal',
  'retention.bytes': 'equal',
  'delete.retention.ms': 'equal',
  'min.compaction.lag.ms': 'equal',
  'max.compaction.lag.ms': 'equal',
  // Retention and compaction only act on closed segments: these bound when they can.
  'segment.bytes': 'equal',
  'segment.ms': 'equal',
  'compression.type': 'equal',
  // Every record the source accepted must fit: raised with the source, never lowered (records written under
  // a higher limit stay in the source log, and an operator may raise it in the target after a halt).
  'max.message.bytes': 'at-least',
} as const satisfies Record<string, TopicConfigRule>);

export type SyncedTopicConfig = keyof typeof TOPIC_CONFIG_RULES;

/** Names of the synced topic configs (the keys of TOPIC_CONFIG_RULES). */
export const SYNCED_TOPIC_CONFIGS: readonly SyncedTopicConfig[] = Object.freeze(
  Object.keys(TOPIC_CONFIG_RULES) as SyncedTopicConfig[],
);

/**
 * Pinned to `CreateTime` on every topic geomesh creates, whatever the target cluster's default: with
 * `LogAppendTime` the target broker would overwrite the timestamp of every replicated record with the time
 * it was copied. On a topic that already exists it is the operator's: never changed, only reported.
 */
export const TIMESTAMP_TYPE_CONFIG = 'message.timestamp.type';

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
 * Waits until the offsets of every partition of a topic just created (or grown) can be read: a loaded broker
 * can answer for a moment that it does not know the topic, or is not the leader of a new partition, and
 * whoever reads them next (the log-tail scan) must not fail for it. Retriable errors are retried for up to
 * `timeoutMs`.
 */
async function untilOffsetsReadable(
  admin: Admin,
  topic: string,
  partitions: number,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await admin.fetchTopicOffsets(topic)).length >= partitions) return;
    } catch (err) {
      if (!(err as { retriable?: boolean }).retriable || Date.now() > deadline) throw err;
    }
    if (Date.now() > deadline) return;
    await sleep(100);
  }
}

/**
 * Creates `topic` in the target with the source's shape when missing (partition count, the synced configs
 * the source sets, and `message.timestamp.type=CreateTime`); adds partitions when the source has more.
 * Returns what was done. Configs of a topic that already exists are kept in step by syncTopicConfigs.
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
      // Not kafkajs' waitForLeaders: it fails at once when a loaded broker does not list the new topic yet
      // (UNKNOWN_TOPIC_OR_PARTITION); untilOffsetsReadable below waits for leaders and retries that too.
      await admin.createTopics({
        waitForLeaders: false,
        topics: [
          {
            topic,
            numPartitions: want.partitions,
            configEntries: [
              ...Object.entries(want.configs).map(([name, value]) => ({ name, value })),
              { name: TIMESTAMP_TYPE_CONFIG, value: 'CreateTime' },
            ],
          },
        ],
      });
      await untilOffsetsReadable(admin, topic, want.partitions);
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
      await untilOffsetsReadable(admin, topic, want.partitions);
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
