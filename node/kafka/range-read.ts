/**
 * Bounded range reads over kafkajs: read partitions of a topic from given offsets up to their end at call
 * time, then stop. They rebuild state from a log tail (the origin index, marks, compacted topics).
 */
import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import type { SourceRecord } from '../replication/index.ts';
import { translateKafkaError } from './kafka-client.ts';
import { toSourceRecord } from './kafka-record-io.ts';
import { NODE_DEFAULTS } from '../defaults/index.ts';

/** Fetches that must come back empty, after the idle time, before a range read counts as done. */
const IDLE_FETCHES = 3;

/**
 * Reads partitions of a topic from given offsets up to their high watermark at call time, then stops.
 * Uses a throwaway consumer group that it deletes afterwards.
 */
export async function readPartitionRanges(
  kafka: Kafka,
  topic: string,
  fromOffsets: ReadonlyMap<number, number>,
  onRecord: (record: SourceRecord) => void,
  /** `readUncommitted`: also records of open and aborted transactions (what a read_uncommitted consumer sees). */
  options: { timeoutMs?: number; idleMs?: number; readUncommitted?: boolean } = {},
): Promise<void> {
  const admin: Admin = kafka.admin();
  await admin.connect();
  const groupId = `geomesh.reader.${randomUUID()}`;
  try {
    const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
    const pending = new Map<number, number>();
    for (const [partition, from] of fromOffsets) {
      const end = ends.get(partition) ?? 0;
      if (from < end) pending.set(partition, end);
    }
    if (pending.size === 0) return;
    const consumer = kafka.consumer({
      groupId,
      maxWaitTimeInMs: 100,
      readUncommitted: options.readUncommitted ?? false,
    });
    let running: Promise<void> = Promise.resolve();
    await consumer.connect();
    try {
      consumer.on(consumer.events.GROUP_JOIN, () => {
        for (const [partition, from] of fromOffsets)
          consumer.seek({ topic, partition, offset: String(from) });
      });
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(new Error(`reading ${topic} ranges timed out with ${pending.size} partitions unfinished`)),
          options.timeoutMs ?? NODE_DEFAULTS.kafka.rangeReadTimeoutMs,
        );
        // A range may end in transaction markers, which a read_committed consumer never sees as records: a
        // fetched batch of markers alone still says how far it reached (kafkajs' END_BATCH_PROCESS event).
        // Failing that, once fetches keep coming back with nothing of a pending partition for a while,
        // everything below the recorded ends was read. Time alone is no proof (a starved broker answers its
        // first fetch late): it takes completed fetches too. Batches of other partitions are no progress
        // (they keep coming while their partitions are written).
        let lastProgressAt = Date.now();
        let fetchesSinceProgress = 0;
        const finish = (): void => {
          clearTimeout(timer);
          resolve();
        };
        const progress = (): void => {
          lastProgressAt = Date.now();
          fetchesSinceProgress = 0;
        };
        /** A pending partition read up to `lastOffset` (records, or markers only: no eachBatch for those). */
        const readUpTo = (partition: number, lastOffset: number): void => {
          const end = pending.get(partition);
          if (end === undefined) return;
          progress();
          if (lastOffset + 1 >= end) pending.delete(partition);
          if (pending.size === 0) finish();
        };
        consumer.on(consumer.events.GROUP_JOIN, progress);
        consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
          if (payload.topic === topic) readUpTo(payload.partition, Number(payload.lastOffset));
        });
        consumer.on(consumer.events.FETCH, () => {
          fetchesSinceProgress++;
          if (
            fetchesSinceProgress >= IDLE_FETCHES &&
            Date.now() - lastProgressAt >= (options.idleMs ?? NODE_DEFAULTS.kafka.rangeReadIdleMs)
          )
            finish();
        });
        running = consumer.run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const end = pending.get(batch.partition);
            const from = fromOffsets.get(batch.partition);
            if (end === undefined || from === undefined) return;
            for (const m of batch.messages) {
              const offset = Number(m.offset);
              if (offset >= from && offset < end) onRecord(toSourceRecord(topic, batch.partition, m));
            }
            readUpTo(batch.partition, Number(batch.lastOffset()));
            await Promise.resolve();
          },
        });
        // A failed run ends the read at once, and its timeout with it (an armed timer keeps a stopping process up).
        void running.catch((err: unknown) => {
          clearTimeout(timer);
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passes kafkajs' error through
          reject(err);
        });
      });
    } finally {
      // Not before the run has joined (or crashed): kafkajs' disconnect during a join returns at once, and the
      // join then goes on, reconnects and leaves a consumer running with its sockets open.
      await running.catch(() => undefined);
      await consumer.disconnect();
    }
  } catch (err) {
    throw translateKafkaError(err, `reading the tail of ${topic}`, { topic });
  } finally {
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}
