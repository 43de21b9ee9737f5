/** Topic set-up that tests, benchmarks and the demo share: create a topic, or grow one, from a client of their own. */
import type { Kafka } from 'kafkajs';
import { waitFor } from './polling.ts';

/** Creates `topic` with `partitions` partitions and waits for their leaders. */
export async function createTopic(
  kafka: Kafka,
  topic: string,
  partitions: number,
  configEntries: { name: string; value: string }[] = [],
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: false,
      topics: [{ topic, numPartitions: partitions, configEntries }],
    });
    // kafkajs' own waitForLeaders gives up on UNKNOWN_TOPIC_OR_PARTITION, which a busy broker answers for a
    // moment after the creation: wait for a leader of every partition, retrying what Kafka says is retriable.
    await waitFor(
      async () => {
        try {
          const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
          const found = metadata?.partitions ?? [];
          return found.length === partitions && found.every((p) => p.leader >= 0);
        } catch (err) {
          if ((err as { retriable?: boolean }).retriable === true) return false;
          throw err;
        }
      },
      {
        timeoutMs: 30_000,
        intervalMs: 100,
        what: `a leader for each of the ${partitions} partitions of ${topic}`,
      },
    );
  } finally {
    await admin.disconnect();
  }
}

/** Grows `topic` to `count` partitions (as `kafka-topics.sh --alter` would); leaders follow a moment later. */
export async function growTopic(kafka: Kafka, topic: string, count: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createPartitions({ topicPartitions: [{ topic, count }] });
  } finally {
    await admin.disconnect();
  }
}
