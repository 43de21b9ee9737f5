/** The regional node: wires the Kafka adapter and the replication core into running links. */
export { RegionNode, type RegionNodeState } from './region-node.ts';
export type {
  ClusterConnection,
  InboundLinkSpec,
  RegionNodeOptions,
  RegionTranslationOptions,
  RegionWorkSharing,
} from './region-node-options.ts';
export { assertDistinctClusters, clusterConnection, inboundLinkSpecs } from './from-topology.ts';
