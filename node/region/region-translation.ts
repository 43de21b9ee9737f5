/**
 * The translation service of a region node, wired to the node's index, checkpoints and metrics. Checkpoints
 * peers push are persisted with the index (the keeper's queue), so a restart still has them.
 */
import type { ClusterOffsets } from '../kafka/index.ts';
import type { Logger } from '../log/index.ts';
import type { TranslationMetrics } from '../observability/index.ts';
import type { TopicPartition } from '../replication/index.ts';
import { TranslationService } from '../translation-service/index.ts';
import type { CheckpointStore, IndexView, OriginIndex } from '../translation/index.ts';
import type { IndexKeeper } from './index-keeper.ts';
import type { RegionTranslationOptions } from './region-node-options.ts';

/** The node's parts translation reads and writes. */
export interface RegionTranslationParts {
  region: string;
  index: OriginIndex;
  indexFor(tps: readonly TopicPartition[]): Promise<IndexView>;
  checkpoints: CheckpointStore;
  cluster: ClusterOffsets;
  keeper: Pick<IndexKeeper, 'enqueue'>;
  metrics: TranslationMetrics;
  logger: Logger;
}

/** A translation service for the node (not started). */
export function regionTranslation(
  options: RegionTranslationOptions,
  parts: RegionTranslationParts,
): TranslationService {
  return new TranslationService({
    region: parts.region,
    regions: options.regions,
    index: parts.index,
    indexFor: (tps) => parts.indexFor(tps),
    checkpoints: parts.checkpoints,
    cluster: parts.cluster,
    peer: (region) => options.peer(region),
    isCheckpointedGroup: (group) => options.isCheckpointedGroup(group),
    ...(options.isSyncedGroup
      ? { isSyncedGroup: (region: string, group: string) => options.isSyncedGroup!(region, group) }
      : {}),
    onCheckpointReceived: (checkpoint) => parts.keeper.enqueue({ kind: 'checkpoint', checkpoint }),
    ...(options.checkpointIntervalMs !== undefined
      ? { checkpointIntervalMs: options.checkpointIntervalMs }
      : {}),
    logger: parts.logger,
    onTranslated: (from, to, source, seconds) =>
      parts.metrics.translationDuration.labels(from, to, source).observe(seconds),
  });
}
