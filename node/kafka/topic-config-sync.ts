/**
 * Keeps the synced configs of a replicated topic in step with its source (docs/topic-configs.md): reads both
 * topics' configs, plans what to set or reset by each config's rule (`TOPIC_CONFIG_RULES`), applies the plan
 * and reads it back until the target shows it.
 */
import kafkajs, { type Admin, type ConfigSource as KafkaConfigSource, type Kafka } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import { GeomeshError, type ErrorDetails } from '../../base/index.ts';
import { translateKafkaError } from './kafka-client.ts';
import {
  SYNCED_TOPIC_CONFIGS,
  TIMESTAMP_TYPE_CONFIG,
  TOPIC_CONFIG_RULES,
  type SyncedTopicConfig,
} from './topic-mirror.ts';

const { ConfigResourceTypes, ConfigSource } = kafkajs;

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
