// Original file: proto/geomesh/v1/operator.proto

import type { LinkStatus as _geomesh_v1_LinkStatus, LinkStatus__Output as _geomesh_v1_LinkStatus__Output } from '../../geomesh/v1/LinkStatus.ts';
import type { PeerStatus as _geomesh_v1_PeerStatus, PeerStatus__Output as _geomesh_v1_PeerStatus__Output } from '../../geomesh/v1/PeerStatus.ts';
import type { WorkSharingStatus as _geomesh_v1_WorkSharingStatus, WorkSharingStatus__Output as _geomesh_v1_WorkSharingStatus__Output } from '../../geomesh/v1/WorkSharingStatus.ts';
import type { ProvenanceStatus as _geomesh_v1_ProvenanceStatus, ProvenanceStatus__Output as _geomesh_v1_ProvenanceStatus__Output } from '../../geomesh/v1/ProvenanceStatus.ts';
import type { Long } from '@grpc/proto-loader';

/**
 * What one node instance reports about itself. State fields are strings (documented values) rather than
 * enums so a newer node can report a state an older CLI prints as it is.
 */
export interface NodeStatus {
  /**
   * Mesh name, from the topology.
   */
  'mesh'?: (string);
  /**
   * The node's region.
   */
  'region'?: (string);
  /**
   * The instance id (unique within its region; the id it registers in etcd).
   */
  'instance'?: (string);
  /**
   * The node's lifecycle state: "starting", "running", "stopping", "stopped" or "failed".
   */
  'state'?: (string);
  /**
   * The node's geomesh version.
   */
  'version'?: (string);
  /**
   * When the instance started, in milliseconds since the Unix epoch.
   */
  'startedAtMs'?: (number | string | Long);
  /**
   * When this report was made, in milliseconds since the Unix epoch (by the node's clock).
   */
  'reportedAtMs'?: (number | string | Long);
  /**
   * `host:port` of the node's gRPC endpoint, as registered in etcd.
   */
  'grpcAddress'?: (string);
  /**
   * `host:port` of the node's HTTP endpoint (/metrics, /status), "" when it serves none.
   */
  'httpAddress'?: (string);
  /**
   * The instance's registration in etcd: "idle" (not serving gRPC yet), "connecting" (first attempt under
   * way), "registered", "retrying" (etcd unreachable or the registration refused; the node replicates all the
   * same), "stopped", or "disabled" (the node was told not to register).
   */
  'registration'?: (string);
  /**
   * One entry per inbound link the node runs (this region is their target), sorted by source region.
   */
  'links'?: (_geomesh_v1_LinkStatus)[];
  /**
   * Milliseconds since the node last checkpointed its region's consumer groups; -1 when it has not yet.
   */
  'lastCheckpointAgeMs'?: (number | string | Long);
  /**
   * Runs held in the node's origin index (replicated stretches of its region's partitions).
   */
  'indexRuns'?: (number | string | Long);
  /**
   * The node's heartbeats to the other regions' nodes (Peer.Ping every 5 s): one entry per other region of
   * the topology, sorted by region. Empty from a node older than this field.
   */
  'peers'?: (_geomesh_v1_PeerStatus)[];
  /**
   * The node's share of its region's target partitions when the region runs several instances
   * (`node.workSharing`); absent when the region does not share work, and from a node older than the field.
   */
  'workSharing'?: (_geomesh_v1_WorkSharingStatus | null);
  /**
   * The node's provenance keys (ids only) and how they agree with its peers'; absent from a node older than
   * the field.
   */
  'provenance'?: (_geomesh_v1_ProvenanceStatus | null);
}

/**
 * What one node instance reports about itself. State fields are strings (documented values) rather than
 * enums so a newer node can report a state an older CLI prints as it is.
 */
export interface NodeStatus__Output {
  /**
   * Mesh name, from the topology.
   */
  'mesh': (string);
  /**
   * The node's region.
   */
  'region': (string);
  /**
   * The instance id (unique within its region; the id it registers in etcd).
   */
  'instance': (string);
  /**
   * The node's lifecycle state: "starting", "running", "stopping", "stopped" or "failed".
   */
  'state': (string);
  /**
   * The node's geomesh version.
   */
  'version': (string);
  /**
   * When the instance started, in milliseconds since the Unix epoch.
   */
  'startedAtMs': (number);
  /**
   * When this report was made, in milliseconds since the Unix epoch (by the node's clock).
   */
  'reportedAtMs': (number);
  /**
   * `host:port` of the node's gRPC endpoint, as registered in etcd.
   */
  'grpcAddress': (string);
  /**
   * `host:port` of the node's HTTP endpoint (/metrics, /status), "" when it serves none.
   */
  'httpAddress': (string);
  /**
   * The instance's registration in etcd: "idle" (not serving gRPC yet), "connecting" (first attempt under
   * way), "registered", "retrying" (etcd unreachable or the registration refused; the node replicates all the
   * same), "stopped", or "disabled" (the node was told not to register).
   */
  'registration': (string);
  /**
   * One entry per inbound link the node runs (this region is their target), sorted by source region.
   */
  'links': (_geomesh_v1_LinkStatus__Output)[];
  /**
   * Milliseconds since the node last checkpointed its region's consumer groups; -1 when it has not yet.
   */
  'lastCheckpointAgeMs': (number);
  /**
   * Runs held in the node's origin index (replicated stretches of its region's partitions).
   */
  'indexRuns': (number);
  /**
   * The node's heartbeats to the other regions' nodes (Peer.Ping every 5 s): one entry per other region of
   * the topology, sorted by region. Empty from a node older than this field.
   */
  'peers': (_geomesh_v1_PeerStatus__Output)[];
  /**
   * The node's share of its region's target partitions when the region runs several instances
   * (`node.workSharing`); absent when the region does not share work, and from a node older than the field.
   */
  'workSharing': (_geomesh_v1_WorkSharingStatus__Output | null);
  /**
   * The node's provenance keys (ids only) and how they agree with its peers'; absent from a node older than
   * the field.
   */
  'provenance': (_geomesh_v1_ProvenanceStatus__Output | null);
}
