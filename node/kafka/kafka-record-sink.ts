/**
 * The data path's writer over kafkajs: idempotent producers into the local cluster, acks=all, order kept per
 * partition. kafkajs' idempotent mode allows one request in flight a producer, so the sink has several
 * (`requestsInFlight`, NODE_DEFAULTS.kafka.sinkRequestsInFlight): a request leaves on whichever is idle, and a
 * partition is never in two requests at once (its second write waits for the first's answer; the caller
 * serialises a partition's writes anyway), so each partition's records land in the order written.
 *
 * Writes are coalesced: the writes that arrive while every producer has a request in flight (a link handles
 * several partitions at once) wait and leave together in the next request, one batch per partition. When a
 * producer is idle, a write waits until the promise jobs queued with it have run (`process.nextTick` called
 * from a promise job runs once that queue is empty): the batches of one fetch response, or those an answer
 * releases, are handled in one such cascade, so their writes leave in one request, not the first alone and the
 * others a round trip later; other I/O of the turn is not waited for. A write that arrives while one request
 * is in flight leaves at once in another instead of waiting a round trip behind it. A request that fails fails
 * every write in it (each caller re-syncs from the target and retries what is missing) and its producer is
 * replaced, except a refusal as too large, which is retried write by write so that it is blamed on the right
 * partition.
 */
import kafkajs, { type Kafka, type Message, type Producer, type RecordMetadata } from 'kafkajs';
import { GeomeshError } from '../../base/index.ts';
import { NODE_DEFAULTS } from '../defaults/index.ts';
import { partitionKey, type RecordSet, type RecordSink } from '../replication/index.ts';
import { translateKafkaError } from './kafka-client.ts';

const { CompressionTypes, Partitioners } = kafkajs;

export type SinkCompression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export const COMPRESSION_IDS: Record<SinkCompression, number> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

/**
 * kafkajs sends nothing, and says nothing, for records of a partition its cached metadata does not list
 * (`findLeaderForPartitions` skips it and `send` resolves without an answer for it): a partition just added
 * to the target, until the producer's metadata is refreshed. Taken as success, those records were lost
 * silently; the sink refuses such an answer instead, and the link retries the write.
 */
export class UnsentPartitionError extends Error {
  readonly topic: string;
  readonly partition: number;
  readonly records: number;

  constructor(topic: string, partition: number, records: number) {
    super(`${topic}/${partition}: the producer's metadata does not list the partition; nothing was sent`);
    this.topic = topic;
    this.partition = partition;
    this.records = records;
  }

  toGeomeshError(): GeomeshError {
    return new GeomeshError(
      'GEOMESH_KAFKA_RETRIABLE',
      `writing ${this.records} records to ${this.topic}/${this.partition}: the producer's metadata does not list the partition yet (just added?); nothing was sent, retrying with fresh metadata`,
      { cause: this, details: { topic: this.topic, partition: this.partition } },
    );
  }
}

/**
 * The kafkajs message of `records`, all into `partition`: one message that carries them encoded (`recordSet`,
 * patched into kafkajs: the producer adds the batch header and sends the bytes as they are).
 */
export function toKafkaMessages(partition: number, records: RecordSet): Message[] {
  const { buffer, count, firstTimestamp, maxTimestamp } = records;
  return [{ partition, value: null, recordSet: { buffer, count, firstTimestamp, maxTimestamp } }];
}

/** A write refused as larger than the target's max.message.bytes. */
export function recordTooLargeError(
  err: unknown,
  topic: string,
  partition: number,
  records: number,
): GeomeshError {
  return new GeomeshError(
    'GEOMESH_REPLICATION_RECORD_TOO_LARGE',
    `${topic}/${partition}: the target refused ${records} record(s) as larger than its max.message.bytes`,
    { cause: err, details: { topic, partition, records } },
  );
}

/** One caller's write, waiting for a request. */
interface QueuedWrite {
  topic: string;
  partition: number;
  records: RecordSet;
  resolve(answer: { baseOffset: number }): void;
  reject(err: unknown): void;
}

export function isTooLarge(err: unknown): boolean {
  const type = (err as { type?: string }).type;
  return type === 'MESSAGE_TOO_LARGE' || type === 'RECORD_LIST_TOO_LARGE';
}

/** One of the sink's producers, and whether a request of it is in flight. */
interface Lane {
  producer: Producer;
  connecting: Promise<void> | undefined;
  isSending: boolean;
}

export interface KafkaRecordSinkOptions {
  compression?: SinkCompression;
  /** Produce requests in flight at once, one per idempotent producer; default NODE_DEFAULTS.kafka.sinkRequestsInFlight. */
  requestsInFlight?: number;
}

export class KafkaRecordSink implements RecordSink {
  readonly #kafka: Kafka;
  readonly #lanes: Lane[];
  readonly #compression: number;
  #queue: QueuedWrite[] = [];
  /** Partitions (topic NUL partition) with a write in a request in flight. */
  readonly #inFlight = new Set<string>();
  /** A send is scheduled for when the promise jobs queued now have run (`process.nextTick`). */
  #isScheduled = false;

