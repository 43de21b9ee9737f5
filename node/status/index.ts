/**
 * Mesh status, pure: a node's own report from its parts, rates from counters, the mesh-wide view from every
 * region's report and etcd's members, and its renderings (the `geomesh status` table, the SVG picture, the
 * status page). No sockets or timers: callers fetch and sample. See docs/status.md.
 */
export type * from './status-types.ts';
export { RateTracker } from './rate-tracker.ts';
export {
  buildNodeStatus,
  groupByTopic,
  linkKey,
  sampleLinkRates,
  wanBytesPerWrittenByte,
  type LinkSnapshot,
  type LinkTraffic,
  type NodeSnapshot,
  type WorkSharingSnapshot,
} from './node-status.ts';
export {
  DEFAULT_LAG_WARN_RECORDS,
  assembleMeshStatus,
  collectMeshStatus,
  instanceFromMember,
  linkHealth,
  meshLayoutOf,
  regionStateOf,
  type InstanceAnswers,
  type MeshLayout,
  type MeshStatusOptions,
  type MeshStatusSources,
  type MembersAnswer,
  type NodeAnswer,
  type RecordedRegionState,
  type RegionStatesAnswer,
  type RegisteredMember,
} from './mesh-status.ts';
export { provenanceRows, type ProvenanceRows } from './provenance-rows.ts';
export { LINK_PATH_ROWS_SCRIPT, formatWanPerWritten, linkPathRows } from './link-path-rows.ts';
export {
  countPartitions,
  formatAge,
  formatPartitionCount,
  formatPartitionRanges,
  formatRate,
  formatRegionState,
  renderStatusTable,
  textTable,
  workSharingRows,
} from './status-table.ts';
export {
  HEALTH_COLORS,
  arrowLabel,
  escapeXml,
  labelBox,
  meshGraph,
  renderMeshSvg,
  type GraphArrow,
  type GraphNode,
  type LegendEntry,
  type MeshGraph,
  type MeshGraphOptions,
  type NodeHealth,
} from './mesh-graph.ts';
export {
  DRAW_MESH_SCRIPT,
  REGION_STATE_SCRIPT,
  SHARE_ROWS_SCRIPT,
  renderStatusPage,
  type StatusPageInput,
} from './status-page.ts';
