// Original file: proto/geomesh/v1/common.proto

import type { Long } from '@grpc/proto-loader';

/**
 * One inbound link of a node, summarised: what the node's heartbeat answer (Peer.Ping) carries and what its
 * peers report of it in their status (NodeStatus.peers).
 */
export interface LinkSummary {
  /**
   * Source region (the link's target is the reporting node's region).
   */
  'fromRegion'?: (string);
  /**
   * The link's state: "idle", "running", "stopping" or "stopped".
   */
  'state'?: (string);
  /**
   * Records in the source partitions not yet replicated, summed over partitions.
   */
  'lagRecords'?: (number | string | Long);
  /**
   * Records written per second over the node's last sampling interval (5 s by default).
   */
  'recordsPerSecond'?: (number | string);
  /**
   * Source partitions the link stopped replicating by policy.
   */
  'haltedPartitions'?: (number);
}

/**
 * One inbound link of a node, summarised: what the node's heartbeat answer (Peer.Ping) carries and what its
 * peers report of it in their status (NodeStatus.peers).
 */
export interface LinkSummary__Output {
  /**
   * Source region (the link's target is the reporting node's region).
   */
  'fromRegion': (string);
  /**
   * The link's state: "idle", "running", "stopping" or "stopped".
   */
  'state': (string);
  /**
   * Records in the source partitions not yet replicated, summed over partitions.
   */
  'lagRecords': (number);
  /**
   * Records written per second over the node's last sampling interval (5 s by default).
   */
  'recordsPerSecond': (number);
  /**
   * Source partitions the link stopped replicating by policy.
   */
  'haltedPartitions': (number);
}
