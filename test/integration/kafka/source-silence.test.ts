/**
 * What a link's stall report rests on, against a real broker reached through a WAN proxy: an idle record
 * source is answered every fetch wait (so its last answer stays fresh), a blackholed broker answers nothing
 * (so the last answer ages), and the answers come again after the heal. A source whose topics have no
 * partitions assigned to it is never reported silent.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KafkaCluster, createKafkaClient } from '../../../node/kafka/index.ts';
import { silentLogger } from '../../../node/log/index.ts';
import { TestEnvironment } from '../../harness/index.ts';
import { waitFor } from '../../support/polling.ts';

describe('KafkaRecordSource: when its cluster last answered', () => {
  let env: TestEnvironment;
  let cluster: KafkaCluster;

  before(async () => {
    env = await TestEnvironment.start({ kafka: ['a'], wan: { delayMs: 0 } });
    const kafka = createKafkaClient({
      brokers: env.cluster('a').bootstrapServers,
      clientId: 'silence-setup',
      logger: silentLogger(),
    });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: 'quiet', numPartitions: 2 }] });
    await admin.disconnect();
    cluster = new KafkaCluster({
      brokers: env.wanBootstrapServers('a'),
      clientId: 'silence',
      logger: silentLogger(),
      requestTimeoutMs: 5_000,
    });
  });

  after(async () => {
    cluster?.close();
    await env?.stop();
  });

  it('an idle source is answered every fetch wait; a blackholed broker leaves the answer ageing until the heal', async () => {
    const source = cluster.recordSource({ groupId: 'silence-idle', logger: silentLogger() });
    try {
      await source.start(
        ['quiet'],
        () => undefined,
        () => Promise.resolve({ kind: 'done' as const }),
      );
      await waitFor(() => source.lastAnswerAtMs() !== undefined, {
        timeoutMs: 30_000,
        intervalMs: 50,
        what: 'the first fetch answer',
      });
      await new Promise((r) => setTimeout(r, 1_000));
      const idleAge = Date.now() - source.lastAnswerAtMs()!;
      assert.ok(idleAge < 1_000, `idle, the last answer is ${idleAge} ms old`);
      env.wan('a').blackhole();
      await new Promise((r) => setTimeout(r, 3_000));
      const holedAge = Date.now() - source.lastAnswerAtMs()!;
      assert.ok(holedAge >= 2_500, `blackholed, the last answer is ${holedAge} ms old`);
      env.wan('a').heal();
      await waitFor(() => Date.now() - source.lastAnswerAtMs()! < 1_000, {
        timeoutMs: 30_000,
        intervalMs: 100,
        what: 'answers again after the heal',
      });
    } finally {
      env.wan('a').heal();
      await source.stop();
    }
  });

  it('a source joined with no partition to read is never silent', async () => {
    const source = cluster.recordSource({ groupId: 'silence-empty', logger: silentLogger() });
    try {
      await source.start(
        [],
        () => undefined,
        () => Promise.resolve({ kind: 'done' as const }),
      );
      await waitFor(() => source.readingState().isJoined, {
        timeoutMs: 30_000,
        intervalMs: 100,
        what: 'the empty source joining its group',
      });
      await new Promise((r) => setTimeout(r, 1_000));
      assert.ok(Date.now() - source.lastAnswerAtMs()! < 100, 'nothing to fetch is not silence');
    } finally {
      await source.stop();
    }
  });
});
