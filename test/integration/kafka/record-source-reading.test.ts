/**
 * How a link's source reads what a real broker fetches: uncompressed record batches in place (the consumer's
 * `fetchedRecords` mode, node/kafka/fetched-records.ts), compressed ones and fetches with aborted
 * transactions decoded by kafkajs and packed as before. Either way the link gets every committed record once,
 * in order, with its key, value and headers, and nothing of an aborted transaction.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CompressionTypes } from 'kafkajs';
import { FetchedRecords } from '../../../node/kafka/fetched-records.ts';
import { KafkaCluster, createKafkaClient } from '../../../node/kafka/index.ts';
import { silentLogger } from '../../../node/log/index.ts';
import { PackedRecords, type SourceBatch } from '../../../node/replication/index.ts';
import { TestEnvironment } from '../../harness/index.ts';
import { createTopic } from '../../support/kafka-topics.ts';
import { waitFor } from '../../support/polling.ts';

const TOPIC = 'reading';
/** A topic of 300 records of 1 KiB: fetched in responses larger than a socket read. */
const LARGE_TOPIC = 'reading-large';
/** A topic of one gzip batch alone. */
const GZIP_TOPIC = 'reading-gzip';

describe('KafkaRecordSource: fetched records read in place or decoded', () => {
  let env: TestEnvironment;
  let cluster: KafkaCluster;
  const expected: { value: string; key: string; header: string }[] = [];

  before(async () => {
    env = await TestEnvironment.start({ kafka: ['a'] });
    const kafka = createKafkaClient({
      brokers: env.cluster('a').bootstrapServers,
      clientId: 'reading-setup',
      logger: silentLogger(),
    });
    await createTopic(kafka, TOPIC, 1);
    await createTopic(kafka, GZIP_TOPIC, 1);
    await createTopic(kafka, LARGE_TOPIC, 1);
    const message = (value: string) => {
      expected.push({ value, key: `k-${value}`, header: `h-${value}` });
      return { key: `k-${value}`, value, headers: { origin: `h-${value}` } };
    };
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({ topic: TOPIC, messages: ['p1', 'p2', 'p3'].map(message) });
    await producer.send({
      topic: TOPIC,
      compression: CompressionTypes.GZIP,
      messages: ['g1', 'g2'].map(message),
    });
    await producer.send({
      topic: GZIP_TOPIC,
      compression: CompressionTypes.GZIP,
      messages: [{ value: 'z1' }, { value: 'z2' }],
    });
    await producer.disconnect();
    const txProducer = kafka.producer({
      transactionalId: 'reading-tx',
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await txProducer.connect();
    const aborted = await txProducer.transaction();
    await aborted.send({ topic: TOPIC, messages: [{ value: 'aborted-1' }, { value: 'aborted-2' }] });
    await aborted.abort();
    const committed = await txProducer.transaction();
    await committed.send({ topic: TOPIC, messages: ['t1'].map(message) });
    await committed.commit();
    await txProducer.disconnect();
    const tail = kafka.producer({ idempotent: true });
    await tail.connect();
    await tail.send({ topic: TOPIC, messages: ['p4', 'p5'].map(message) });
    await tail.send({
      topic: LARGE_TOPIC,
      messages: Array.from({ length: 300 }, (_, i) => ({ value: `${i}`.padEnd(1024, '.') })),
    });
    await tail.disconnect();
    cluster = new KafkaCluster({
      brokers: env.cluster('a').bootstrapServers,
      clientId: 'reading',
      logger: silentLogger(),
      requestTimeoutMs: 10_000,
    });
  });

  after(async () => {
    cluster?.close();
    await env?.stop();
  });

  /** A batch as the link got it: its list, and its records as read while the link had them. */
  interface Got {
    list: SourceBatch['records'];
    records: { offset: number; value: string; key: string | undefined; header: string | undefined }[];
    /** A view of the first record's value, kept past the batch's handling. */
    valueView: Buffer | null;
  }

  /**
   * Reads the topic from `position` until `count` records came; the batches as the link got them. With
   * `release`, each batch is released once read, as the link does.
   */
  async function read(
    groupId: string,
    position: number | undefined,
    count: number,
    topic = TOPIC,
    release = false,
  ): Promise<Got[]> {
    const batches: Got[] = [];
    let records = 0;
    const source = cluster.recordSource({ groupId, logger: silentLogger() });
    try {
      await source.start(
        [topic],
        () => position,
        (batch) => {
          // Read while the link has the batch: once handled, a list read in place is released.
          batches.push({
            list: batch.records,
            records: [...batch.records].map((r) => ({
              offset: r.offset,
              value: r.value!.toString(),
              key: r.key?.toString(),
              header: (r.headers.origin as Buffer | undefined)?.toString(),
            })),
            valueView: batch.records.at(0)!.value,
          });
          records += batch.records.length;
          // Done with the batch, as the link says once it has handled one (link-replicator.ts).
          if (release) batch.records.release?.();
          return Promise.resolve({ kind: 'done' as const });
        },
      );
      await waitFor(() => records >= count, { timeoutMs: 30_000, intervalMs: 50, what: `${count} records` });
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await source.stop();
    }
    return batches;
  }

  it('gets every committed record once, in order, with key, value and headers; none of the aborted ones', async () => {
    const batches = await read('reading-all', undefined, expected.length);
    const got = batches.flatMap((b) => b.records.map(({ value, key, header }) => ({ value, key, header })));
    assert.deepEqual(got, expected);
    const offsets = batches.flatMap((b) => b.records.map((r) => r.offset));
    assert.deepEqual(
      offsets,
      [...offsets].sort((x, y) => x - y),
      'in offset order',
    );
    // The fetch from the start spans the aborted transaction: decoded and packed as before.
    assert.ok(batches[0]!.list instanceof PackedRecords, 'a fetch with aborted transactions is decoded');
  });

  it('reads uncompressed batches in place and decodes compressed ones', async () => {
    // From the committed transaction on (offset 8: p1–p3, g1–g2, the aborted two and their marker before
    // it): no aborted transaction in the fetch, uncompressed batches and a commit marker.
    const fromTail = await read('reading-after', 8, 3);
    assert.ok(
      fromTail.every((b) => b.list instanceof FetchedRecords),
      `read in place: ${fromTail.map((b) => b.list.constructor.name).join(', ')}`,
    );
    assert.deepEqual(
      fromTail.flatMap((b) => b.records.map((r) => r.value)),
      ['t1', 'p4', 'p5'],
    );
    const gzip = await read('reading-gzip', undefined, 2, GZIP_TOPIC);
    assert.ok(gzip[0]!.list instanceof PackedRecords, 'a compressed batch is decoded');
    assert.deepEqual(
      gzip.flatMap((b) => b.records.map((r) => r.value)),
      ['z1', 'z2'],
    );
  });

  it('gives a fetch response back once its batches read in place are released; the lists are not read after', async () => {
    // A response larger than a socket read is copied together into a buffer of its own: that one is given back.
    const large = await read('reading-released', undefined, 300, LARGE_TOPIC, true);
    assert.deepEqual(
      large.flatMap((b) => b.records.map((r) => r.value.trimEnd().replace(/\.+$/, ''))),
      Array.from({ length: 300 }, (_, i) => `${i}`),
    );
    assert.ok(large.every((b) => b.list instanceof FetchedRecords));
    for (const b of large) assert.throws(() => b.list.at(0), /read after they were released/);
    // A view kept past the handling reads nothing (what the list's refusal above guards against).
    assert.ok(
      large.some((b) => b.valueView!.buffer.byteLength === 0),
      'a fetch response read in place was given back',
    );
    // Decoded and packed, a list is the link's own and is read as before.
    const decoded = await read('reading-decoded', undefined, expected.length);
    assert.equal([...decoded[0]!.list].length, decoded[0]!.records.length);
  });
});
