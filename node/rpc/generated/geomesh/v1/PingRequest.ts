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
  /**
   * Id of the provenance key the calling node tags with (a fingerprint, never the key); "" from a node older
   * than this field.
   */
  'provenanceKeyId'?: (string);
  /**
   * Ids of every provenance key the calling node verifies with (its current one included), sorted.
   */
  'acceptedKeyIds'?: (string)[];
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
  /**
   * Id of the provenance key the calling node tags with (a fingerprint, never the key); "" from a node older
   * than this field.
   */
  'provenanceKeyId': (string);
  /**
   * Ids of every provenance key the calling node verifies with (its current one included), sorted.
   */
  'acceptedKeyIds': (string)[];
}
