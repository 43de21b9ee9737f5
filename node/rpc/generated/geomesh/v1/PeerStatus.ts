// Original file: proto/geomesh/v1/operator.proto

import type { LinkSummary as _geomesh_v1_LinkSummary, LinkSummary__Output as _geomesh_v1_LinkSummary__Output } from '../../geomesh/v1/LinkSummary.ts';
import type { Long } from '@grpc/proto-loader';

/**
 * A peer region's node as the reporting node's heartbeats see it.
 */
export interface PeerStatus {
  /**
   * The peer region.
   */
  'region'?: (string);
  /**
   * `host:port` the reporting node calls the peer region at.
   */
  'address'?: (string);
  /**
   * Where that address comes from: "etcd" (the oldest live instance the region registered) or "topology"
   * (the region's `node.grpc`: etcd lists no live instance of the region, or cannot be read).
   */
  'addressSource'?: (string);
  /**
   * True when the peer answered the last heartbeat.
   */
  'isUp'?: (boolean);
  /**
   * Round trip of the last answered heartbeat, in milliseconds; -1 before any answer.
   */
  'roundTripMs'?: (number | string);
  /**
   * Milliseconds since the last answered heartbeat; -1 before any answer.
   */
  'lastAnswerAgeMs'?: (number | string | Long);
  /**
   * Why the last heartbeat failed; "" when it was answered (or none was sent yet).
   */
  'error'?: (string);
  /**
   * From the last answer (kept while the peer does not answer): the instance id that answered, its geomesh
   * version and lifecycle state ("" before any answer).
   */
  'instance'?: (string);
  'version'?: (string);
  'nodeState'?: (string);
  /**
   * From the last answer: the peer's inbound links, sorted by source region.
   */
  'links'?: (_geomesh_v1_LinkSummary)[];
}

/**
 * A peer region's node as the reporting node's heartbeats see it.
 */
export interface PeerStatus__Output {
  /**
   * The peer region.
   */
  'region': (string);
  /**
   * `host:port` the reporting node calls the peer region at.
   */
  'address': (string);
  /**
   * Where that address comes from: "etcd" (the oldest live instance the region registered) or "topology"
   * (the region's `node.grpc`: etcd lists no live instance of the region, or cannot be read).
   */
  'addressSource': (string);
  /**
   * True when the peer answered the last heartbeat.
   */
  'isUp': (boolean);
  /**
   * Round trip of the last answered heartbeat, in milliseconds; -1 before any answer.
   */
  'roundTripMs': (number);
  /**
   * Milliseconds since the last answered heartbeat; -1 before any answer.
   */
  'lastAnswerAgeMs': (number);
  /**
   * Why the last heartbeat failed; "" when it was answered (or none was sent yet).
   */
  'error': (string);
  /**
   * From the last answer (kept while the peer does not answer): the instance id that answered, its geomesh
   * version and lifecycle state ("" before any answer).
   */
  'instance': (string);
  'version': (string);
  'nodeState': (string);
  /**
   * From the last answer: the peer's inbound links, sorted by source region.
   */
  'links': (_geomesh_v1_LinkSummary__Output)[];
}
