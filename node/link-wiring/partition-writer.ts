/**
 * Writes into the region's target partitions: every link's sink goes through here, so writes into one
 * partition are serialized across links (the origin index grows in offset order), each write is fenced right
 * before its records leave (after any write queued ahead of it), and a write that failed marks its partition
 * unsure from where its records might have landed.
 */
import { GeomeshError } from '../../base/index.ts';
import { partitionKey, type RecordSet, type RecordSink, type TopicPartition } from '../replication/index.ts';

export interface PartitionWriterOptions {
  /** Whether a write into the partition may leave now (work sharing: owned and the lease certainly alive). */
  mayWrite(topic: string, partition: number): boolean;
  /** The index's `through` of the partition (where a write's records start). */
  through(topic: string, partition: number): number;
  /** A write failed: its records may have landed from `through`. */
  onUnsure(topic: string, partition: number, through: number): void;
  /** A write was refused by fencing. */
  onFenced(): void;
}

export class PartitionWriter {
  readonly #options: PartitionWriterOptions;
  /** Per `topic\0partition`: the tail of the write before it. */
  readonly #tails = new Map<string, Promise<unknown>>();

  constructor(options: PartitionWriterOptions) {
    this.#options = options;
  }

  /** `sink` with its writes serialized per partition with every other sink's, and fenced. */
  serialized(sink: RecordSink): RecordSink {
    return {
      write: (topic: string, partition: number, records: RecordSet) =>
        this.#write(sink, topic, partition, records),
      stop: () => sink.stop(),
    };
  }

  /** Resolves when the writes already queued into these partitions have ended (whatever their outcome). */
  async settled(tps: readonly TopicPartition[]): Promise<void> {
    await Promise.all(
      tps.map((tp) => this.#tails.get(partitionKey(tp.topic, tp.partition)) ?? Promise.resolve()),
    );
  }

  #write(sink: RecordSink, topic: string, partition: number, records: RecordSet) {
    const options = this.#options;
    const key = partitionKey(topic, partition);
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const through = options.through(topic, partition);
    const result = previous.then(() => {
      // Fencing: checked right before the records leave, after any write queued ahead of them.
      if (!options.mayWrite(topic, partition)) {
        options.onFenced();
        throw new GeomeshError(
          'GEOMESH_REPLICATION_NOT_OWNER',
          `not writing into ${topic}/${partition}: this instance does not certainly own it`,
          { details: { topic, partition } },
        );
      }
      return sink.write(topic, partition, records).catch((err: unknown) => {
        options.onUnsure(topic, partition, through);
        throw err;
      });
    });
    const tail = result.catch(() => undefined);
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }
}
