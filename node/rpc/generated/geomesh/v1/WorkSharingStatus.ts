// Original file: proto/geomesh/v1/operator.proto

import type { TopicPartitions as _geomesh_v1_TopicPartitions, TopicPartitions__Output as _geomesh_v1_TopicPartitions__Output } from '../../geomesh/v1/TopicPartitions.ts';
import type { Long } from '@grpc/proto-loader';

/**
 * An instance's share of its region's target partitions (docs/work-sharing.md).
 */
export interface WorkSharingStatus {
  /**
   * "connecting" (etcd not reached yet: the instance owns nothing), "running" or "stopped".
   */
  'state'?: (string);
  /**
   * The TTL of the instance's etcd lease, in milliseconds.
   */
  'leaseTtlMs'?: (number | string | Long);
  /**
   * True when the lease is certainly alive now: the instance writes its partitions only while it is.
   */
  'isLeaseValid'?: (boolean);
  /**
   * The region's live instances as the instance's last round read them (sorted ids, itself included).
   */
  'workers'?: (string)[];
  /**
   * The target partitions the instance owns and writes, one entry per topic, sorted by topic.
   */
  'owned'?: (_geomesh_v1_TopicPartitions)[];
  /**
   * Why the instance's last round failed; "" when it succeeded.
   */
  'lastError'?: (string);
}

/**
 * An instance's share of its region's target partitions (docs/work-sharing.md).
 */
export interface WorkSharingStatus__Output {
  /**
   * "connecting" (etcd not reached yet: the instance owns nothing), "running" or "stopped".
   */
  'state': (string);
  /**
   * The TTL of the instance's etcd lease, in milliseconds.
   */
  'leaseTtlMs': (number);
  /**
   * True when the lease is certainly alive now: the instance writes its partitions only while it is.
   */
  'isLeaseValid': (boolean);
  /**
   * The region's live instances as the instance's last round read them (sorted ids, itself included).
   */
  'workers': (string)[];
  /**
   * The target partitions the instance owns and writes, one entry per topic, sorted by topic.
   */
  'owned': (_geomesh_v1_TopicPartitions__Output)[];
  /**
   * Why the instance's last round failed; "" when it succeeded.
   */
  'lastError': (string);
}
