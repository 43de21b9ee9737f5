/**
 * Record I/O for the data path over kafkajs: a source that reads a remote cluster through a consumer group
 * (the sink: kafka-record-sink.ts; bounded range reads that rebuild state from a log tail: range-read.ts).
 * They implement the replication core's small interfaces.
 */
import type { Admin, Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { GeomeshError } from '../../base/index.ts';
import type { Logger } from '../log/index.ts';
import {
  PackedRecords,
  type BatchOutcome,
  type PartitionOffsets,
  type RecordSource,
  type SourceBatch,
  type SourceReadingState,
  type SourceRecord,
  type TopicPartition,
} from '../replication/index.ts';
import { translateKafkaError } from './kafka-client.ts';
import { NODE_DEFAULTS } from '../defaults/index.ts';
import { FetchedRecords } from './fetched-records.ts';
import { PartitionPipeline, type PipelineResult } from './partition-pipeline.ts';

export function toSourceRecord(topic: string, partition: number, m: KafkaMessage): SourceRecord {
  return {
    topic,
    partition,
    offset: Number(m.offset),
    timestamp: m.timestamp,
    key: m.key,
    value: m.value,
    headers: m.headers ?? {},
  };
}

function groupByTopic(tps: readonly TopicPartition[]): Map<string, number[]> {
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of tps) byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
  return byTopic;
}

/**
 * Reads a remote cluster through a consumer group (read_committed, so aborted records are never seen).
 * The next batch of a partition is fetched while the one before is written (partition-pipeline.ts); only
 * offsets the target acknowledged are committed to the group, so a restart resumes no later than the last
 * record durably written to the target.
 */
export class KafkaRecordSource implements RecordSource {
  readonly #kafka: Kafka;
  readonly #groupId: string;
  #consumer: Consumer;
  readonly #logger: Logger;
  readonly #maxBytesPerPartition: number;
  readonly #maxBytes: number;
  #positionOf: (tp: TopicPartition) => number | undefined = () => undefined;
  #isReadable: ((tp: TopicPartition) => boolean) | undefined;
  #isRunning = false;
  #onBatch: ((batch: SourceBatch) => Promise<BatchOutcome>) | undefined;
  /** One admin client for offset look-ups, connected on first use. */
  #admin: Promise<Admin> | undefined;
  /** `topic/partition` → the group's committed offset when reading (re)started. */
  readonly #committed = new Map<string, number>();
  /** The current consumer's assignment since its last group join; undefined while it is not in its group. */
  #assignment: Map<string, Set<number>> | undefined;
  #lastAnswerAtMs: number | undefined;
  /** The batches in hand per partition, and what the target acknowledged of them (partition-pipeline.ts). */
  readonly #pipeline = new PartitionPipeline();
  /** Set while the batches in hand end before a stop or a new consumer: no new batch is taken. */
  #draining = false;
  #commitTimer: ReturnType<typeof setInterval> | undefined;

