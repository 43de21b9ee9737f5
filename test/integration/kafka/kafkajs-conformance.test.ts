/**
 * kafkajs against the pinned Kafka, through geomesh's Kafka adapter: record fidelity, idempotent and
 * transactional producers, every compression codec both ways through the broker, and the admin calls
 * geomesh relies on. Each claim is checked against what the broker returns or wrote to disk.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import kafkajs, { type Consumer, type IHeaders, type Kafka, type KafkaMessage, type Message } from 'kafkajs';
import { ClusterOffsets, createKafkaClient, readPartitionRanges } from '../../../node/kafka/index.ts';
import { silentLogger } from '../../../node/log/index.ts';
import type { LocalKafkaCluster } from '../../harness/index.ts';
import { kafkaLibDir, PROJECT_ROOT, TestEnvironment } from '../../harness/index.ts';
import { readDiskBatches } from '../../support/kafka-wire.ts';

const { CompressionTypes, ConfigResourceTypes } = kafkajs;
const execFileAsync = promisify(execFile);
const ensureKafkaJarsClasspath = (): string => join(kafkaLibDir(), '*');

interface Received {
  partition: number;
  offset: string;
  message: KafkaMessage;
}

/** Reads `count` records of `topic` from the beginning with a fresh group; fails after `timeoutMs`. */
async function consumeAll(
  kafka: Kafka,
  topic: string,
  count: number,
  options: { readUncommitted?: boolean; timeoutMs?: number } = {},
): Promise<Received[]> {
  const consumer: Consumer = kafka.consumer({
    groupId: `g-${randomUUID()}`,
    readUncommitted: options.readUncommitted ?? false,
    maxWaitTimeInMs: 200,
  });
  const received: Received[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`consumed ${received.length} of ${count} records of ${topic}`)),
        options.timeoutMs ?? 30_000,
      );
      void consumer
        .run({
          eachMessage: ({ partition, message }) => {
            received.push({ partition, offset: message.offset, message });
            if (received.length >= count) {
              clearTimeout(timer);
              resolve();
            }
            return Promise.resolve();
          },
        })
        .catch(reject);
    });
    // Give a moment for records beyond `count` (which would be a bug) to arrive.
    await new Promise((r) => setTimeout(r, 500));
  } finally {
    await consumer.disconnect();
  }
  return received;
}

function asBuffer(v: Buffer | string | null | undefined): Buffer | null {
  if (v === null || v === undefined) return null;
  return Buffer.isBuffer(v) ? v : Buffer.from(v);
}

/**
 * Runs `consumer` (subscribed) until it has read a record of each of `partitions` partitions: the offset of
 * the first record read in each. `after` names what it resumes after, for the timeout's message.
 */
