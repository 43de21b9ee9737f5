// Original file: proto/geomesh/v1/common.proto

import type { Long } from '@grpc/proto-loader';

/**
 * A position in the log of one origin region, for the partition given by the enclosing message (the same
 * topic name and partition number exist in every region).
 */
export interface OriginOffset {
  /**
   * Name of the origin region, as declared in the topology (e.g. "us-east").
   */
  'region'?: (string);
  /**
   * Offset of a record in the origin region's own partition; -1 means none (no record of that origin).
   */
  'offset'?: (number | string | Long);
}

/**
 * A position in the log of one origin region, for the partition given by the enclosing message (the same
 * topic name and partition number exist in every region).
 */
export interface OriginOffset__Output {
  /**
   * Name of the origin region, as declared in the topology (e.g. "us-east").
   */
  'region': (string);
  /**
   * Offset of a record in the origin region's own partition; -1 means none (no record of that origin).
   */
  'offset': (number);
}
