/**
 * Zombie fencing the Kafka way, for work sharing (docs/work-sharing.md, "Fencing"): every target partition an
 * instance owns is written by a transactional producer of its own, whose transactional id is the partition's
 * (`transactionalId(topic, partition)`, the same on every instance of the region). Taking a partition over
 * starts with `fence`: InitProducerId for that id. The transaction coordinator then bumps the id's epoch and
 * aborts whatever transaction an earlier owner left open, and the brokers refuse every later request of the
 * earlier owner's producer (an older epoch) — among them a Produce that left that owner's socket while its
 * lease was still certain but reaches the broker only now. The caller scans the partition's tail
 * (read_committed) only after its fence, so what it reads is final.
 *
 * Each write is one transaction: AddPartitionsToTxn, Produce, EndTxn (commit). A failed write leaves an
 * unknown outcome. While the caller still certainly owns the partition (`mayFence`), the id is initialised
 * again before the failure is reported: that completes or aborts the failed write's transaction, so the
 * re-sync the caller runs next reads the final log. When it does not own it any more, the producer is closed
 * and writes are refused (`GEOMESH_REPLICATION_NOT_OWNER`) until the partition is fenced again.
 *
 * One producer (and connection) per owned partition: the writes of different partitions are not coalesced
 * into one request as the plain sink's are (kafka-record-sink.ts).
 */
import kafkajs, { type Kafka, type Producer } from 'kafkajs';
import { GeomeshError } from '../../base/index.ts';
import { partitionKey, type RecordSet, type RecordSink } from '../replication/index.ts';
import { NODE_DEFAULTS } from '../defaults/index.ts';
import { translateKafkaError } from './kafka-client.ts';
import {
  COMPRESSION_IDS,
  UnsentPartitionError,
  isTooLarge,
  recordTooLargeError,
  toKafkaMessages,
  type SinkCompression,
} from './kafka-record-sink.ts';

const { Partitioners } = kafkajs;

/** kafkajs error types meaning that a newer producer of the same transactional id fenced this one. */
const FENCED_TYPES = new Set([
  'INVALID_PRODUCER_EPOCH',
  'PRODUCER_FENCED',
  'INVALID_TXN_STATE',
  'INVALID_PRODUCER_ID_MAPPING',
]);

/** Attempts of a fence (InitProducerId) before it fails, 0.2, 0.4, 0.8, 1.6 s apart. */
const FENCE_ATTEMPTS = 5;

export interface FencedRecordSinkOptions {
  /** The transactional id of a target partition: the same on every instance writing it, unique otherwise. */
  transactionalId(topic: string, partition: number): string;
  /** True while this instance certainly owns the partition (it may initialise the id again). */
  mayFence(topic: string, partition: number): boolean;
  /** A write refused because another producer fenced this one. */
  onFenced?(): void;
  /** Transaction timeout, ms; default NODE_DEFAULTS.kafka.fenceTransactionTimeoutMs. */
  transactionTimeoutMs?: number;
}

interface PartitionProducer {
  readonly producer: Producer;
  /** Settles once the transactional id is initialised (the fence stands). */
  readonly ready: Promise<void>;
}

function isFenced(err: unknown): boolean {
  return FENCED_TYPES.has((err as { type?: string }).type ?? '');
}

export class FencedRecordSink {
  readonly #kafka: Kafka;
  readonly #options: FencedRecordSinkOptions;
  readonly #producers = new Map<string, PartitionProducer>();

  constructor(kafka: Kafka, options: FencedRecordSinkOptions) {
    this.#kafka = kafka;
    this.#options = options;
  }

  /** Partitions fenced now (their producers are open). */
  get fenced(): number {
    return this.#producers.size;
  }

