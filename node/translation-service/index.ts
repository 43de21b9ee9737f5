/** The translation service of a node: live and checkpointed frontiers, seeks, checkpoint exchange. */
export { TranslationService } from './translation-service.ts';
export type {
  LocalCluster,
  PartitionSeek,
  PeerApi,
  Translation,
  TranslationServiceOptions,
} from './translation-types.ts';
