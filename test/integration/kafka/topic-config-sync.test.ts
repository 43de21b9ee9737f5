/**
 * Topic config sync against two real single-broker clusters: `a` is the source region, `b` the target.
 * Both brokers default to `log.message.timestamp.type=LogAppendTime`, so a topic geomesh creates is CreateTime
 * only because mirrorTopic pins it. Every claim is checked by reading the target's configs back with
 * describeConfigs (values and where each comes from: topic override or default).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import kafkajs, { type ConfigSource as KafkaConfigSource, type Kafka } from 'kafkajs';
import { isGeomeshError } from '../../../base/index.ts';
import { createKafkaClient, mirrorTopic, syncTopicConfigs } from '../../../node/kafka/index.ts';
import { silentLogger } from '../../../node/log/index.ts';
import { TestEnvironment } from '../../harness/index.ts';

const { ConfigResourceTypes, ConfigSource } = kafkajs;
const names = { from: 'a', to: 'b' };

/** Every config of `topic`: value and source (ConfigSource). */
async function topicConfigs(
  kafka: Kafka,
  topic: string,
): Promise<Map<string, { value: string | null; source: KafkaConfigSource }>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const described = await admin.describeConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }],
      includeSynonyms: false,
    });
    return new Map(
      described.resources[0]!.configEntries.map((e) => [
        e.configName,
        { value: e.configValue, source: e.configSource },
      ]),
    );
  } finally {
    await admin.disconnect();
  }
}

/** The topic-level overrides of `topic`, as the broker reports them. */
async function overrides(kafka: Kafka, topic: string): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const [name, e] of await topicConfigs(kafka, topic)) {
    if (e.source === ConfigSource.TOPIC_CONFIG) out[name] = e.value;
  }
  return out;
}

/** Replaces the overrides of `topic` (legacy AlterConfigs) and waits until the broker shows them. */
async function setOverrides(kafka: Kafka, topic: string, configs: Record<string, string>): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: topic,
          configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })),
        },
      ],
    });
  } finally {
    await admin.disconnect();
  }
  const deadline = Date.now() + 10_000;
  for (;;) {
    const now = await overrides(kafka, topic);
    try {
      assert.deepEqual(now, configs);
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    await sleep(100);
  }
}

async function createTopic(
  kafka: Kafka,
  topic: string,
  partitions: number,
  configs: Record<string, string> = {},
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    assert.equal(
      await admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic,
            numPartitions: partitions,
            configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })),
          },
        ],
      }),
      true,
    );
  } finally {
    await admin.disconnect();
  }
}

