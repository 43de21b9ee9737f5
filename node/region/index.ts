/** The regional node: wires the Kafka adapter and the replication core into running links. */
export { RegionNode, type RegionNodeState } from './region-node.ts';
export type {
  ClusterConnection,
  RegionNodeOptions,
  RegionTranslationOptions,
  RegionWorkSharing,
} from './region-node-options.ts';
export { assertDistinctClusters, clusterConnection } from './from-topology.ts';
