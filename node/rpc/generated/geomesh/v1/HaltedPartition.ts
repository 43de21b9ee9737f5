// Original file: proto/geomesh/v1/operator.proto


/**
 * A source partition a link halted, and why (with the fix).
 */
export interface HaltedPartition {
  /**
   * Topic name.
   */
  'topic'?: (string);
  /**
   * Partition number.
   */
  'partition'?: (number);
  /**
   * Why it halted and what to do.
   */
  'reason'?: (string);
}

/**
 * A source partition a link halted, and why (with the fix).
 */
export interface HaltedPartition__Output {
  /**
   * Topic name.
   */
  'topic': (string);
  /**
   * Partition number.
   */
  'partition': (number);
  /**
   * Why it halted and what to do.
   */
  'reason': (string);
}
