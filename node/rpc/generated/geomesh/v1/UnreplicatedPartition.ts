// Original file: proto/geomesh/v1/operator.proto

import type { Long } from '@grpc/proto-loader';

/**
 * A source partition the coverage audit found read by nobody, why, and since when.
 */
export interface UnreplicatedPartition {
  /**
   * Topic name.
   */
  'topic'?: (string);
  /**
   * Partition number.
   */
  'partition'?: (number);
  /**
   * Why: "not-subscribed", "missing-in-target", "halted", "unowned", "not-joined", "unassigned" or "paused".
   */
  'reason'?: (string);
  /**
   * When an audit first found it unread, in milliseconds since the Unix epoch.
   */
  'sinceUnixMs'?: (number | string | Long);
}

/**
 * A source partition the coverage audit found read by nobody, why, and since when.
 */
export interface UnreplicatedPartition__Output {
  /**
   * Topic name.
   */
  'topic': (string);
  /**
   * Partition number.
   */
  'partition': (number);
  /**
   * Why: "not-subscribed", "missing-in-target", "halted", "unowned", "not-joined", "unassigned" or "paused".
   */
  'reason': (string);
  /**
   * When an audit first found it unread, in milliseconds since the Unix epoch.
   */
  'sinceUnixMs': (number);
}
