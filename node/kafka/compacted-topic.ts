/**
 * A compacted, single-partition topic used as a key-value log (geomesh's own state in a region's cluster,
 * e.g. the origin index): created when missing, read back in full as the last value of each key, written
 * with an idempotent producer (acks=all).
 */
import kafkajs, { type Kafka, type Producer } from 'kafkajs';
import { translateKafkaError } from './kafka-client.ts';
import { readPartitionRanges } from './range-read.ts';

const { Partitioners } = kafkajs;

/**
 * Creates `topic` (compacted, one partition) when missing and waits until its partition has a leader;
 * returns whether it was created. A just-created topic's metadata takes a moment to reach every broker, so
 * retriable errors are retried for up to `timeoutMs`.
 */
export async function ensureCompactedTopic(
  kafka: Kafka,
  topic: string,
  timeoutMs = 30_000,
): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  const deadline = Date.now() + timeoutMs;
  let isCreated = false;
  try {
    for (;;) {
      try {
        if (!(await admin.listTopics()).includes(topic)) {
          isCreated = await admin.createTopics({
            waitForLeaders: true,
            topics: [
              {
                topic,
                numPartitions: 1,
                configEntries: [
                  { name: 'cleanup.policy', value: 'compact' },
                  // Tombstones of pruned entries are kept a day, so a reader that lags sees them.
                  { name: 'delete.retention.ms', value: String(24 * 3600 * 1000) },
                ],
              },
            ],
          });
        }
        const offsets = await admin.fetchTopicOffsets(topic);
        if (offsets.length === 1) return isCreated;
      } catch (err) {
        const { retriable, type } = err as { retriable?: boolean; type?: string };
        if (type !== 'TOPIC_ALREADY_EXISTS' && (!retriable || Date.now() > deadline))
          throw translateKafkaError(err, `creating internal topic ${topic}`, { topic });
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await admin.disconnect();
  }
}

/** Reads `topic` from its start to its current end: the last value of each key (null: deleted). */
export async function readCompactedTopic(kafka: Kafka, topic: string): Promise<Map<string, string | null>> {
  const latest = new Map<string, string | null>();
  await readPartitionRanges(
    kafka,
    topic,
    new Map([[0, 0]]),
    (record) => {
      if (record.key === null) return;
      latest.set(record.key.toString('utf8'), record.value === null ? null : record.value.toString('utf8'));
    },
    { timeoutMs: 120_000 },
  );
  return latest;
}

/** Writes key-value records into a compacted topic, in order, durably. */
export class CompactedTopicWriter {
  readonly #producer: Producer;
  readonly #topic: string;
  #connecting: Promise<void> | undefined;

  constructor(kafka: Kafka, topic: string) {
    this.#topic = topic;
    this.#producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  async write(records: readonly { key: string; value: string | null }[]): Promise<void> {
    if (records.length === 0) return;
    this.#connecting ??= this.#producer.connect();
    await this.#connecting;
    try {
      await this.#producer.send({
        topic: this.#topic,
        acks: -1,
        messages: records.map((r) => ({ partition: 0, key: r.key, value: r.value })),
      });
    } catch (err) {
      throw translateKafkaError(err, `writing ${records.length} records to ${this.#topic}`, {
        topic: this.#topic,
      });
    }
  }

  async stop(): Promise<void> {
    if (this.#connecting) await this.#producer.disconnect();
  }
}