  constructor(kafka: Kafka, options: KafkaRecordSinkOptions = {}) {
    const lanes = options.requestsInFlight ?? NODE_DEFAULTS.kafka.sinkRequestsInFlight;
    if (!Number.isSafeInteger(lanes) || lanes < 1)
      throw new RangeError(`requestsInFlight must be a whole number ≥ 1, got ${String(lanes)}`);
    this.#kafka = kafka;
    this.#lanes = Array.from({ length: lanes }, () => ({
      producer: KafkaRecordSink.#newProducer(kafka),
      connecting: undefined,
      isSending: false,
    }));
    this.#compression = COMPRESSION_IDS[options.compression ?? 'none'];
  }

  static #newProducer(kafka: Kafka): Producer {
    // Every record names its partition, so the partitioner never runs; naming one silences kafkajs' v2 notice.
    return kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      // Partitions added to a target topic while the node runs must be seen before records go to them.
      metadataMaxAge: 5_000,
    });
  }

  /**
   * After a failed send the lane's producer is replaced: a broker that restarted may have lost the idempotent
   * producer's state, and kafkajs then keeps failing with sequence errors. The caller re-syncs from the
   * target before retrying, so a new producer id costs no duplicate.
   */
  #replaceProducer(lane: Lane): void {
    const old = lane.producer;
    const connecting = lane.connecting;
    lane.producer = KafkaRecordSink.#newProducer(this.#kafka);
    lane.connecting = undefined;
    if (connecting) void connecting.then(() => old.disconnect()).catch(() => undefined);
  }

  write(topic: string, partition: number, records: RecordSet): Promise<{ baseOffset: number }> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ topic, partition, records, resolve, reject });
      if (this.#isScheduled || this.#lanes.every((lane) => lane.isSending)) return;
      this.#isScheduled = true;
      process.nextTick(() => {
        this.#isScheduled = false;
        const idle = this.#lanes.find((lane) => !lane.isSending);
        if (idle) void this.#sendQueued(idle);
      });
    });
  }

  /**
   * The next request's writes: the first queued write of each partition not in flight; the rest stay queued.
   * Taken partitions are marked in flight.
   */
  #take(): QueuedWrite[] {
    const group: QueuedWrite[] = [];
    const later: QueuedWrite[] = [];
    for (const write of this.#queue) {
      const key = partitionKey(write.topic, write.partition);
      if (this.#inFlight.has(key)) later.push(write);
      else {
        this.#inFlight.add(key);
        group.push(write);
      }
    }
    this.#queue = later;
    return group;
  }

  /** Sends what is queued on `lane`, one request at a time, until nothing it may take is. */
  async #sendQueued(lane: Lane): Promise<void> {
    lane.isSending = true;
    try {
      for (let group = this.#take(); group.length > 0; group = this.#take()) {
        try {
          await this.#send(lane, group);
        } catch (err) {
          if (group.length > 1 && isTooLarge(err)) {
            // Which partition's batch was too large is not said reliably: each write alone tells.
            for (const write of group)
              await this.#send(lane, [write]).catch((alone: unknown) =>
                write.reject(this.#failure(lane, alone, [write])(write)),
              );
          } else {
            const failure = this.#failure(lane, err, group);
            for (const write of group) write.reject(failure(write));
          }
        } finally {
          for (const write of group) this.#inFlight.delete(partitionKey(write.topic, write.partition));
        }
      }
    } finally {
      lane.isSending = false;
    }
  }

  /** One produce request for `group`; resolves each write it answers, throws what the request threw. */
  async #send(lane: Lane, group: readonly QueuedWrite[]): Promise<void> {
    lane.connecting ??= lane.producer.connect();
    await lane.connecting;
    const byTopic = new Map<string, Message[]>();
    for (const write of group) {
      let messages = byTopic.get(write.topic);
      if (!messages) byTopic.set(write.topic, (messages = []));
      for (const m of toKafkaMessages(write.partition, write.records)) messages.push(m);
    }
    const answers: RecordMetadata[] = await lane.producer.sendBatch({
      acks: -1,
      compression: this.#compression,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
    let unsent = false;
    for (const write of group) {
      const meta = answers.find((a) => a.topicName === write.topic && a.partition === write.partition);
      if (meta) write.resolve({ baseOffset: Number(meta.baseOffset ?? meta.offset ?? -1) });
      else {
        unsent = true;
        write.reject(
          new UnsentPartitionError(write.topic, write.partition, write.records.length).toGeomeshError(),
        );
      }
    }
    // A new producer starts with fresh metadata, so the retry sees the partition.
    if (unsent) this.#replaceProducer(lane);
  }

  /** What each write of a failed request is told; the lane's producer is replaced unless a batch was too large. */
  #failure(lane: Lane, err: unknown, group: readonly QueuedWrite[]): (write: QueuedWrite) => unknown {
    if (isTooLarge(err) && group.length === 1) {
      return (w) => recordTooLargeError(err, w.topic, w.partition, w.records.length);
    }
    this.#replaceProducer(lane);
    return (w) =>
      translateKafkaError(err, `writing ${w.records.length} records to ${w.topic}/${w.partition}`, {
        topic: w.topic,
        partition: w.partition,
      });
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.#lanes.map((lane) => (lane.connecting ? lane.producer.disconnect() : Promise.resolve())),
    );
  }
}
