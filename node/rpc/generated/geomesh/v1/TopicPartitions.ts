// Original file: proto/geomesh/v1/operator.proto


/**
 * Partitions of one topic.
 */
export interface TopicPartitions {
  /**
   * Topic name.
   */
  'topic'?: (string);
  /**
   * Partition numbers, ascending.
   */
  'partitions'?: (number)[];
}

/**
 * Partitions of one topic.
 */
export interface TopicPartitions__Output {
  /**
   * Topic name.
   */
  'topic': (string);
  /**
   * Partition numbers, ascending.
   */
  'partitions': (number)[];
}
