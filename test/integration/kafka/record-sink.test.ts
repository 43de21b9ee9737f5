/**
 * The sink's write coalescing on a real broker: writes of several partitions that arrive together leave in
 * as few requests as the producers in flight allow (those asked in one turn of the event loop in one
 * request), each answered with its own partition's offset, a partition's writes in order; with two requests
 * in flight a write does not wait for another partition's answer (through a delayed listener); a record too
 * large for the target is blamed on its own write only. A write goes as the records the link encoded (a
 * RecordSet), one batch per write, compressed with the sink's codec: the broker keeps each batch as sent,
 * the idempotent producer's sequence advances by its records, and every record reads back as it was written.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kafka } from 'kafkajs';
import {
  KafkaRecordSink,
  createKafkaClient,
  readPartitionRanges,
  type SinkCompression,
} from '../../../node/kafka/index.ts';
import { isGeomeshError } from '../../../base/index.ts';
import { silentLogger } from '../../../node/log/index.ts';
import { RecordSet, type SourceRecord } from '../../../node/replication/index.ts';
import { TestEnvironment, type LocalKafkaCluster } from '../../harness/index.ts';
import { readDiskBatches } from '../../support/kafka-wire.ts';

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
    // A WAN listener too (delay 0 until a test sets one): a request held in flight for as long as it wants.
    env = await TestEnvironment.start({ kafka: ['a'], wan: { delayMs: 0 } });
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
        { topic: 'sink-turn', numPartitions: 4 },
        { topic: 'sink-lanes', numPartitions: 4 },
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

  it('sends the writes asked for in one turn of the event loop in one request', async () => {
    // The sink's producer, seen from outside: its Produce requests counted as kafkajs sends them.
    let produceRequests = 0;
    const counting = Object.create(kafka) as Kafka;
    counting.producer = (config) => {
      const producer = kafka.producer(config);
      producer.on(producer.events.REQUEST, ({ payload }) => {
        if (payload.apiName === 'Produce') produceRequests++;
      });
      return producer;
    };
    const sink = new KafkaRecordSink(counting);
    try {
      // Connected first, so that the counted writes are not held by the connection.
      await sink.write('sink-turn', 0, records('warm', 1));
      // The sink idle again (its send loop ended), as between two fetch responses.
      await new Promise((resolve) => setTimeout(resolve, 10));
      produceRequests = 0;
      // As a fetch response's batches reach the sink: one write per partition, in one turn.
      await Promise.all([0, 1, 2, 3].map((p) => sink.write('sink-turn', p, records(`turn-${p}`, 2))));
      assert.equal(produceRequests, 1, 'four partitions in one request');
      // Written one after the other (each awaited), each write is a request of its own.
      for (const p of [0, 1]) await sink.write('sink-turn', p, records(`alone-${p}`, 1));
      assert.equal(produceRequests, 3);
    } finally {
      await sink.stop();
    }
  });

  it("sends a write while another partition's request is in flight, not after its answer (requests in flight: 2)", async () => {
    // Through a 100 ms delay each way a request is in flight ≥ 200 ms: a second write is asked for meanwhile.
    const wan = env.wan('a');
    wan.setDelay(100);
    const far = createKafkaClient({
      brokers: env.wanBootstrapServers('a'),
      clientId: 'sink-far',
      logger: silentLogger(),
    });
    /** The sink's Produce requests as kafkajs sent and answered them (epoch ms). */
    const produced: { sentAt: number; answeredAt: number }[] = [];
    const watched = Object.create(far) as Kafka;
    watched.producer = (config) => {
      const producer = far.producer(config);
      producer.on(producer.events.REQUEST, ({ payload }) => {
        if (payload.apiName === 'Produce')
          produced.push({ sentAt: payload.sentAt, answeredAt: payload.sentAt + payload.duration });
      });
      return producer;
    };
    /** Writes p then, 20 ms later, q (each its own request); their requests in the order sent. */
    const writeTwo = async (sink: KafkaRecordSink, p: number, q: number, tag: string) => {
      produced.length = 0;
      const first = sink.write('sink-lanes', p, records(`${tag}-${p}`, 1));
      await new Promise((resolve) => setTimeout(resolve, 20));
      await Promise.all([first, sink.write('sink-lanes', q, records(`${tag}-${q}`, 1))]);
      assert.equal(produced.length, 2, `two Produce requests (${tag})`);
      return [...produced].sort((x, y) => x.sentAt - y.sentAt) as [
        (typeof produced)[0],
        (typeof produced)[0],
      ];
    };
    try {
      for (const requestsInFlight of [1, 2]) {
        const sink = new KafkaRecordSink(watched, { requestsInFlight });
        try {
          // Every producer of the sink connected first (a connection takes round trips of its own).
          await writeTwo(sink, 0, 1, `warm${requestsInFlight}`);
          await new Promise((resolve) => setTimeout(resolve, 10));
          const [a, b] = await writeTwo(sink, 2, 3, `lanes${requestsInFlight}`);
          if (requestsInFlight === 1)
            assert.ok(b.sentAt >= a.answeredAt, `one in flight: the second waits for the first's answer`);
          else {
            assert.ok(
              b.sentAt < a.answeredAt,
              `two in flight: the second left ${b.sentAt - a.sentAt} ms after the first, which was answered after ${a.answeredAt - a.sentAt} ms`,
            );
            // A partition is never in two requests at once: its second write, asked for while its first is
            // in flight, waits for that answer though a producer is idle; another partition's goes at once.
            produced.length = 0;
            const first = sink.write('sink-lanes', 2, records('again-first-2', 1));
            await new Promise((resolve) => setTimeout(resolve, 20));
            await Promise.all([
              first,
              sink.write('sink-lanes', 2, records('again-second-2', 1)),
              sink.write('sink-lanes', 3, records('again-other-3', 1)),
            ]);
            const [p2, p3, p2Again] = [...produced].sort((x, y) => x.sentAt - y.sentAt);
            assert.equal(produced.length, 3, 'the second write of partition 2 in a request of its own');
            assert.ok(p3!.sentAt < p2!.answeredAt, 'partition 3 while partition 2 is in flight');
            assert.ok(
              p2Again!.sentAt >= p2!.answeredAt,
              "partition 2's second write after its first's answer",
            );
          }
        } finally {
          await sink.stop();
        }
      }
      // Each partition holds its writes in order, one record each, as written.
      for (const [partition, tags] of [
        [2, ['lanes1', 'lanes2', 'again-first', 'again-second']],
        [3, ['lanes1', 'lanes2', 'again-other']],
      ] as const)
        assert.deepEqual(
          [...(await read('sink-lanes', partition)).values()],
          tags.map((t) => `${t}-${partition}-0`),
        );
    } finally {
      wan.setDelay(0);
    }
  });

  it('a record too large for the target fails its own write only, not the others sent with it', async () => {
    const sink = new KafkaRecordSink(kafka);
    try {
      // The three leave together in one request; the too-large refusal sends each alone to tell which.
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

  for (const codec of [
    'none',
    'gzip',
    'snappy',
    'lz4',
    'zstd',
  ] as const satisfies readonly SinkCompression[]) {
    it(`writes encoded records as one ${codec} batch per write, which the broker keeps and reads back the same`, async () => {
      const topic = `sink-codec-${codec}`;
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
      await admin.disconnect();
      // Keys null and not, values compressible and not, a repeated header name, timestamps out of order.
      const now = Date.now();
      const written = Array.from({ length: 25 }, (_, i) => ({
        timestamp: String(now - (i % 3) * 1_000),
        key: i % 4 === 0 ? null : Buffer.from(`k${i}`),
        value: i % 2 ? Buffer.from(`v${i}-`.repeat(50)) : Buffer.from(randomBytesOf(i, 300)),
        headers: { n: String(i), twice: ['a', Buffer.from([i])] },
      }));
      const sink = new KafkaRecordSink(kafka, { compression: codec });
      try {
        assert.equal((await sink.write(topic, 0, RecordSet.of(written.slice(0, 10)))).baseOffset, 0);
        // The second write of the partition: refused by the broker unless the sequence moved by 10 records.
        assert.equal((await sink.write(topic, 0, RecordSet.of(written.slice(10)))).baseOffset, 10);
      } finally {
        await sink.stop();
      }
      const batches = readDiskBatches((env.cluster('a') as LocalKafkaCluster).partitionDir(topic, 0));
      assert.deepEqual(
        batches.map((b) => [b.compression, b.recordCount]),
        [
          [codec, 10],
          [codec, 15],
        ],
      );
      const read: SourceRecord[] = [];
      await readPartitionRanges(kafka, topic, new Map([[0, 0]]), (r) => read.push(r));
      assert.equal(read.length, written.length);
      read.forEach((r, i) => {
        const w = written[i]!;
        assert.equal(r.offset, i);
        assert.equal(r.timestamp, w.timestamp);
        assert.deepEqual(r.key, w.key);
        assert.deepEqual(r.value, w.value);
        assert.equal(String(r.headers['n']), String(i));
        assert.deepEqual(r.headers['twice'], [Buffer.from('a'), Buffer.from([i])]);
      });
    });
  }
});

/** Bytes that do not compress, the same for the same seed. */
function randomBytesOf(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed * 2_654_435_761 + 1;
  for (let i = 0; i < length; i++) {
    x = (x * 1_103_515_245 + 12_345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}
