/** The regional node: wires the Kafka adapter and the replication core into running links. */
export {
  RegionNode,
  type ClusterConnection,
  type InboundLinkSpec,
  type RegionNodeOptions,
  type RegionNodeState,
  type RegionTranslationOptions,
  type RegionWorkSharing,
} from './region-node.ts';
export { assertDistinctClusters, clusterConnection, inboundLinkSpecs } from './from-topology.ts';
