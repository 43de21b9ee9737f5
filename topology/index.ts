/**
 * Topology: the YAML graph of a mesh (schema, validation with positioned diagnostics, `${ENV}` secrets),
 * routing (per-origin forwarding trees) and the compiled, frozen `TopologyConfig` a node runs from.
 * A pure core: no sockets, no timers, no environment reads.
 */
export {
  validateTopology,
  compileTopology,
  type ValidateTopologyOptions,
  type TopologyValidation,
} from './validate-topology.ts';
export {
  TopologyConfig,
  type RegionConfig,
  type KafkaConfig,
  type SaslConfig,
  type TlsConfig,
  type EtcdConfig,
  type LinkConfig,
  type LinkOptionsConfig,
  type LinkRef,
} from './topology-config.ts';
export {
  DIAGNOSTIC_CODES,
  formatDiagnostic,
  sortDiagnostics,
  type Diagnostic,
  type DiagnosticCode,
  type DiagnosticSeverity,
} from './diagnostic.ts';
export { computeForwardingTrees, type Edge, type Route, type ForwardingTree } from './routing.ts';
export { Selection, compilePattern, isInternalTopic, isInternalGroup } from './selection.ts';
export { type EnvSource, SECRET_PATHS } from './resolve-env.ts';
export { diffTopologies, type TopologyDiff } from './diff-topologies.ts';
export { renderTopology, TOPOLOGY_FORMATS, type TopologyFormat } from './render-topology.ts';
export { canonicalJson, contentHash } from './canonical-json.ts';
export { didYouMean, editDistance } from './did-you-mean.ts';
export { topologyJsonSchema, TOPOLOGY_SCHEMA_ID } from './topology-json-schema.ts';
export {
  TopologySchema,
  LINK_OPTION_DEFAULTS,
  LINK_OPTION_RANGES,
  DEFAULT_NODE_GRPC,
  DEFAULT_NODE_HTTP,
  DEFAULT_WORK_SHARING_LEASE_TTL_MS,
  STRING_FORMATS,
  type TopologyOptions,
  type RegionOptions,
  type LinkOptions,
  type LinkTuningOptions,
  type SelectionOptions,
} from './topology-schema.ts';
export type { NormalizedTopology } from './normalize-topology.ts';
