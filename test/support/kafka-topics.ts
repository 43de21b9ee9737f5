/** Topic set-up that tests, benchmarks and the demo share: create a topic, or grow one, from a client of their own. */
import type { Kafka } from 'kafkajs';

/** Creates `topic` with `partitions` partitions and waits for their leaders. */
export async function createTopic(kafka: Kafka, topic: string, partitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions }] });
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
