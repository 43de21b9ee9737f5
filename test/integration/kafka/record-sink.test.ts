/**
 * The sink's write coalescing on a real broker: writes of several partitions that arrive together leave in
 * as few requests as one in flight allows, each answered with its own partition's offset, a partition's
 * writes in order; a record too large for the target is blamed on its own write only.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kafka } from 'kafkajs';
import { KafkaRecordSink, createKafkaClient, readPartitionRanges } from '../../../node/kafka/index.ts';
import { isGeomeshError } from '../../../base/index.ts';
import { silentLogger } from '../../../node/log/index.ts';
import { RecordSet } from '../../../node/replication/index.ts';
import { TestEnvironment } from '../../harness/index.ts';

const records = (prefix: string, count: number, bytes = 0): RecordSet =>
  RecordSet.of(
    Array.from({ length: count }, (_, i) => ({
      timestamp: String(Date.now()),
      key: null,
      value: Buffer.concat([Buffer.from(`${prefix}-${i}`), Buffer.alloc(bytes)]),
      headers: { h: `${prefix}` },
    })),
  );

describe('KafkaRecordSink: coalesced writes', () => {
  let env: TestEnvironment;
  let kafka: Kafka;

  before(async () => {
    env = await TestEnvironment.start({ kafka: ['a'] });
    kafka = createKafkaClient({
      brokers: env.cluster('a').bootstrapServers,
      clientId: 'sink',
      logger: silentLogger(),
    });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: 'sink-many', numPartitions: 4 },
        {
          topic: 'sink-small',
          numPartitions: 3,
          configEntries: [{ name: 'max.message.bytes', value: '20000' }],
        },
      ],
    });
    await admin.disconnect();
  });

  after(() => env?.stop());

  /** Every record of `topic`/`partition`: offset → value text. */
  async function read(topic: string, partition: number): Promise<Map<number, string>> {
    const found = new Map<number, string>();
    await readPartitionRanges(kafka, topic, new Map([[partition, 0]]), (r) =>
      found.set(r.offset, r.value!.toString().replace(/\0+$/, '')),
    );
    return found;
  }

  it('answers each write of a coalesced request with its own offset; a partition keeps its order', async () => {
    const sink = new KafkaRecordSink(kafka);
    try {
      // Ten writes at once: four partitions, the first two twice (the second of a partition waits a request).
      const writes = [0, 1, 2, 3, 0, 1, 2, 3, 0, 1].map((partition, i) => ({
        partition,
        records: records(`w${i}`, 5 + i),
      }));
      const answers = await Promise.all(writes.map((w) => sink.write('sink-many', w.partition, w.records)));
      for (const partition of [0, 1, 2, 3]) {
        const inTarget = await read('sink-many', partition);
        const mine = writes.flatMap((w, i) => (w.partition === partition ? [{ w, i }] : []));
        assert.equal(
          inTarget.size,
          mine.reduce((n, { w }) => n + w.records.length, 0),
        );
        let expected = 0;
        for (const { w, i } of mine) {
          // In the order they were asked for, each at the offset its answer named.
          assert.equal(answers[i]!.baseOffset, expected, `write ${i} of partition ${partition}`);
          [...w.records].forEach((_, k) => assert.equal(inTarget.get(expected + k), `w${i}-${k}`));
          expected += w.records.length;
        }
      }
    } finally {
      await sink.stop();
    }
  });

  it('a record too large for the target fails its own write only, not the others sent with it', async () => {
    const sink = new KafkaRecordSink(kafka);
    try {
      // The first write leaves alone; the next two arrive while it is in flight and leave together.
      const [first, large, fine] = await Promise.allSettled([
        sink.write('sink-small', 2, records('first', 1)),
        sink.write('sink-small', 0, records('large', 1, 50_000)),
        sink.write('sink-small', 1, records('fine', 3)),
      ]);
      assert.equal(first.status, 'fulfilled');
      assert.equal(large.status, 'rejected');
      assert.ok(isGeomeshError(large.reason, 'GEOMESH_REPLICATION_RECORD_TOO_LARGE'), String(large.reason));
      assert.equal(fine.status, 'fulfilled');
      assert.deepEqual([...(await read('sink-small', 1)).values()], ['fine-0', 'fine-1', 'fine-2']);
      assert.equal((await read('sink-small', 0)).size, 0);
    } finally {
      await sink.stop();
    }
  });
});
