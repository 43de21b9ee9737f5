/**
 * A RecordSource whose every method does nothing (one partition 0 of a topic of `logEnd` records), for
 * fakes that implement only what their test drives (`start`, and what they override).
 */
import type {
  BatchOutcome,
  PartitionOffsets,
  RecordSource,
  SourceBatch,
  SourceReadingState,
  TopicPartition,
} from '../../node/replication/index.ts';

export abstract class StubRecordSource implements RecordSource {
  stopped = false;
  readonly #logEnd: number;
  constructor(logEnd = 0) {
    this.#logEnd = logEnd;
  }
  abstract start(
    topics: readonly string[],
    positionOf: (tp: TopicPartition) => number | undefined,
    onBatch: (batch: SourceBatch) => Promise<BatchOutcome>,
    isReadable?: (tp: TopicPartition) => boolean,
  ): Promise<void>;
  pausePartitions(): void {}
  resumePartition(): void {}
  update(): Promise<void> {
    return Promise.resolve();
  }
  readingState(): SourceReadingState {
    return { isJoined: true, assigned: new Map(), paused: new Map() };
  }
  partitionOffsets(): Promise<PartitionOffsets> {
    return Promise.resolve({ logStart: 0, logEnd: this.#logEnd });
  }
  topicOffsets(): Promise<ReadonlyMap<number, PartitionOffsets>> {
    return Promise.resolve(new Map([[0, { logStart: 0, logEnd: this.#logEnd }]]));
  }
  committedOffset(): undefined {
    return undefined;
  }
  stop(): Promise<void> {
    this.stopped = true;
    return Promise.resolve();
  }
}
