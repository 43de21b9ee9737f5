/**
 * A RecordSource over an in-memory log (for the serving side of the record stream): each readable partition
 * delivers batches of up to `batchRecords` from its position, awaiting each batch before the next, and
 * honours pause, resume with a seek, 'released' (read on from `positionOf` while readable, else pause) and
 * stop; each batch after a turn of the event loop, as a fetch would. `recordAt` gives the partition's record at an offset, undefined past its end (a log that grows can
 * answer more later). Counts what it delivered.
 */
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import type {
  BatchOutcome,
  PartitionOffsets,
  RecordSource,
  SourceBatch,
  SourceReadingState,
  SourceRecord,
  TopicPartition,
} from '../../node/replication/index.ts';

export type RecordAt = (partition: number, offset: number) => SourceRecord | undefined;

export class LogRecordSource implements RecordSource {
  stopped = false;
  /** Records delivered in batches, over every partition. */
  recordsDelivered = 0;
  batchesDelivered = 0;
  readonly #recordAt: RecordAt;
  readonly #partitions: readonly number[];
  readonly #batchRecords: number;
  readonly #positions = new Map<number, number>();
  readonly #paused = new Set<number>();
  readonly #running = new Set<number>();
  #topic = '';
  #positionOf: (tp: TopicPartition) => number | undefined = () => undefined;
  #onBatch: ((batch: SourceBatch) => Promise<BatchOutcome>) | undefined;
  #isReadable: (tp: TopicPartition) => boolean = () => true;

  constructor(partitions: readonly number[], recordAt: RecordAt, batchRecords = 10) {
    this.#partitions = partitions;
    this.#recordAt = recordAt;
    this.#batchRecords = batchRecords;
  }

  start(
    topics: readonly string[],
    positionOf: (tp: TopicPartition) => number | undefined,
    onBatch: (batch: SourceBatch) => Promise<BatchOutcome>,
    isReadable?: (tp: TopicPartition) => boolean,
  ): Promise<void> {
    this.#topic = topics[0]!;
    this.#positionOf = positionOf;
    this.#onBatch = onBatch;
    if (isReadable) this.#isReadable = isReadable;
    for (const partition of this.#partitions) {
      const tp = { topic: this.#topic, partition };
      if (!this.#isReadable(tp)) {
        this.#paused.add(partition);
        continue;
      }
      this.#positions.set(partition, positionOf(tp) ?? 0);
      this.#run(partition);
    }
    return Promise.resolve();
  }

  pausePartitions(tps: readonly TopicPartition[]): void {
    for (const tp of tps) this.#paused.add(tp.partition);
  }

  resumePartition(tp: TopicPartition, position: number | undefined): void {
    if (position !== undefined) this.#positions.set(tp.partition, position);
    this.#paused.delete(tp.partition);
    if (this.#onBatch) this.#run(tp.partition);
  }

  #run(partition: number): void {
    if (this.#running.has(partition)) return;
    this.#running.add(partition);
    void (async () => {
      try {
        while (!this.stopped && !this.#paused.has(partition)) {
          // A fetch is I/O: other work runs between batches.
          await nextTurn();
          const at = this.#positions.get(partition) ?? 0;
          const records: SourceRecord[] = [];
          for (let o = at; records.length < this.#batchRecords; o++) {
            const r = this.#recordAt(partition, o);
            if (!r) break;
            records.push({ ...r, topic: this.#topic, partition, offset: o });
          }
          if (records.length === 0) {
            await sleep(5);
            continue;
          }
          const outcome = await this.#onBatch!({
            topic: this.#topic,
            partition,
            records,
            highWatermark: at + records.length,
          });
          this.batchesDelivered++;
          this.recordsDelivered += records.length;
          const tp = { topic: this.#topic, partition };
          if (outcome.kind === 'done') {
            // A seek while the batch was handled wins.
            if (this.#positions.get(partition) === at) this.#positions.set(partition, at + records.length);
          } else if (outcome.kind === 'released' && this.#isReadable(tp)) {
            this.#positions.set(partition, this.#positionOf(tp) ?? at);
          } else {
            this.#paused.add(partition);
          }
        }
      } finally {
        this.#running.delete(partition);
      }
    })();
  }

  update(): Promise<void> {
    return Promise.resolve();
  }

  readingState(): SourceReadingState {
    return { isJoined: true, assigned: new Map(), paused: new Map() };
  }

  partitionOffsets(): Promise<PartitionOffsets> {
    return Promise.resolve({ logStart: 0, logEnd: 0 });
  }

  topicOffsets(): Promise<ReadonlyMap<number, PartitionOffsets>> {
    return Promise.resolve(new Map());
  }

  committedOffset(): undefined {
    return undefined;
  }

  stop(): Promise<void> {
    this.stopped = true;
    return Promise.resolve();
  }
}
