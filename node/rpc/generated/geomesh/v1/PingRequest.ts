// Original file: proto/geomesh/v1/peer.proto

import type { Long } from '@grpc/proto-loader';

export interface PingRequest {
  /**
   * The calling node's region.
   */
  'region'?: (string);
  /**
   * The calling node instance's id (unique within its region).
   */
  'instance'?: (string);
  /**
   * When the ping was sent, in milliseconds since the Unix epoch (by the caller's clock).
   */
  'sentAtMs'?: (number | string | Long);
}

export interface PingRequest__Output {
  /**
   * The calling node's region.
   */
  'region': (string);
  /**
   * The calling node instance's id (unique within its region).
   */
  'instance': (string);
  /**
   * When the ping was sent, in milliseconds since the Unix epoch (by the caller's clock).
   */
  'sentAtMs': (number);
}
