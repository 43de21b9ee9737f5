/**
 * The topology's source of truth in etcd: versioned records applied by compare-and-swap (`TopologyStore`), a
 * watch that hands nodes each new version compiled and diffed (`watchTopology`), and the start-up comparison of a
 * node's file with etcd (`compareTopologyWithStore`). Speaks to etcd only through the coordination interfaces.
 */
export {
  TopologyStore,
  topologyConflict,
  type ApplyOutcome,
  type ApplyTopologyOptions,
  type ApplyTopologyResult,
  type StoredTopology,
  type TopologyCoordination,
  type TopologyStoreOptions,
} from './topology-store.ts';
export {
  TOPOLOGY_CURRENT_KEY,
  TOPOLOGY_VERSIONS_PREFIX,
  decodeTopologyRecordV1,
  encodeTopologyRecordV1,
  parseTopologyVersionKey,
  topologyVersionKey,
  type TopologyRecord,
} from './topology-record.ts';
export {
  compileStoredTopology,
  storedTopologyName,
  type CompileStoredOptions,
} from './compile-stored-topology.ts';
export {
  watchTopology,
  type TopologyRejection,
  type TopologyUpdate,
  type WatchTopologyOptions,
} from './watch-topology.ts';
export {
  compareTopologyWithStore,
  describeTopologyAgreement,
  type DescribeAgreementInput,
  type TopologyAgreement,
  type TopologyAgreementStatus,
} from './compare-topology.ts';
