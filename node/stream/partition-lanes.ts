/**
 * How a link handles the batches of one topic's stream: one lane per partition, handled at once across
 * partitions (their writes share produce requests in the sink) and in order within each, one at a time. The
 * batches that arrived for a partition while its lane was busy are merged into one when it is free, so a
 * stream of many small batches (a low rate, a busy machine) costs one write per round trip to the target,
 * not one per batch: handled one at a time for the whole topic, each small batch waited for the write of the
 * one before it, and the stream fell seconds behind at 1,000 records/s through an 80 ms round trip.
 *
 * `push` waits while more than `maxQueuedBytes` are queued (the stream is then not read, and its
 * flow control holds the serving node back). A handler that says stop (a halt, a release) stops every lane:
 * what is queued is dropped unhandled, to be read again from the positions handled so far.
 */
import type { SourceRecord } from '../replication/index.ts';

export interface LaneBatch {
  /** Bytes it holds (for the queue bound). */
  bytes: number;
}

export interface PartitionLanesOptions<B extends LaneBatch> {
  /** Joins batches of one partition, in arrival order, into one. */
  merge(batches: readonly B[]): B;
  /** Handles one (merged) batch; false stops every lane. */
  handle(batch: B): Promise<boolean>;
  maxQueuedBytes: number;
}

interface Lane<B> {
  queue: B[];
  running: Promise<void> | undefined;
}

export class PartitionLanes<B extends LaneBatch> {
  readonly #options: PartitionLanesOptions<B>;
  readonly #lanes = new Map<number, Lane<B>>();
  #queuedBytes = 0;
  #handling = 0;
  #stopped = false;
  #roomWaiters: (() => void)[] = [];
  /** The first error a handler threw (the lanes stop then). */
  error: unknown;

  constructor(options: PartitionLanesOptions<B>) {
    this.#options = options;
  }

  /** Some batch is queued or being handled: the stream is held back by this side, not silent. */
  get isBusy(): boolean {
    return this.#handling > 0 || this.#queuedBytes > 0;
  }

  get isStopped(): boolean {
    return this.#stopped;
  }

  /** Queues a batch of `partition`; resolves when the queue has room for more (at once, mostly). */
  async push(partition: number, batch: B): Promise<void> {
    if (this.#stopped) return;
    let lane = this.#lanes.get(partition);
    if (!lane) this.#lanes.set(partition, (lane = { queue: [], running: undefined }));
    lane.queue.push(batch);
    this.#queuedBytes += batch.bytes;
    lane.running ??= this.#run(lane);
    while (this.#queuedBytes > this.#options.maxQueuedBytes && !this.#stopped)
      await new Promise<void>((resolve) => this.#roomWaiters.push(resolve));
  }

  /** Stops every lane: queued batches are dropped, those being handled end. */
  stop(): void {
    this.#stopped = true;
    for (const lane of this.#lanes.values()) lane.queue = [];
    this.#queuedBytes = 0;
    this.#wakeWaiters();
  }

  /** Resolves when no batch is being handled (after `stop`, or once every queued batch was). */
  async settled(): Promise<void> {
    for (;;) {
      const running = [...this.#lanes.values()].flatMap((l) => (l.running ? [l.running] : []));
      if (running.length === 0) return;
      await Promise.all(running);
    }
  }

  async #run(lane: Lane<B>): Promise<void> {
    try {
      while (lane.queue.length > 0 && !this.#stopped) {
        const taken = lane.queue;
        lane.queue = [];
        const bytes = taken.reduce((n, b) => n + b.bytes, 0);
        this.#handling++;
        try {
          const goOn = await this.#options.handle(
            taken.length === 1 ? taken[0]! : this.#options.merge(taken),
          );
          if (!goOn) this.stop();
        } catch (err) {
          this.error ??= err;
          this.stop();
        } finally {
          this.#handling--;
          if (!this.#stopped) this.#queuedBytes -= bytes;
          this.#wakeWaiters();
        }
      }
    } finally {
      lane.running = undefined;
    }
  }

  #wakeWaiters(): void {
    const waiters = this.#roomWaiters;
    this.#roomWaiters = [];
    for (const wake of waiters) wake();
  }
}

/** A stream batch as received, decoded, waiting in its partition's lane. */
export interface ReceivedBatch {
  topic: string;
  partition: number;
  records: SourceRecord[];
  highWatermark: number;
  /** The next offset to read after it (past records the serving node filtered out). */
  nextOffset: number;
  bytes: number;
  /** When it arrived (`Date.now()`). */
  receivedAtMs: number;
}

/** Batches of one partition, in arrival order, as one. */
export function mergeReceived(batches: readonly ReceivedBatch[]): ReceivedBatch {
  const last = batches[batches.length - 1]!;
  return {
    topic: last.topic,
    partition: last.partition,
    records: batches.flatMap((b) => b.records),
    highWatermark: last.highWatermark,
    nextOffset: last.nextOffset,
    bytes: batches.reduce((n, b) => n + b.bytes, 0),
    // The node has held the merged records since the first of them arrived.
    receivedAtMs: batches[0]!.receivedAtMs,
  };
}