function firstOffsets(
  consumer: Consumer,
  partitions: number,
  after: string,
  autoCommit: boolean,
): Promise<Map<number, string>> {
  const firsts = new Map<number, string>();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no records after ${after}`)), 30_000);
    void consumer.run({
      autoCommit,
      eachMessage: ({ partition, message }) => {
        if (!firsts.has(partition)) firsts.set(partition, message.offset);
        if (firsts.size === partitions) {
          clearTimeout(timer);
          resolve(firsts);
        }
        return Promise.resolve();
      },
    });
  });
}

describe('kafkajs conformance against the pinned Kafka', () => {
  let env: TestEnvironment;
  let kafka: Kafka;
  let cluster: LocalKafkaCluster;

  before(async () => {
    env = await TestEnvironment.start({ kafka: ['a'] });
    cluster = env.cluster('a') as LocalKafkaCluster;
    kafka = createKafkaClient({
      brokers: cluster.bootstrapServers,
      clientId: 'conformance',
      logger: silentLogger(),
    });
  });
  after(() => env?.stop());

  async function createTopic(
    topic: string,
    partitions = 1,
    configEntries: { name: string; value: string }[] = [],
  ) {
    const admin = kafka.admin();
    await admin.connect();
    try {
      assert.equal(
        await admin.createTopics({
          topics: [{ topic, numPartitions: partitions, configEntries }],
          waitForLeaders: true,
        }),
        true,
      );
    } finally {
      await admin.disconnect();
    }
  }

  it('round-trips 1,000 records byte for byte: headers (repeated keys, binary), null keys, tombstones, timestamps', async () => {
    const topic = `fidelity-${randomUUID()}`;
    await createTopic(topic, 3);
    const sent: Message[] = [];
    const baseTs = Date.now() - 86_400_000;
    for (let i = 0; i < 1000; i++) {
      const headers: IHeaders = {
        trace: [`t-${i}-first`, `t-${i}-second`], // two headers with the same key
        bin: randomBytes(16), // binary value, any bytes
      };
      sent.push({
        partition: i % 3,
        key: i % 10 === 0 ? null : randomBytes(1 + (i % 40)),
        value: i % 7 === 0 ? null : randomBytes(i % 300),
        headers,
        timestamp: String(baseTs + i),
      });
    }
    const producer = kafka.producer();
    await producer.connect();
    for (let i = 0; i < sent.length; i += 100)
      await producer.send({ topic, messages: sent.slice(i, i + 100) });
    await producer.disconnect();

    const got = await consumeAll(kafka, topic, 1000);
    assert.equal(got.length, 1000);
    // Records of one partition come back in the order sent; match them up by partition and position.
    for (const partition of [0, 1, 2]) {
      const want = sent.filter((m) => m.partition === partition);
      const have = got
        .filter((r) => r.partition === partition)
        .sort((a, b) => Number(a.offset) - Number(b.offset));
      assert.equal(have.length, want.length, `partition ${partition} count`);
      have.forEach(({ message }, i) => {
        const w = want[i]!;
        assert.deepEqual(message.key, asBuffer(w.key as Buffer | null), `key ${partition}/${i}`);
        assert.deepEqual(message.value, asBuffer(w.value as Buffer | null), `value ${partition}/${i}`);
        assert.equal(message.timestamp, w.timestamp);
        const h = message.headers!;
        assert.deepEqual(
          (h['trace'] as Buffer[]).map((b) => b.toString()),
          (w.headers!['trace'] as string[]).map(String),
        );
        assert.deepEqual(h['bin'], w.headers!['bin']);
      });
    }
    assert.equal(got.filter((r) => r.message.key === null).length, 100, 'null keys kept');
    assert.equal(got.filter((r) => r.message.value === null).length, 143, 'tombstones kept');
  });

  it('documents a fidelity loss: header order across different keys is not kept by kafkajs', async () => {
    const topic = `header-order-${randomUUID()}`;
    await createTopic(topic);
    // Kafka's Java client writes b=1, a=2, b=3, 9=4 in that order on the wire.
    await execFileAsync('java', [
      '-Xmx128m',
      '-cp',
      ensureKafkaJarsClasspath(),
      join(PROJECT_ROOT, 'test', 'support', 'java', 'InterleavedHeadersProducer.java'),
      cluster.bootstrapServers[0]!,
      topic,
    ]);
    const [record] = await consumeAll(kafka, topic, 1);
    const order = Object.entries(record!.message.headers!).flatMap(([k, v]) =>
      (Array.isArray(v) ? v : [v]).map((x) => `${k}=${String(x)}`),
    );
    // kafkajs groups values by key and JavaScript puts integer-like keys first: values and per-key order
    // survive, the interleaving does not.
    assert.deepEqual(order, ['9=4', 'b=1', 'b=3', 'a=2']);
  });

  it('idempotent producer: records land once, in order, under a real producer id', async () => {
    const topic = `idempotent-${randomUUID()}`;
    await createTopic(topic);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (let i = 0; i < 10; i++) {
      await producer.send({
        topic,
        messages: Array.from({ length: 50 }, (_, j) => ({ value: String(i * 50 + j) })),
      });
    }
    await producer.disconnect();
    const got = await consumeAll(kafka, topic, 500);
    assert.deepEqual(
      got.map((r) => Number(r.message.value!.toString())),
      Array.from({ length: 500 }, (_, i) => i),
    );
    const batches = readDiskBatches(cluster.partitionDir(topic, 0));
    assert.ok(batches.length >= 10);
    for (const b of batches) assert.ok(b.producerId >= 0n, 'every batch carries a producer id');
  });

  /** A transactional producer that has committed `committed` and then aborted `aborted` into `topic`. */
  async function committedThenAborted(topic: string, committed: string[], aborted: string) {
    const producer = kafka.producer({
      transactionalId: `tx-${randomUUID()}`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    const first = await producer.transaction();
    await first.send({ topic, messages: committed.map((value) => ({ value })) });
    await first.commit();
    const second = await producer.transaction();
    await second.send({ topic, messages: [{ value: aborted }] });
    await second.abort();
    return producer;
  }

  it('transactions: a read_committed reader sees the committed one and not the aborted one', async () => {
    const topic = `txn-${randomUUID()}`;
    await createTopic(topic);
    const producer = await committedThenAborted(topic, ['committed-1', 'committed-2'], 'aborted-1');
    const last = await producer.transaction();
    await last.send({ topic, messages: [{ value: 'committed-3' }] });
    await last.commit();
    await producer.disconnect();

    const readCommitted = await consumeAll(kafka, topic, 3);
    assert.deepEqual(
      readCommitted.map((r) => r.message.value!.toString()),
      ['committed-1', 'committed-2', 'committed-3'],
    );
    const readUncommitted = await consumeAll(kafka, topic, 4, { readUncommitted: true });
    assert.deepEqual(
      readUncommitted.map((r) => r.message.value!.toString()),
      ['committed-1', 'committed-2', 'aborted-1', 'committed-3'],
    );
    const batches = readDiskBatches(cluster.partitionDir(topic, 0));
    assert.equal(
      batches.filter((b) => b.isControl).length,
      3,
      'two commit markers and one abort marker on disk',
    );
  });

  it('a range read ends although the partition ends in transaction markers it never sees', async () => {
    const topic = `txn-tail-${randomUUID()}`;
    await createTopic(topic);
    await (await committedThenAborted(topic, ['c-1', 'c-2'], 'a-1')).disconnect();
    // Log: c-1, c-2, commit marker, a-1, abort marker; the end offset (5) is past what a reader sees.
    const seen: string[] = [];
    await readPartitionRanges(kafka, topic, new Map([[0, 0]]), (r) => seen.push(r.value!.toString()), {
      timeoutMs: 30_000,
      idleMs: 500,
    });
    assert.deepEqual(seen, ['c-1', 'c-2']);
  });

  // For each codec X, the topic stores codec Y ≠ X: the broker (Java) must decode our X and encode Y,
  // which we then decode. So every codec is checked in both directions against Kafka's own implementation.
  const codecPairs = [
    ['gzip', 'snappy'],
    ['snappy', 'lz4'],
    ['lz4', 'zstd'],
    ['zstd', 'gzip'],
  ] as const;
  const codecIds = {
    gzip: CompressionTypes.GZIP,
    snappy: CompressionTypes.Snappy,
    lz4: CompressionTypes.LZ4,
    zstd: CompressionTypes.ZSTD,
  };
  for (const [sentCodec, storedCodec] of codecPairs) {
    it(`${sentCodec} batches are read by the broker, which stores ${storedCodec} that kafkajs reads back`, async () => {
      const passthrough = `codec-${sentCodec}-${randomUUID()}`;
      const recompressed = `codec-${sentCodec}-to-${storedCodec}-${randomUUID()}`;
      await createTopic(passthrough);
      await createTopic(recompressed, 1, [{ name: 'compression.type', value: storedCodec }]);
      const messages = Array.from({ length: 200 }, (_, i) => ({
        key: `k${i}`,
        value: i % 2 ? randomBytes(2000) : Buffer.from(`value-${i}-`.repeat(100)),
        headers: { n: String(i) },
      }));
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic: passthrough, compression: codecIds[sentCodec], messages });
      await producer.send({ topic: recompressed, compression: codecIds[sentCodec], messages });
      await producer.disconnect();

      assert.deepEqual(
        readDiskBatches(cluster.partitionDir(passthrough, 0)).map((b) => b.compression),
        [sentCodec],
        `the broker kept our ${sentCodec} batch as sent`,
      );
      assert.deepEqual(
        readDiskBatches(cluster.partitionDir(recompressed, 0)).map((b) => b.compression),
        [storedCodec],
        `the broker re-encoded our ${sentCodec} batch as ${storedCodec}`,
      );
      for (const topic of [passthrough, recompressed]) {
        const got = await consumeAll(kafka, topic, messages.length);
        got.forEach((r, i) => {
          assert.equal(r.message.key!.toString(), messages[i]!.key);
          assert.deepEqual(r.message.value, messages[i]!.value);
          assert.equal(r.message.headers!['n']!.toString(), String(i));
        });
      }
    });
  }

  it('admin: describe configs, list groups, alter and fetch consumer group offsets', async () => {
    const topic = `admin-${randomUUID()}`;
    await createTopic(topic, 2, [
      { name: 'retention.ms', value: '3600000' },
      { name: 'cleanup.policy', value: 'compact' },
    ]);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const described = await admin.describeConfigs({
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: topic,
            configNames: ['retention.ms', 'cleanup.policy', 'max.message.bytes'],
          },
        ],
        includeSynonyms: false,
      });
      const entries = Object.fromEntries(described.resources[0]!.configEntries.map((e) => [e.configName, e]));
      assert.equal(entries['retention.ms']?.configValue, '3600000');
      assert.equal(entries['retention.ms']?.isDefault, false);
      assert.equal(entries['cleanup.policy']?.configValue, 'compact');
      assert.equal(entries['max.message.bytes']?.isDefault, true);

      const producer = kafka.producer();
      await producer.connect();
      await producer.send({
        topic,
        messages: Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: 'v', partition: i % 2 })),
      });
      await producer.disconnect();

      const groupId = `admin-group-${randomUUID()}`;
      await admin.setOffsets({
        groupId,
        topic,
        partitions: [
          { partition: 0, offset: '7' },
          { partition: 1, offset: '3' },
        ],
      });
      const fetched = await admin.fetchOffsets({ groupId, topics: [topic] });
      assert.deepEqual(fetched[0]!.partitions.map((p) => [p.partition, p.offset]).sort(), [
        [0, '7'],
        [1, '3'],
      ]);
      const { groups } = await admin.listGroups();
      assert.ok(
        groups.some((g) => g.groupId === groupId),
        'the group whose offsets were set is listed',
      );
      // A fresh consumer of that group resumes exactly at the altered offsets.
      const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
      await consumer.connect();
      await consumer.subscribe({ topics: [topic] });
      const firsts = await firstOffsets(consumer, 2, 'setOffsets', true);
      await consumer.disconnect();
      assert.equal(firsts.get(0), '7');
      assert.equal(firsts.get(1), '3');

      const cluster = await admin.describeCluster();
      assert.equal(
        cluster.clusterId,
        env.cluster('a').clusterId,
        'describeCluster reports the formatted cluster id',
      );
    } finally {
      await admin.disconnect();
    }
  });
  it("a group's offsets committed without joining it (ClusterOffsets.commit): exact, backwards too, refused while a consumer runs", async () => {
    const topic = `commit-${randomUUID()}`;
    await createTopic(topic, 2);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: Array.from({ length: 20 }, (_, i) => ({ value: `v${i}`, partition: i % 2 })),
    });
    await producer.disconnect();
    const groupId = `commit-group-${randomUUID()}`;
    const offsets = new ClusterOffsets(kafka);
    try {
      await offsets.commit(groupId, [
        { topic, partition: 0, offset: 8 },
        { topic, partition: 1, offset: 5 },
      ]);
      await offsets.commit(groupId, [
        { topic, partition: 0, offset: 6 },
        { topic, partition: 1, offset: 4 },
      ]);
      assert.deepEqual(
        (await offsets.committedOffsets(groupId, [topic])).map((o) => o.offset),
        [6, 4],
        'moved backwards as asked',
      );
      const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
      await consumer.connect();
      await consumer.subscribe({ topics: [topic] });
      const firsts = await firstOffsets(consumer, 2, 'the commit', false);
      assert.deepEqual([firsts.get(0), firsts.get(1)], ['6', '4'], 'a consumer of the group resumes there');
      // While it runs, the group's offsets are not moved under it.
      await assert.rejects(offsets.commit(groupId, [{ topic, partition: 0, offset: 1 }]), {
        code: 'GEOMESH_KAFKA_REQUEST',
        message: /has 1 active member\(s\)/,
      });
      await consumer.disconnect();
      assert.deepEqual(
        (await offsets.committedOffsets(groupId, [topic])).map((o) => o.offset),
        [6, 4],
      );
    } finally {
      await offsets.stop();
    }
  });
});
