/** The translation service of a node: live and checkpointed frontiers, seeks, checkpoint exchange. */
export {
  TranslationService,
  type GroupFailoverResult,
  type LocalCluster,
  type PartitionSeek,
  type PeerApi,
  type Translation,
  type TranslationServiceOptions,
} from './translation-service.ts';
