/**
 * Makes a topic exist in the target cluster like it is in the source: same name, same partition count, and
 * the configs that matter for replicated data, kept in step afterwards by `syncTopicConfigs`. A partition
 * count that cannot be matched (the target has more) is an error for that topic, never silent
 * re-partitioning. Which configs are synced, and why, is explained in docs/topic-configs.md.
 */
import kafkajs, { type Admin, type ConfigSource as KafkaConfigSource, type Kafka } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import { GeomeshError, type ErrorDetails } from '../../base/index.ts';
import { translateKafkaError } from './kafka-client.ts';

const { ConfigResourceTypes, ConfigSource } = kafkajs;

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

/** One config of a topic as its cluster describes it. */
export interface TopicConfigEntry {
  /** Its effective value; null when the broker hides it (a sensitive config). */
  value: string | null;
  /** Where the value comes from: the topic's own override, a broker setting, Kafka's default, or unknown. */
  origin: 'topic' | 'broker' | 'default' | 'unknown';
}

/** What a config sync writes: the target topic's complete override set and the synced configs it changes. */
export interface TopicConfigSyncPlan {
  /** Every topic override the target topic must have afterwards (AlterConfigs replaces the whole set). */
  overrides: Map<string, string>;
  /** Synced configs whose target value changes: `set` to the source's value, or `reset` (override removed). */
  changes: Map<SyncedTopicConfig, 'set' | 'reset'>;
}

/** How the target topic's synced config changed in one sync. */
export interface TopicConfigChange {
  /** The target topic's effective value before. */
  from: string | null;
  /** Its effective value after, as read back from the target. */
  to: string | null;
  /** `set`: a topic override now carries the source's value; `reset`: the override was removed. */
  action: 'set' | 'reset';
}

export interface TopicConfigSyncResult {
  /** The synced configs that changed in the target; empty when it already matched. */
  changed: Partial<Record<SyncedTopicConfig, TopicConfigChange>>;
  /**
   * The target topic's `message.timestamp.type`. `LogAppendTime` means the target broker overwrites the
   * timestamp of every replicated record; it is left to the operator, so a caller should warn about it.
   */
  targetTimestampType: string | null;
}

/** Configs whose value is a comma-separated set: `compact,delete` equals `delete,compact`. */
const LIST_CONFIGS: ReadonlySet<string> = new Set(['cleanup.policy']);

function sameConfigValue(name: string, a: string, b: string): boolean {
  if (!LIST_CONFIGS.has(name)) return a === b;
  const items = (v: string) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .sort()
      .join(',');
  return items(a) === items(b);
}

function originOf(source: KafkaConfigSource): TopicConfigEntry['origin'] {
  switch (source) {
    case ConfigSource.TOPIC_CONFIG:
      return 'topic';
    case ConfigSource.DEFAULT_CONFIG:
      return 'default';
    case ConfigSource.UNKNOWN:
      return 'unknown';
    default:
      return 'broker';
  }
}

/** Configs of `topic` (all of them, or only `configNames`), or undefined when the topic does not exist. */
async function readTopicConfigs(
  admin: Admin,
  topic: string,
  configNames: readonly string[] = [],
): Promise<Map<string, TopicConfigEntry> | undefined> {
  let described;
  try {
    described = await admin.describeConfigs({
      // An empty list asks for every config.
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: [...configNames] }],
      includeSynonyms: false,
    });
  } catch (err) {
    if ((err as { type?: string }).type === 'UNKNOWN_TOPIC_OR_PARTITION') return undefined;
    throw err;
  }
  const configs = new Map<string, TopicConfigEntry>();
  for (const e of described.resources[0]?.configEntries ?? []) {
    configs.set(e.configName, { value: e.configValue ?? null, origin: originOf(e.configSource) });
  }
  return configs;
}

