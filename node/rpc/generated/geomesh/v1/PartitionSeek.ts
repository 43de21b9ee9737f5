// Original file: proto/geomesh/v1/peer.proto

import type { Long } from '@grpc/proto-loader';

/**
 * Where to resume in the called node's region for one partition.
 */
export interface PartitionSeek {
  /**
   * Topic name.
   */
  'topic'?: (string);
  /**
   * Partition number.
   */
  'partition'?: (number);
  /**
   * The smallest offset whose record is above the frontier for its origin; log_end when there is none yet.
   */
  'offset'?: (number | string | Long);
  /**
   * How many records at or after offset are at or below the frontier (already consumed elsewhere).
   */
  'alreadySeen'?: (number | string | Long);
  /**
   * The partition's log end offset when the seek was computed.
   */
  'logEnd'?: (number | string | Long);
}

/**
 * Where to resume in the called node's region for one partition.
 */
export interface PartitionSeek__Output {
  /**
   * Topic name.
   */
  'topic': (string);
  /**
   * Partition number.
   */
  'partition': (number);
  /**
   * The smallest offset whose record is above the frontier for its origin; log_end when there is none yet.
   */
  'offset': (number);
  /**
   * How many records at or after offset are at or below the frontier (already consumed elsewhere).
   */
  'alreadySeen': (number);
  /**
   * The partition's log end offset when the seek was computed.
   */
  'logEnd': (number);
}
