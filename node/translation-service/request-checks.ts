/** Checks of what callers and peers send the translation service: names, topics, frontiers that can be real. */
import { GeomeshError } from '../../base/index.ts';
import type { CheckpointPartition } from '../translation/index.ts';

export function invalid(message: string): GeomeshError {
  return new GeomeshError('GEOMESH_RPC_INVALID_ARGUMENT', message);
}

export function requireName(value: string, field: string): void {
  if (!value) throw invalid(`${field} is empty`);
}

export function requireTopics(topics: readonly string[]): void {
  if (topics.some((t) => !t)) throw invalid('a topic name is empty');
}

const isOffset = (n: number): boolean => Number.isSafeInteger(n) && n >= -1;

/** A partition frontier as a peer sent it: names and offsets that can be real. */
export function requirePartitionFrontier(p: CheckpointPartition, where: string): void {
  if (!p.topic) throw invalid(`${where}: a partition names no topic`);
  if (!Number.isSafeInteger(p.partition) || p.partition < 0)
    throw invalid(`${where}: ${p.topic} partition ${p.partition} is not a partition number`);
  if (!isOffset(p.committedOffset))
    throw invalid(
      `${where}: ${p.topic}/${p.partition} committed offset ${p.committedOffset} is not an offset`,
    );
  for (const f of p.frontier) {
    if (!f.region || !isOffset(f.offset))
      throw invalid(
        `${where}: ${p.topic}/${p.partition} frontier ${JSON.stringify(f)} is not a region and offset`,
      );
  }
  for (const u of p.unconsumed ?? []) {
    if (
      !u.region ||
      !isOffset(u.fromOffset) ||
      !isOffset(u.toOffset) ||
      !Number.isSafeInteger(u.records) ||
      u.records < 0
    )
      throw invalid(
        `${where}: ${p.topic}/${p.partition} unconsumed ${JSON.stringify(u)} is not a region, range and count`,
      );
  }
}