/** The topic overrides among `configs`. */
function overridesOf(configs: ReadonlyMap<string, TopicConfigEntry>): Map<string, string | null> {
  const overrides = new Map<string, string | null>();
  for (const [name, e] of configs) if (e.origin === 'topic') overrides.set(name, e.value);
  return overrides;
}

/**
 * Decides how to bring the target topic's synced configs in line with the source's (pure; see
 * TopicConfigRule), keeping every other override of the target topic as it is. Refuses a target whose
 * overrides cannot all be read back (hidden values, unknown origins): AlterConfigs would silently drop them.
 */
export function planTopicConfigSync(
  source: ReadonlyMap<string, TopicConfigEntry>,
  target: ReadonlyMap<string, TopicConfigEntry>,
  where: { topic: string; region: string },
): TopicConfigSyncPlan {
  const overrides = new Map<string, string>();
  for (const [name, e] of target) {
    if (e.origin === 'unknown' || (e.origin === 'topic' && e.value === null)) {
      throw new GeomeshError(
        'GEOMESH_REPLICATION_TOPIC_MISMATCH',
        `topic ${where.topic} in ${where.region}: cannot sync its configs, ${name} ` +
          (e.value === null ? 'is hidden by the broker' : 'comes from an unknown source') +
          ` and AlterConfigs would drop it; sync this topic's configs by hand (kafka-configs --alter)`,
        { details: { ...where, config: name } },
      );
    }
    if (e.origin === 'topic' && e.value !== null) overrides.set(name, e.value);
  }
  const changes = new Map<SyncedTopicConfig, 'set' | 'reset'>();
  for (const name of SYNCED_TOPIC_CONFIGS) {
    const want = source.get(name);
    const have = target.get(name);
    // A config one of the two Kafka versions does not know is left alone: it cannot be compared or written.
    if (!want || !have || want.value === null) continue;
    if (TOPIC_CONFIG_RULES[name] === 'at-least') {
      if (have.value === null || Number(have.value) < Number(want.value)) {
        overrides.set(name, want.value);
        changes.set(name, 'set');
      }
    } else if (want.origin === 'default') {
      // The source follows Kafka's default: the target follows its own cluster's, without a topic override.
      if (have.origin === 'topic') {
        overrides.delete(name);
        changes.set(name, 'reset');
      }
    } else if (have.value === null || !sameConfigValue(name, want.value, have.value)) {
      overrides.set(name, want.value);
      changes.set(name, 'set');
    }
  }
  return { overrides, changes };
}

/** How long a sync waits for the target to show what it wrote (KRaft brokers apply config changes async). */
const VERIFY_TIMEOUT_MS = 5_000;
const VERIFY_INTERVAL_MS = 100;

/** Reads the target topic's configs until its overrides are exactly `expected`; throws after a while. */
async function awaitOverrides(
  admin: Admin,
  topic: string,
  expected: ReadonlyMap<string, string>,
  region: string,
): Promise<Map<string, TopicConfigEntry>> {
  const deadline = Date.now() + VERIFY_TIMEOUT_MS;
  for (;;) {
    const configs = (await readTopicConfigs(admin, topic)) ?? new Map<string, TopicConfigEntry>();
    const actual = overridesOf(configs);
    const differences: string[] = [];
    for (const name of new Set([...expected.keys(), ...actual.keys()])) {
      const wrote = expected.get(name);
      const reads = actual.get(name);
      if (
        wrote === undefined ||
        reads === undefined ||
        reads === null ||
        !sameConfigValue(name, wrote, reads)
      ) {
        differences.push(`${name}: wrote ${wrote ?? 'no override'}, reads ${reads ?? 'no override'}`);
      }
    }
    if (differences.length === 0) return configs;
    if (Date.now() >= deadline) {
      throw new GeomeshError(
        'GEOMESH_REPLICATION_TOPIC_MISMATCH',
        `topic ${topic} in ${region}: after AlterConfigs its overrides are not what was written ` +
          `(${differences.join('; ')}): another writer changed them meanwhile? The next sync reads them again`,
        { retryable: true, details: { topic, region } },
      );
    }
    await sleep(VERIFY_INTERVAL_MS);
  }
}

