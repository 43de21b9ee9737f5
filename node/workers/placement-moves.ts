/**
 * A worker thread's side of a move of partitions between a node's workers (docs/work-sharing.md, "Worker
 * placement"). The main thread sends the move in two phases, each to every worker:
 *  - `release(next)`: the worker gives up what the placement over `next` workers takes from it (its consumers
 *    pause those partitions, its writes into them settle, their marks and `through` are forgotten), and from
 *    now on holds only what both placements give it (`heldBy` reads the shared `placement`);
 *  - `acquire(next)`, once every worker released: the placement is `next`; the worker takes what it brings, from
 *    the marks and `through` the main thread sent, and its consumers read those partitions from there.
 * Without work sharing only (the main thread moves nothing under it).
 */
import type { Logger } from '../log/index.ts';
import {
  partitionKey,
  type HighwaterEntry,
  type LinkReplicator,
  type OriginHighwater,
  type TopicPartition,
} from '../replication/index.ts';
import { heldBy, workerOf, type Placement } from './worker-assignment.ts';
import type { PartitionThrough } from './worker-messages.ts';

export interface PlacementMovesOptions {
  worker: number;
  /** The worker's placement, read by its rule (`heldBy`); the moves change it. */
  placement: Placement;
  links: readonly Pick<LinkReplicator, 'dropPartitions' | 'takePartitions' | 'coverageView'>[];
  /** The writes into partitions, settled on release. */
  writer: { settled(tps: readonly TopicPartition[]): Promise<void> };
  highwater: Pick<OriginHighwater, 'forget' | 'advance'>;
  /** `topic\0partition` → the index `through` of a held partition. */
  throughs: Map<string, number>;
  logger: Logger;
}

export class PlacementMoves {
  readonly #options: PlacementMovesOptions;

  constructor(options: PlacementMovesOptions) {
    this.#options = options;
  }

  #holds(tp: TopicPartition): boolean {
    return heldBy(this.#options.worker, this.#options.placement, tp.topic, tp.partition);
  }

  /** The target partitions this worker may know of: the main thread's list, what it wrote, what its consumers hold. */
  #known(tps: readonly TopicPartition[]): TopicPartition[] {
    const known = new Map(tps.map((tp) => [partitionKey(tp.topic, tp.partition), tp]));
    for (const key of this.#options.throughs.keys()) {
      const [topic = '', partition = '0'] = key.split('\0');
      known.set(key, { topic, partition: Number(partition) });
    }
    for (const link of this.#options.links)
      for (const [topic, partitions] of link.coverageView().reading.assigned)
        for (const partition of partitions) known.set(partitionKey(topic, partition), { topic, partition });
    return [...known.values()];
  }

  /** First phase: gives up what the move to `next` workers takes away; holds nothing new until `acquire`. */
  async release(next: number, tps: readonly TopicPartition[]): Promise<void> {
    const { worker, placement, links, writer, highwater, throughs, logger } = this.#options;
    const leaving = this.#known(tps).filter(
      (tp) => this.#holds(tp) && workerOf(tp.topic, tp.partition, next) !== worker,
    );
    placement.moving = next;
    if (leaving.length === 0) return;
    for (const link of links) link.dropPartitions(leaving);
    await writer.settled(leaving);
    for (const { topic, partition } of leaving) {
      highwater.forget(topic, partition);
      throughs.delete(partitionKey(topic, partition));
    }
    logger.info({ partitions: leaving.length, workers: next }, 'partitions given up to another worker');
  }

  /** Second phase: takes what the move to `active` workers brings, from the marks the main thread sent. */
  acquire(move: {
    active: number;
    tps: readonly TopicPartition[];
    marks: readonly HighwaterEntry[];
    throughs: readonly PartitionThrough[];
  }): TopicPartition[] {
    const { placement, links, highwater, throughs, logger } = this.#options;
    const known = this.#known(move.tps);
    const held = new Set(
      known.filter((tp) => this.#holds(tp)).map((tp) => partitionKey(tp.topic, tp.partition)),
    );
    placement.active = move.active;
    placement.moving = null;
    const coming = known.filter((tp) => this.#holds(tp) && !held.has(partitionKey(tp.topic, tp.partition)));
    if (coming.length === 0) return [];
    const keys = new Set(coming.map((tp) => partitionKey(tp.topic, tp.partition)));
    for (const { topic, partition } of coming) highwater.forget(topic, partition);
    for (const m of move.marks)
      if (keys.has(partitionKey(m.topic, m.partition)))
        highwater.advance(m.topic, m.partition, m.origin, m.offset);
    for (const [topic, partition, through] of move.throughs)
      if (keys.has(partitionKey(topic, partition))) throughs.set(partitionKey(topic, partition), through);
    for (const link of links) link.takePartitions(coming);
    logger.info(
      { partitions: coming.length, workers: placement.active },
      'partitions taken from another worker',
    );
    return coming;
  }
}
