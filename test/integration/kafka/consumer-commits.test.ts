/**
 * How often the source's consumer commits, on a real broker (the kafkajs patch, consumer/runner.js and
 * consumer/offsetManager): with `eachBatch` and autoCommit, kafkajs sent an OffsetCommit after every batch,
 * a round trip inside the fetch loop before the next fetch; now it commits once per `autoCommitInterval`,
 * batches handled at once share that commit, and what was resolved is still committed when the consumer
 * stops.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { Kafka } from 'kafkajs';
import { createKafkaClient } from '../../../node/kafka/index.ts';
import { silentLogger } from '../../../node/log/index.ts';
import { TestEnvironment } from '../../harness/index.ts';

const PARTITIONS = 6;
const RECORDS = 1_200;

describe('kafkajs consumer: commits with eachBatch', () => {
  let env: TestEnvironment;
  let kafka: Kafka;
  const topic = 'commits';
  /** Records the topic holds once written (RECORDS, written by an idempotent producer). */
  let held = 0;

  before(async () => {
    env = await TestEnvironment.start({ kafka: ['a'] });
    kafka = createKafkaClient({
      brokers: env.cluster('a').bootstrapServers,
      clientId: 'commits',
      logger: silentLogger(),
    });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: PARTITIONS }] });
    await admin.disconnect();
    // Many small sends: many small record batches in every partition, so small fetches give many batches.
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (let send = 0; send < RECORDS / (PARTITIONS * 4); send++)
      await producer.send({
        topic,
        messages: Array.from({ length: PARTITIONS * 4 }, (_, i) => ({
          partition: i % PARTITIONS,
          value: Buffer.alloc(100, i),
        })),
      });
    await producer.disconnect();
    // What the log holds (a send retried by a loaded machine must not change what "every record" means).
    const reader = kafka.admin();
    await reader.connect();
    held = (await reader.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.offset), 0);
    await reader.disconnect();
  });

  after(() => env?.stop());

  /** Reads every record with a fresh group; counts batches, and OffsetCommit requests as they are sent. */
  async function readAll(options: { autoCommitInterval: number; handleMs: number }): Promise<{
    groupId: string;
    batches: number;
    commitsWhileRunning: number;
    commitsInAll: number;
  }> {
    const groupId = `g-${randomUUID()}`;
    // Small fetches: many batches of a few records each.
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, maxBytesPerPartition: 1_024 });
    let commits = 0;
    consumer.on(consumer.events.REQUEST, ({ payload }) => {
      if (payload.apiName === 'OffsetCommit') commits++;
    });
    let batches = 0;
    let records = 0;
    let commitsWhileRunning: number;
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        autoCommit: true,
        autoCommitInterval: options.autoCommitInterval,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 4,
        eachBatch: async (payload) => {
          const { batch } = payload;
          batches++;
          records += batch.messages.length;
          await sleep(options.handleMs);
          payload.resolveOffset(batch.lastOffset());
        },
      });
      const deadline = Date.now() + 60_000;
      while (records < held && Date.now() < deadline) await sleep(50);
      await sleep(200);
      commitsWhileRunning = commits;
    } finally {
      await consumer.disconnect();
    }
    assert.equal(held, RECORDS, 'the topic holds what was written, once');
    assert.equal(records, held, 'every record was read');
    assert.ok(batches >= 50, `small fetches give many batches (${batches})`);
    return { groupId, batches, commitsWhileRunning, commitsInAll: commits };
  }

  it('commits once per interval, not per batch, and everything resolved when it stops', async () => {
    const run = await readAll({ autoCommitInterval: 60_000, handleMs: 0 });
    // The interval (60 s) never elapsed: kafkajs' own code committed once per batch here.
    assert.equal(
      run.commitsWhileRunning,
      0,
      `${run.commitsWhileRunning} commits during ${run.batches} batches`,
    );
    assert.equal(run.commitsInAll, 1, 'one commit as the consumer stops');
    const admin = kafka.admin();
    await admin.connect();
    try {
      const [committed] = await admin.fetchOffsets({ groupId: run.groupId, topics: [topic] });
      const ends = await admin.fetchTopicOffsets(topic);
      assert.equal(committed!.partitions.length, PARTITIONS);
      for (const { partition, offset } of committed!.partitions) {
        const end = ends.find((e) => e.partition === partition)!.offset;
        assert.equal(offset, end, `partition ${partition}: committed up to its end`);
      }
    } finally {
      await admin.disconnect();
    }
  });

  it('batches that end together share one commit when the interval has elapsed', async () => {
    // Every batch finds the interval elapsed; four are handled at once and end within a moment.
    const run = await readAll({ autoCommitInterval: 0, handleMs: 30 });
    assert.ok(run.commitsWhileRunning > 0, 'an elapsed interval commits');
    assert.ok(
      run.commitsWhileRunning <= run.batches * 0.6,
      `${run.commitsWhileRunning} commits for ${run.batches} batches`,
    );
  });
});