/**
 * Makes the synced configs of `topic` in the target what they are in the source (rules: TOPIC_CONFIG_RULES;
 * reasons: docs/topic-configs.md), for a topic that exists in both. Other configs of the target topic are
 * kept. Idempotent: a second call reports no change.
 *
 * kafkajs 2.2.4 has only the legacy AlterConfigs, which replaces a topic's whole override set (it has no
 * IncrementalAlterConfigs). So this reads every config of the target topic, writes back all of its topic
 * overrides with the synced ones changed, then reads again until the broker shows exactly that set. Between
 * the read and the write (one round trip) a concurrent change to the same topic by someone else would be
 * overwritten; a change made after the write makes the check fail with a retryable error.
 *
 * Errors: GEOMESH_REPLICATION_TOPIC_MISMATCH when the topic is missing in either cluster or the target's
 * configs cannot be synced safely; Kafka errors (e.g. a value the target's Kafka version refuses) as
 * translated by translateKafkaError.
 */
export async function syncTopicConfigs(
  source: Kafka,
  target: Kafka,
  topic: string,
  names: { from: string; to: string },
): Promise<TopicConfigSyncResult> {
  const want = await withAdmin(
    source,
    () => `reading configs of topic ${topic} in ${names.from}`,
    { topic, region: names.from },
    (admin) => readTopicConfigs(admin, topic, SYNCED_TOPIC_CONFIGS),
  );
  if (!want) {
    throw new GeomeshError(
      'GEOMESH_REPLICATION_TOPIC_MISMATCH',
      `topic ${topic} does not exist in ${names.from}`,
      {
        details: { topic, region: names.from },
      },
    );
  }
  let doing = `reading configs of topic ${topic} in ${names.to}`;
  return withAdmin(
    target,
    () => doing,
    { topic, region: names.to },
    async (admin) => {
      const before = await readTopicConfigs(admin, topic);
      if (!before) {
        throw new GeomeshError(
          'GEOMESH_REPLICATION_TOPIC_MISMATCH',
          `topic ${topic} does not exist in ${names.to}: mirror it first (mirrorTopic)`,
          { details: { topic, region: names.to } },
        );
      }
      const plan = planTopicConfigSync(want, before, { topic, region: names.to });
      if (plan.changes.size === 0) {
        return { changed: {}, targetTimestampType: before.get(TIMESTAMP_TYPE_CONFIG)?.value ?? null };
      }
      const summary = [...plan.changes]
        .map(([name, action]) => (action === 'set' ? `${name}=${plan.overrides.get(name)}` : `${name} reset`))
        .join(', ');
      doing = `syncing configs of topic ${topic} from ${names.from} into ${names.to} (${summary})`;
      await admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: topic,
            configEntries: [...plan.overrides].map(([name, value]) => ({ name, value })),
          },
        ],
      });
      const after = await awaitOverrides(admin, topic, plan.overrides, names.to);
      const changed: TopicConfigSyncResult['changed'] = {};
      for (const [name, action] of plan.changes) {
        changed[name] = { from: before.get(name)?.value ?? null, to: after.get(name)?.value ?? null, action };
      }
      return { changed, targetTimestampType: after.get(TIMESTAMP_TYPE_CONFIG)?.value ?? null };
    },
  );
}

/** Runs `work` with a connected admin client of `kafka`, translating its errors (`doing` names the step). */
async function withAdmin<T>(
  kafka: Kafka,
  doing: () => string,
  details: ErrorDetails,
  work: (admin: Admin) => Promise<T>,
): Promise<T> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    return await work(admin);
  } catch (err) {
    throw translateKafkaError(err, doing(), details);
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
