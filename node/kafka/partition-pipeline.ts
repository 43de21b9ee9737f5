/**
 * The batches a source has in hand, per partition, so that the next fetch overlaps the write of the batch
 * before it: a partition's batches are handled one after the other (a write is acknowledged before the next
 * batch of the partition is handled, as the origin marks need), but the consumer may fetch and decode the
 * next one meanwhile. Without it, kafkajs fetched, waited until every batch of that fetch was written and
 * acknowledged, then fetched again: the source and the target took turns.
 *
 * Three rules keep the guarantees:
 * - **Order.** A partition's batches are handled in the order they were queued, one at a time.
 * - **At most one waits.** `queue` resolves once the batch before it has ended, so a partition holds at
 *   most two batches: one being handled, one waiting (what the consumer fetched meanwhile).
 * - **Position changes drop what is in hand.** After a halt, a release, a failed batch or a seek (`reset`),
 *   the batches already queued for the partition are dropped unhandled: the consumer reads them again from
 *   the new position. Writing one of them first would move the origin marks past records not yet written,
 *   which the marks would then drop as copies.
 *
 * What the target holds is tracked apart from what the consumer has read: `acked` offsets advance only when
 * a batch's write is acknowledged, and only they are committed to the source group, so a restart resumes no
 * later than the last record in the target.
 */
import { partitionKey } from '../replication/index.ts';

export interface PipelineResult {
  /** Offset to commit for the partition (one past the last record the target holds), if it moved. */
  ackedTo?: number;
  /** The partition's position changes: the batches queued behind are dropped. */
  resetsPosition?: boolean;
}

interface Pipe {
  /** The last batch queued: it settles (never rejects) when that batch has been handled or dropped. */
  tail: Promise<void>;
  generation: number;
  /** One past the last record acknowledged by the target, if any since the source started. */
  acked: number | undefined;
  /** The acked offset last committed (or being committed). */
  committed: number | undefined;
}

export interface AckedOffset {
  topic: string;
  partition: number;
  offset: number;
}

export class PartitionPipeline {
  readonly #pipes = new Map<string, Pipe & { topic: string; partition: number }>();
  /** Batches queued and not yet settled, over every partition. */
  #inHand = 0;

  #pipe(topic: string, partition: number): Pipe {
    const key = partitionKey(topic, partition);
    let pipe = this.#pipes.get(key);
    if (!pipe) {
      pipe = {
        topic,
        partition,
        tail: Promise.resolve(),
        generation: 0,
        acked: undefined,
        committed: undefined,
      };
      this.#pipes.set(key, pipe);
    }
    return pipe;
  }

  /** Batches queued and not yet handled or dropped. */
  get inHand(): number {
    return this.#inHand;
  }

  /**
   * Queues `handle` behind the partition's earlier batches. It runs unless the partition's position changed
   * after it was queued (then it is dropped, and `handle` never runs). Resolves when the batch *before* it
   * has ended: the caller may then let the consumer fetch on.
   */
  queue(topic: string, partition: number, handle: () => Promise<PipelineResult>): Promise<void> {
    const pipe = this.#pipe(topic, partition);
    const generation = pipe.generation;
    const previous = pipe.tail;
    this.#inHand++;
    pipe.tail = previous
      .then(async () => {
        if (generation !== pipe.generation) return;
        const result = await handle();
        if (result.ackedTo !== undefined && (pipe.acked === undefined || result.ackedTo > pipe.acked))
          pipe.acked = result.ackedTo;
        if (result.resetsPosition) pipe.generation++;
      })
      // `handle` reports its own failures as a result; one that throws still drops what is queued behind.
      .catch(() => void pipe.generation++)
      .finally(() => void this.#inHand--);
    return previous;
  }

  /** The partition's position was changed from outside (a seek, a new assignment): drop what is in hand. */
  reset(topic: string, partition: number): void {
    this.#pipe(topic, partition).generation++;
  }

  /** Every partition's position changes (the consumer rejoined its group, or is replaced). */
  resetAll(): void {
    for (const pipe of this.#pipes.values()) pipe.generation++;
  }

  /** Acked offsets not committed yet; marked as committed (give them back with `uncommit` if that fails). */
  takeUncommitted(): AckedOffset[] {
    const out: AckedOffset[] = [];
    for (const pipe of this.#pipes.values()) {
      if (pipe.acked === undefined || pipe.acked === pipe.committed) continue;
      pipe.committed = pipe.acked;
      out.push({ topic: pipe.topic, partition: pipe.partition, offset: pipe.acked });
    }
    return out;
  }

  /** A commit of these failed: they are taken again next time. */
  uncommit(offsets: readonly AckedOffset[]): void {
    for (const { topic, partition } of offsets) this.#pipe(topic, partition).committed = undefined;
  }

  /** Resolves when every batch queued so far has been handled or dropped. */
  async drained(): Promise<void> {
    while (this.#inHand > 0) await Promise.all([...this.#pipes.values()].map((p) => p.tail));
  }
}