  /**
   * `maxBytes` bounds one fetch response (what the consumer holds before the link handles it; kafkajs
   * default NODE_DEFAULTS.kafka.fetchMaxBytes); `maxBytesPerPartition` one partition's share of it.
   */
  constructor(
    kafka: Kafka,
    options: { groupId: string; logger: Logger; maxBytesPerPartition?: number; maxBytes?: number },
  ) {
    this.#kafka = kafka;
    this.#groupId = options.groupId;
    this.#logger = options.logger;
    this.#maxBytes = options.maxBytes ?? NODE_DEFAULTS.kafka.fetchMaxBytes;
    this.#maxBytesPerPartition = Math.min(
      options.maxBytesPerPartition ?? NODE_DEFAULTS.kafka.fetchMaxBytesPerPartition,
      this.#maxBytes,
    );
    this.#consumer = this.#newConsumer();
  }

  /** A consumer of the link's group; a new one also has fresh metadata (new partitions are seen). */
  #newConsumer(): Consumer {
    const consumer = this.#kafka.consumer({
      groupId: this.#groupId,
      readUncommitted: false,
      maxWaitTimeInMs: 100,
      maxBytesPerPartition: this.#maxBytesPerPartition,
      maxBytes: this.#maxBytes,
      // Records read where they were fetched, not decoded into kafkajs messages (fetched-records.ts).
      fetchedRecords: true,
      // A node killed without leaving its group holds its partitions until this expires; a restarted node
      // (or another instance) waits that long to get them back. kafkajs' default is 30 s.
      sessionTimeout: 10_000,
      heartbeatInterval: 2_000,
      allowAutoTopicCreation: false,
      // Replication is idempotent (the marks drop what was already written), so after any crash of the
      // consumer loop kafkajs restarts it from the last resolved offsets instead of leaving the link dead.
      retry: { restartOnFailure: () => Promise.resolve(this.#isRunning) },
    });
    // Every completed fetch, empty or not (a request that fails or never returns emits nothing).
    consumer.on(consumer.events.FETCH, () => (this.#lastAnswerAtMs = Date.now()));
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.#logger.error(
        { err: payload.error, restart: payload.restart },
        'source consumer crashed; kafkajs restarts it',
      );
    });
    // What the coverage audit reads: the assignment of the consumer in use, and none while it rejoins.
    const leave = (): void => {
      if (consumer === this.#consumer) this.#assignment = undefined;
    };
    consumer.on(consumer.events.REBALANCING, leave);
    consumer.on(consumer.events.STOP, leave);
    consumer.on(consumer.events.CRASH, leave);
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      if (consumer === this.#consumer) {
        this.#assignment = new Map(
          Object.entries(payload.memberAssignment).map(([topic, partitions]) => [topic, new Set(partitions)]),
        );
      }
    });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      // The group's positions replace the consumer's: batches in hand are read again from there.
      if (consumer === this.#consumer) this.#pipeline.resetAll();
      // Runs before the first fetch of the assignment (also after kafkajs restarted a crashed consumer, whose
      // pauses are gone): partitions not readable now are paused, the others start at their positions.
      const isReadable = this.#isReadable;
      for (const [topic, partitions] of Object.entries(payload.memberAssignment)) {
        const unreadable = isReadable ? partitions.filter((p) => !isReadable({ topic, partition: p })) : [];
        if (unreadable.length > 0) consumer.pause([{ topic, partitions: unreadable }]);
        for (const partition of partitions) {
          if (unreadable.includes(partition)) continue;
          const position = this.#positionOf({ topic, partition });
          if (position !== undefined) consumer.seek({ topic, partition, offset: String(position) });
        }
      }
    });
    return consumer;
  }

  async start(
    topics: readonly string[],
    positionOf: (tp: TopicPartition) => number | undefined,
    onBatch: (batch: SourceBatch) => Promise<BatchOutcome>,
    isReadable?: (tp: TopicPartition) => boolean,
  ): Promise<void> {
    this.#positionOf = positionOf;
    this.#isReadable = isReadable;
    await this.#consumer.connect();
    this.#onBatch = onBatch;
    this.#isRunning = true;
    this.#commitTimer = setInterval(() => {
      if (!this.#draining) void this.#commitAcked();
    }, NODE_DEFAULTS.kafka.sourceCommitIntervalMs);
    this.#commitTimer.unref();
    await this.#run(topics);
    this.#logger.debug({ topics }, 'source started');
  }

  /**
   * Reads `topics` from now on: a new consumer of the same group (fresh metadata, so added partitions are
   * assigned too) replaces the old one, which commits what it resolved as it leaves.
   */
  async update(topics: readonly string[]): Promise<void> {
    if (!this.#isRunning) return;
    await this.#drain();
    await this.#consumer.disconnect();
    this.#assignment = undefined;
    this.#consumer = this.#newConsumer();
    await this.#consumer.connect();
    await this.#run(topics);
    this.#logger.info({ topics }, 'source topics updated');
  }

  lastAnswerAtMs(): number | undefined {
    // Joined with nothing assigned (a selection that matches no topic yet): nothing to fetch, so never silent.
    // Not joined (a rejoin, a crash after a request timed out): the last answer stands.
    if (this.#isRunning && this.#assignment && [...this.#assignment.values()].every((p) => p.size === 0))
      return Date.now();
    return this.#lastAnswerAtMs;
  }

  readingState(): SourceReadingState {
    const paused = new Map<string, Set<number>>();
    if (this.#isRunning && this.#assignment) {
      for (const { topic, partitions } of this.#consumer.paused()) paused.set(topic, new Set(partitions));
    }
    return {
      isJoined: this.#isRunning && this.#assignment !== undefined,
      assigned: this.#assignment ?? new Map(),
      paused,
    };
  }

  pausePartitions(tps: readonly TopicPartition[]): void {
    for (const [topic, partitions] of groupByTopic(tps)) {
      try {
        this.#consumer.pause([{ topic, partitions }]);
      } catch (err) {
        // Not running yet (or between consumers): the next group join pauses what is not readable.
        this.#logger.debug({ topic, partitions, err }, 'pause deferred to the next group join');
      }
    }
  }

  resumePartition(tp: TopicPartition, position: number | undefined): void {
    try {
      if (position !== undefined)
        this.#consumer.seek({ topic: tp.topic, partition: tp.partition, offset: String(position) });
      this.#consumer.resume([{ topic: tp.topic, partitions: [tp.partition] }]);
    } catch (err) {
      // Not running yet: the next group join seeks every readable partition to its position.
      this.#logger.debug({ ...tp, err }, 'resume deferred to the next group join');
    }
  }

  async #run(topics: readonly string[]): Promise<void> {
    const onBatch = this.#onBatch;
    if (!onBatch) return;
    await this.#readCommitted(topics);
    const consumer = this.#consumer;
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    await consumer.run({
      // Only what the target acknowledged is committed (#commitAcked), never what was merely fetched.
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: NODE_DEFAULTS.kafka.sourcePartitionsInHand,
      eachBatch: async (payload) => {
        const { batch } = payload;
        const fetched = batch.fetchedRecords;
        const count = fetched ? fetched.count : batch.messages.length;
        if (!payload.isRunning() || payload.isStale() || count === 0 || this.#draining) {
          // Not handed to the link: its fetch response may be given back (fetched-records.ts).
          fetched?.release();
          return;
        }
        // Read in place where kafkajs could locate the records in the fetched bytes (fetched-records.ts);
        // else (compressed, transactions to filter, an older format) decoded by kafkajs and packed at once:
        // the batch may wait while the one before it is written, and decoded records kept that long were
        // promoted to V8's old generation (packed-records.ts). kafkajs' own copies are dropped either way;
        // the offsets it reads later stay.
        const records = fetched
          ? new FetchedRecords(batch.topic, batch.partition, fetched)
          : PackedRecords.pack(batch.topic, batch.partition, batch.messages);
        const lastOffset = batch.lastOffset();
        batch.releaseMessages();
        const sourceBatch: SourceBatch = {
          topic: batch.topic,
          partition: batch.partition,
          records,
          highWatermark: Number(batch.highWatermark),
          // kafkajs' last offset counts the control records (transaction markers) its messages leave out.
          lastOffset: Number(lastOffset),
          heartbeat: () => payload.heartbeat(),
          receivedAtMs: Date.now(),
        };
        const previous = this.#pipeline.queue(batch.topic, batch.partition, () =>
          this.#handle(consumer, onBatch, sourceBatch),
        );
        // The next fetch of the partition starts after this batch, while it is written.
        payload.resolveOffset(lastOffset);
        await previous;
        await payload.heartbeat();
      },
    });
  }

  /** Hands one batch to the link and acts on its outcome; never throws (a failure re-reads the batch). */
  async #handle(
    consumer: Consumer,
    onBatch: (batch: SourceBatch) => Promise<BatchOutcome>,
    batch: SourceBatch,
  ): Promise<PipelineResult> {
    const tp = { topic: batch.topic, partition: batch.partition };
    // Read before the link has the batch: once handled, a list read in place is released (fetched-records.ts).
    const first = batch.records.at(0)!.offset;
    const last = batch.lastOffset ?? batch.records.at(-1)!.offset;
    let outcome: BatchOutcome;
    try {
      outcome = await onBatch(batch);
    } catch (err) {
      if (!this.#isRunning || this.#draining) return { resetsPosition: true };
      this.#logger.warn({ ...tp, offset: first, err }, 'handling a batch failed; reading it again');
      await new Promise((r) => setTimeout(r, NODE_DEFAULTS.writeRetryBackoffMs.initial));
      this.#seek(consumer, tp, first);
      return { resetsPosition: true };
    }
    if (outcome.kind === 'done') return { ackedTo: last + 1 };
    if (outcome.kind === 'released') {
      // Taken back in the meantime: read on from where the new ownership starts, else stay paused.
      this.#seek(consumer, tp, first);
      if (this.#isReadable?.(tp)) this.resumePartition(tp, this.#positionOf(tp));
      else this.#pause(consumer, tp);
      return { resetsPosition: true };
    }
    this.#pause(consumer, tp);
    this.#seek(consumer, tp, outcome.resumeAt);
    this.#logger.error({ ...tp, resumeAt: outcome.resumeAt }, 'partition halted');
    return { resetsPosition: true, ackedTo: outcome.resumeAt };
  }

  #seek(consumer: Consumer, tp: TopicPartition, offset: number): void {
    try {
      consumer.seek({ ...tp, offset: String(offset) });
    } catch (err) {
      // Not running (stopping or replaced): the next start reads from the committed offsets.
      this.#logger.debug({ ...tp, offset, err }, 'seek skipped');
    }
  }

  /** Pauses a partition, or whole topics. */
  #pause(consumer: Consumer, what: TopicPartition | readonly string[]): void {
    const pausing =
      'topic' in what
        ? [{ topic: what.topic, partitions: [what.partition] }]
        : what.map((topic) => ({ topic }));
    try {
      consumer.pause(pausing);
    } catch (err) {
      this.#logger.debug({ what, err }, 'pause deferred to the next group join');
    }
  }

  /** Commits the offsets the target has acknowledged since the last commit (the commit timer, and stops). */
  async #commitAcked(): Promise<void> {
    const offsets = this.#pipeline.takeUncommitted();
    if (offsets.length === 0) return;
    try {
      await this.#consumer.commitOffsets(offsets.map((o) => ({ ...o, offset: String(o.offset) })));
    } catch (err) {
      this.#pipeline.uncommit(offsets);
      this.#logger.debug({ err }, 'committing acknowledged offsets failed; retrying at the next commit');
    }
  }

  /**
   * Lets the batches in hand end, then commits what the target acknowledged: before the consumer is
   * replaced or stopped (kafkajs commits nothing once its consumer stops running).
   */
  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      // Nothing more is fetched meanwhile (the consumer is replaced or stopped next).
      const topics = [...(this.#assignment?.keys() ?? [])];
      if (topics.length > 0) this.#pause(this.#consumer, topics);
      await this.#pipeline.drained();
      await this.#commitAcked();
    } finally {
      this.#draining = false;
      this.#pipeline.resetAll();
    }
  }

  async topicOffsets(topic: string): Promise<ReadonlyMap<number, PartitionOffsets>> {
    let offsets;
    try {
      offsets = await (await this.#adminClient()).fetchTopicOffsets(topic);
    } catch (err) {
      throw translateKafkaError(err, `reading the offsets of ${topic}`, { topic });
    }
    return new Map(
      offsets.map((o) => [o.partition, { logStart: Number(o.low), logEnd: Number(o.high) }] as const),
    );
  }

  async partitionOffsets(topic: string, partition: number): Promise<PartitionOffsets> {
    const found = (await this.topicOffsets(topic)).get(partition);
    if (!found) {
      throw new GeomeshError(
        'GEOMESH_KAFKA_REQUEST',
        `reading the offsets of ${topic}: the source has no partition ${partition}`,
        { details: { topic, partition } },
      );
    }
    return found;
  }

  committedOffset(topic: string, partition: number): number | undefined {
    return this.#committed.get(`${topic}/${partition}`);
  }

  /**
   * Remembers the group's committed offsets before the consumer runs: when a committed offset is out of
   * range, kafkajs overwrites it with "earliest" on its first fetch, and where the last run stopped is lost.
   */
  async #readCommitted(topics: readonly string[]): Promise<void> {
    try {
      const admin = await this.#adminClient();
      for (const { topic, partitions } of await admin.fetchOffsets({
        groupId: this.#groupId,
        topics: [...topics],
      })) {
        for (const { partition, offset } of partitions) {
          if (Number(offset) >= 0) this.#committed.set(`${topic}/${partition}`, Number(offset));
          else this.#committed.delete(`${topic}/${partition}`);
        }
      }
    } catch (err) {
      this.#logger.warn(
        { err, topics },
        'could not read the committed offsets; truncation checks start later',
      );
    }
  }

  #adminClient(): Promise<Admin> {
    this.#admin ??= (async () => {
      const admin = this.#kafka.admin();
      await admin.connect();
      return admin;
    })().catch((err: unknown) => {
      this.#admin = undefined;
      throw err;
    });
    return this.#admin;
  }

  async stop(): Promise<void> {
    if (this.#isRunning) {
      clearInterval(this.#commitTimer);
      await this.#drain();
      this.#isRunning = false;
      this.#assignment = undefined;
      await this.#consumer.disconnect();
    }
    // A reader asked only for offsets (never started) has its admin client to close too.
    const admin = this.#admin;
    this.#admin = undefined;
    await admin?.then((a) => a.disconnect()).catch(() => undefined);
  }
}
