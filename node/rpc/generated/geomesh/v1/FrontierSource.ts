// Original file: proto/geomesh/v1/operator.proto

/**
 * Where the frontier of a translation came from.
 */
export const FrontierSource = {
  /**
   * Not set: never sent by a conforming node.
   */
  FRONTIER_SOURCE_UNSPECIFIED: 'FRONTIER_SOURCE_UNSPECIFIED',
  /**
   * Read from the source region's node and Kafka cluster during this call.
   */
  FRONTIER_SOURCE_LIVE: 'FRONTIER_SOURCE_LIVE',
  /**
   * Taken from the last checkpoint the source region pushed (the source region did not answer); as fresh as
   * frontier_time_ms: more possible duplicates, never a loss.
   */
  FRONTIER_SOURCE_CHECKPOINT: 'FRONTIER_SOURCE_CHECKPOINT',
} as const;

/**
 * Where the frontier of a translation came from.
 */
export type FrontierSource =
  /**
   * Not set: never sent by a conforming node.
   */
  | 'FRONTIER_SOURCE_UNSPECIFIED'
  | 0
  /**
   * Read from the source region's node and Kafka cluster during this call.
   */
  | 'FRONTIER_SOURCE_LIVE'
  | 1
  /**
   * Taken from the last checkpoint the source region pushed (the source region did not answer); as fresh as
   * frontier_time_ms: more possible duplicates, never a loss.
   */
  | 'FRONTIER_SOURCE_CHECKPOINT'
  | 2

/**
 * Where the frontier of a translation came from.
 */
export type FrontierSource__Output = typeof FrontierSource[keyof typeof FrontierSource]
