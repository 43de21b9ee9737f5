/**
 * A translation service over a fake Kafka cluster, for unit tests of what a node answers: group `billing`
 * committed offset 5 on orders/0, whose log runs 0 to 10; nothing is committed; checkpoints are taken only
 * when a test asks.
 */
import { silentLogger } from '../../node/log/index.ts';
import { TranslationService, type LocalCluster, type PeerApi } from '../../node/translation-service/index.ts';
import { CheckpointStore, OriginIndex } from '../../node/translation/index.ts';

export function fakeTranslationService(options: {
  region: string;
  regions: readonly string[];
  peer?: (region: string) => PeerApi | undefined;
  /** The origin index of the node's cluster; default empty (every record local). */
  index?: OriginIndex;
}): { svc: TranslationService; checkpoints: CheckpointStore } {
  const checkpoints = new CheckpointStore();
  const cluster: LocalCluster = {
    committedOffsets: (group) =>
      Promise.resolve(group === 'billing' ? [{ topic: 'orders', partition: 0, offset: 5 }] : []),
    topicRanges: (topic) =>
      Promise.resolve(topic === 'orders' ? [{ partition: 0, logStart: 0, logEnd: 10 }] : undefined),
    groups: () => Promise.resolve(['billing']),
    commit: () => Promise.reject(new Error('translation commits nothing')),
  };
  const svc = new TranslationService({
    region: options.region,
    regions: options.regions,
    index: options.index ?? new OriginIndex(),
    checkpoints,
    cluster,
    peer: options.peer ?? (() => undefined),
    isCheckpointedGroup: () => true,
    checkpointIntervalMs: 0,
    logger: silentLogger(),
  });
  return { svc, checkpoints };
}