describe('topic config sync between two real clusters', () => {
  let env: TestEnvironment;
  let source: Kafka;
  let target: Kafka;

  before(async () => {
    env = await TestEnvironment.start({
      kafka: ['a', 'b'],
      brokerProperties: { 'log.message.timestamp.type': 'LogAppendTime' },
    });
    const client = (name: string) =>
      createKafkaClient({
        brokers: env.cluster(name).bootstrapServers,
        clientId: `config-sync-${name}`,
        logger: silentLogger(),
      });
    source = client('a');
    target = client('b');
  });
  after(() => env?.stop());

  it('sets changed configs, resets ones the source dropped, keeps the target’s own, then reports no change', async () => {
    const topic = `sync-${randomUUID()}`;
    await createTopic(source, topic, 3, {
      'retention.ms': '3600000',
      'cleanup.policy': 'compact,delete',
      'max.message.bytes': '2097152',
    });
    assert.equal(await mirrorTopic(source, target, topic, names), 'created');
    assert.deepEqual(await overrides(target, topic), {
      'retention.ms': '3600000',
      'cleanup.policy': 'compact,delete',
      'max.message.bytes': '2097152',
      // Pinned although this broker defaults to LogAppendTime.
      'message.timestamp.type': 'CreateTime',
    });
    assert.deepEqual(await syncTopicConfigs(source, target, topic, names), {
      changed: {},
      targetTimestampType: 'CreateTime',
    });

    // The target's operator adds an unrelated override and one of a synced config the source leaves default.
    await setOverrides(target, topic, {
      ...(await overrides(target, topic)),
      'index.interval.bytes': '8192',
      'delete.retention.ms': '1000',
    });
    // The source changes retention, drops its max.message.bytes override and adds compression.
    await setOverrides(source, topic, {
      'retention.ms': '7200000',
      'cleanup.policy': 'compact,delete',
      'compression.type': 'zstd',
    });

    const result = await syncTopicConfigs(source, target, topic, names);
    assert.deepEqual(result, {
      changed: {
        'retention.ms': { from: '3600000', to: '7200000', action: 'set' },
        'delete.retention.ms': { from: '1000', to: '86400000', action: 'reset' },
        'compression.type': { from: 'producer', to: 'zstd', action: 'set' },
      },
      targetTimestampType: 'CreateTime',
    });
    assert.deepEqual(await overrides(target, topic), {
      'retention.ms': '7200000',
      'cleanup.policy': 'compact,delete',
      'compression.type': 'zstd',
      // at-least: the target keeps accepting the 2 MiB records the source took before it lowered the limit.
      'max.message.bytes': '2097152',
      'index.interval.bytes': '8192',
      'message.timestamp.type': 'CreateTime',
    });
    const all = await topicConfigs(target, topic);
    assert.deepEqual(all.get('delete.retention.ms'), {
      value: '86400000',
      source: ConfigSource.DEFAULT_CONFIG,
    });
    assert.deepEqual(all.get('retention.ms'), { value: '7200000', source: ConfigSource.TOPIC_CONFIG });
    assert.deepEqual(all.get('index.interval.bytes'), { value: '8192', source: ConfigSource.TOPIC_CONFIG });

    assert.deepEqual(await syncTopicConfigs(source, target, topic, names), {
      changed: {},
      targetTimestampType: 'CreateTime',
    });
    // The source is only read.
    assert.deepEqual(await overrides(source, topic), {
      'retention.ms': '7200000',
      'cleanup.policy': 'compact,delete',
      'compression.type': 'zstd',
    });
  });

  it('raises max.message.bytes to the source’s, never lowers it', async () => {
    const topic = `sync-max-${randomUUID()}`;
    await createTopic(source, topic, 1);
    assert.equal(await mirrorTopic(source, target, topic, names), 'created');
    await setOverrides(target, topic, {
      'message.timestamp.type': 'CreateTime',
      'max.message.bytes': '500000',
    });

    assert.deepEqual(await syncTopicConfigs(source, target, topic, names), {
      changed: { 'max.message.bytes': { from: '500000', to: '1048588', action: 'set' } },
      targetTimestampType: 'CreateTime',
    });
    assert.deepEqual(await overrides(target, topic), {
      'message.timestamp.type': 'CreateTime',
      'max.message.bytes': '1048588',
    });

    // An operator raised it in the target after a record-too-large halt: the sync must not undo that.
    await setOverrides(target, topic, {
      'message.timestamp.type': 'CreateTime',
      'max.message.bytes': '3000000',
    });
    assert.deepEqual((await syncTopicConfigs(source, target, topic, names)).changed, {});
    assert.equal((await overrides(target, topic))['max.message.bytes'], '3000000');
  });

  it('leaves an existing LogAppendTime target topic as it is and reports it; treats cleanup.policy as a set', async () => {
    const topic = `sync-lat-${randomUUID()}`;
    await createTopic(source, topic, 2, { 'cleanup.policy': 'compact,delete' });
    // Made by its operator, not by geomesh: follows the broker's LogAppendTime default.
    await createTopic(target, topic, 2, { 'cleanup.policy': 'delete,compact' });
    assert.equal(await mirrorTopic(source, target, topic, names), 'unchanged');

    assert.deepEqual(await syncTopicConfigs(source, target, topic, names), {
      changed: {},
      targetTimestampType: 'LogAppendTime',
    });
    assert.deepEqual(await overrides(target, topic), { 'cleanup.policy': 'delete,compact' });
    assert.deepEqual((await topicConfigs(target, topic)).get('message.timestamp.type'), {
      value: 'LogAppendTime',
      source: ConfigSource.STATIC_BROKER_CONFIG,
    });
  });

  it('refuses a topic missing in the source or in the target', async () => {
    const missing = `sync-none-${randomUUID()}`;
    await assert.rejects(syncTopicConfigs(source, target, missing, names), (err: unknown) => {
      assert.ok(isGeomeshError(err, 'GEOMESH_REPLICATION_TOPIC_MISMATCH'), String(err));
      assert.equal(err.details.region, 'a');
      return true;
    });
    const onlySource = `sync-src-${randomUUID()}`;
    await createTopic(source, onlySource, 1, { 'retention.ms': '60000' });
    await assert.rejects(syncTopicConfigs(source, target, onlySource, names), (err: unknown) => {
      assert.ok(isGeomeshError(err, 'GEOMESH_REPLICATION_TOPIC_MISMATCH'), String(err));
      assert.equal(err.details.region, 'b');
      assert.equal(err.details.topic, onlySource);
      return true;
    });
  });
});
