/**
 * What kafkajs does when a topic gains partitions while its clients run, on a real broker, and how geomesh's
 * Kafka adapter copes:
 *
 * - a producer whose cached metadata lacks a partition sends nothing for it and still resolves (no answer for
 *   that partition): geomesh's sink refuses such a write (retriable) and the next write, on a new producer,
 *   lands;
 * - admin clients refresh their metadata at every call, so a long-lived one (`ClusterOffsets`, the source's
 *   offset look-ups) lists the new partitions at once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kafka } from 'kafkajs';
import { ClusterOffsets, KafkaRecordSink, createKafkaClient } from '../../../node/kafka/index.ts';
import { isGeomeshError } from '../../../base/index.ts';
import { silentLogger } from '../../../node/log/index.ts';
import { RecordSet } from '../../../node/replication/index.ts';
import { TestEnvironment } from '../../harness/index.ts';
import { pollUntil } from '../../support/polling.ts';

describe('a topic that gains partitions while clients run', () => {
  let env: TestEnvironment;
  let kafka: Kafka;

  before(async () => {
    env = await TestEnvironment.start({ kafka: ['a'] });
    kafka = createKafkaClient({
      brokers: env.cluster('a').bootstrapServers,
      clientId: 'growth',
      logger: silentLogger(),
    });
  });

  after(() => env?.stop());

  async function topicWith(topic: string, partitions: number): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions }] });
    await admin.disconnect();
  }

  async function grow(topic: string, count: number): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createPartitions({ topicPartitions: [{ topic, count }] });
    await admin.disconnect();
  }

  async function logEnds(topic: string): Promise<number[]> {
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
    return offsets.sort((x, y) => x.partition - y.partition).map((o) => Number(o.high));
  }

  it('a kafkajs producer with stale metadata resolves without sending; the sink refuses that and retries', async () => {
    await topicWith('grow-produce', 2);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const sink = new KafkaRecordSink(kafka);
    try {
      // Both learn the topic with 2 partitions.
      await producer.send({ topic: 'grow-produce', messages: [{ partition: 0, value: 'x' }] });
      await sink.write(
        'grow-produce',
        0,
        RecordSet.of([{ timestamp: String(Date.now()), key: null, value: Buffer.from('y'), headers: {} }]),
      );
      await grow('grow-produce', 4);
      // New partitions get their leader a moment after the call returns.
      await pollUntil(
        () => logEnds('grow-produce'),
        (ends) => ends.length === 4,
        30_000,
      );

      const answers = await producer.send({
        topic: 'grow-produce',
        messages: [{ partition: 3, value: 'lost' }],
      });
      assert.deepEqual(answers, [], 'kafkajs answers nothing for the partition it did not know');
      assert.deepEqual(await logEnds('grow-produce'), [2, 0, 0, 0], 'and sent nothing');

      const record = { timestamp: String(Date.now()), key: null, value: Buffer.from('kept'), headers: {} };
      await assert.rejects(
        sink.write('grow-produce', 3, RecordSet.of([record])),
        (err: unknown) => isGeomeshError(err, 'GEOMESH_KAFKA_RETRIABLE') && err.retryable,
      );
      const { baseOffset } = await sink.write('grow-produce', 3, RecordSet.of([record]));
      assert.equal(baseOffset, 0);
      assert.deepEqual(await logEnds('grow-produce'), [2, 0, 0, 1]);
    } finally {
      await producer.disconnect();
      await sink.stop();
    }
  });

  it("a long-lived admin client (ClusterOffsets, the source's lag look-ups) lists new partitions at once", async () => {
    // kafkajs gives admin clients a metadata max age of 0: every call refreshes, so unlike a producer (and a
    // consumer until it rejoins) they never answer from metadata that predates a change.
    await topicWith('grow-offsets', 2);
    const admin = kafka.admin();
    await admin.connect();
    const offsets = new ClusterOffsets(kafka);
    try {
      assert.equal((await admin.fetchTopicOffsets('grow-offsets')).length, 2);
      assert.equal((await offsets.topicRanges('grow-offsets'))?.length, 2);
      await grow('grow-offsets', 5);
      // New partitions get their leader a moment after the call returns.
      const listed = await pollUntil(
        () => admin.fetchTopicOffsets('grow-offsets'),
        (o) => o.length === 5,
        30_000,
      );
      assert.deepEqual(listed.map((o) => o.partition).sort(), [0, 1, 2, 3, 4]);
      assert.deepEqual(
        (await offsets.topicRanges('grow-offsets'))?.map((r) => r.partition),
        [0, 1, 2, 3, 4],
      );
    } finally {
      await admin.disconnect();
      await offsets.stop();
    }
  });
});