  /**
   * Initialises the partition's transactional id with a new producer (closing this instance's earlier one):
   * from now on no earlier producer of the id writes into the partition, and nothing it wrote is pending.
   */
  async fence(topic: string, partition: number): Promise<void> {
    // The coordinator answers CONCURRENT_TRANSACTIONS while it aborts an earlier owner's transaction; the
    // client's own retries are kept short (a fenced write must fail fast), so the fence retries here.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#fenceOnce(topic, partition);
      } catch (err) {
        if (attempt >= FENCE_ATTEMPTS) throw err;
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      }
    }
  }

  async #fenceOnce(topic: string, partition: number): Promise<void> {
    const key = partitionKey(topic, partition);
    await this.#close(key);
    const producer = this.#kafka.producer({
      transactionalId: this.#options.transactionalId(topic, partition),
      transactionTimeout: this.#options.transactionTimeoutMs ?? NODE_DEFAULTS.kafka.fenceTransactionTimeoutMs,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Every record names its partition, so the partitioner never runs; naming one silences kafkajs' v2 notice.
      createPartitioner: Partitioners.DefaultPartitioner,
      metadataMaxAge: 5_000,
    });
    const ready = (async () => {
      await producer.connect();
      // The first transaction initialises the id (InitProducerId, retried while an earlier owner's
      // transaction is being aborted); an empty one sends nothing more.
      await (await producer.transaction()).commit();
    })();
    const entry = { producer, ready };
    this.#producers.set(key, entry);
    try {
      await ready;
    } catch (err) {
      if (this.#producers.get(key) === entry) this.#producers.delete(key);
      await producer.disconnect().catch(() => undefined);
      throw translateKafkaError(err, `fencing ${topic}/${partition} (initialising its transactional id)`, {
        topic,
        partition,
      });
    }
  }

  /** Closes the partition's producer (handed over or lost); writes into it are refused until fenced again. */
  async release(topic: string, partition: number): Promise<void> {
    await this.#close(partitionKey(topic, partition));
  }

  /** A sink over the fenced partitions, writing with `compression`; its stop() leaves the producers open. */
  recordSink(options: { compression?: SinkCompression } = {}): RecordSink {
    const compression = COMPRESSION_IDS[options.compression ?? 'none'];
    return {
      write: (topic, partition, records) => this.#write(topic, partition, records, compression),
      stop: () => Promise.resolve(),
    };
  }

  async stop(): Promise<void> {
    await Promise.all([...this.#producers.keys()].map((key) => this.#close(key)));
  }

  async #write(
    topic: string,
    partition: number,
    records: RecordSet,
    compression: number,
  ): Promise<{ baseOffset: number }> {
    const key = partitionKey(topic, partition);
    const entry = this.#producers.get(key);
    if (!entry) {
      // Refenced after a failure that could not fence at once: the caller re-syncs, then retries.
      if (this.#options.mayFence(topic, partition)) {
        await this.fence(topic, partition);
        throw new GeomeshError(
          'GEOMESH_KAFKA_RETRIABLE',
          `${topic}/${partition}: fenced again after a failed write; re-sync before writing`,
          { details: { topic, partition } },
        );
      }
      throw this.#notOwner(topic, partition, 'it is not fenced by this instance');
    }
    try {
      await entry.ready;
      const txn = await entry.producer.transaction();
      const answers = await txn.sendBatch({
        acks: -1,
        compression,
        topicMessages: [{ topic, messages: toKafkaMessages(partition, records) }],
      });
      const meta = answers.find((a) => a.topicName === topic && a.partition === partition);
      await txn.commit();
      // A partition the producer's metadata does not list yet: nothing was sent (a new producer sees it).
      if (!meta) throw new UnsentPartitionError(topic, partition, records.length);
      return { baseOffset: Number(meta.baseOffset ?? meta.offset ?? -1) };
    } catch (err) {
      const fencedByOther = isFenced(err);
      if (await this.#afterFailure(topic, partition, entry)) {
        if (err instanceof UnsentPartitionError) throw err.toGeomeshError();
        if (isTooLarge(err)) throw recordTooLargeError(err, topic, partition, records.length);
        throw translateKafkaError(err, `writing ${records.length} records to ${topic}/${partition}`, {
          topic,
          partition,
        });
      }
      if (fencedByOther) this.#options.onFenced?.();
      throw this.#notOwner(
        topic,
        partition,
        fencedByOther ? 'another instance fenced it (it owns the partition now)' : 'its lease is not certain',
        err,
      );
    }
  }

  /**
   * After a failed write: fences the partition again while it is certainly ours (true), else closes its
   * producer (false). A fence that fails leaves no producer: the next write fences first.
   */
  async #afterFailure(topic: string, partition: number, entry: PartitionProducer): Promise<boolean> {
    const key = partitionKey(topic, partition);
    if (this.#producers.get(key) !== entry) return this.#producers.has(key);
    if (!this.#options.mayFence(topic, partition)) {
      await this.#close(key);
      return false;
    }
    await this.fence(topic, partition).catch(() => undefined);
    return true;
  }

  #notOwner(topic: string, partition: number, why: string, cause?: unknown): GeomeshError {
    return new GeomeshError(
      'GEOMESH_REPLICATION_NOT_OWNER',
      `not writing into ${topic}/${partition}: ${why}`,
      { ...(cause !== undefined && { cause }), details: { topic, partition } },
    );
  }

  async #close(key: string): Promise<void> {
    const entry = this.#producers.get(key);
    if (!entry) return;
    this.#producers.delete(key);
    await entry.ready.catch(() => undefined);
    await entry.producer.disconnect().catch(() => undefined);
  }
}
