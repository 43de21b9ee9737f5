// Original file: proto/geomesh/v1/peer.proto

import type { OriginCount as _geomesh_v1_OriginCount, OriginCount__Output as _geomesh_v1_OriginCount__Output } from '../../geomesh/v1/OriginCount.ts';
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
  /**
   * Per origin: how many of the request's unconsumed records the called node's region does not hold yet
   * (origins with none missing are left out).
   */
  'missing'?: (_geomesh_v1_OriginCount)[];
  /**
   * Whether missing was counted (false when the request's unconsumed was not, or from an older node).
   */
  'missingCounted'?: (boolean);
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
  /**
   * Per origin: how many of the request's unconsumed records the called node's region does not hold yet
   * (origins with none missing are left out).
   */
  'missing': (_geomesh_v1_OriginCount__Output)[];
  /**
   * Whether missing was counted (false when the request's unconsumed was not, or from an older node).
   */
  'missingCounted': (boolean);
}
