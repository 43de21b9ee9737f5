/**
 * Which worker thread of a node owns a target partition (docs/work-sharing.md, "Worker threads"). Pure: the
 * same answer on every start with the same count, balanced within a topic (consecutive partitions go round
 * the workers, each topic starting at its own worker), and a partition added later has its worker at once.
 */
import { GeomeshError } from '../../base/index.ts';

/** 32-bit FNV-1a of a string's UTF-16 code units: a stable, well-spread start worker per topic. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** The worker (0 … workers − 1) owning `topic`/`partition` among `workers`. */
export function workerOf(topic: string, partition: number, workers: number): number {
  if (!Number.isSafeInteger(workers) || workers < 1)
    throw new GeomeshError(
      'GEOMESH_CONFIG_INVALID',
      `node setting workers: must be a positive whole number, got ${String(workers)}`,
      { details: { key: 'workers' } },
    );
  if (!Number.isSafeInteger(partition) || partition < 0)
    throw new RangeError(`partition of ${topic} must be a whole number ≥ 0, got ${String(partition)}`);
  return (fnv1a(topic) + partition) % workers;
}

/** A predicate: whether worker `worker` of `workers` owns a target partition. */
export function ownedBy(worker: number, workers: number): (topic: string, partition: number) => boolean {
  return (topic, partition) => workerOf(topic, partition, workers) === worker;
}

/**
 * Worker placement (worker-placement.ts): how many workers hold partitions, and while a move is under way the
 * count it moves to (null: none).
 */
export interface Placement {
  active: number;
  moving: number | null;
}

/**
 * Whether worker `worker` holds a target partition under `placement`: the worker rule over the workers in use,
 * and during a move only what the rule gives it both before and after (the rest is nobody's until the move's
 * second phase, so no partition ever has two writers).
 */
export function heldBy(worker: number, placement: Placement, topic: string, partition: number): boolean {
  return (
    workerOf(topic, partition, placement.active) === worker &&
    (placement.moving === null || workerOf(topic, partition, placement.moving) === worker)
  );
}
