// Original file: proto/geomesh/v1/common.proto

import type { Long } from '@grpc/proto-loader';

/**
 * Records of one origin region in a partition: those with origin offsets from from_offset to to_offset.
 */
export interface OriginRecords {
  /**
   * Origin region name.
   */
  'region'?: (string);
  /**
   * The first origin offset counted.
   */
  'fromOffset'?: (number | string | Long);
  /**
   * The last origin offset counted (the highest one held).
   */
  'toOffset'?: (number | string | Long);
  /**
   * How many records of that origin the region holds in that range (for the region's own records, offsets:
   * a transaction marker counts too).
   */
  'records'?: (number | string | Long);
}

/**
 * Records of one origin region in a partition: those with origin offsets from from_offset to to_offset.
 */
export interface OriginRecords__Output {
  /**
   * Origin region name.
   */
  'region': (string);
  /**
   * The first origin offset counted.
   */
  'fromOffset': (number);
  /**
   * The last origin offset counted (the highest one held).
   */
  'toOffset': (number);
  /**
   * How many records of that origin the region holds in that range (for the region's own records, offsets:
   * a transaction marker counts too).
   */
  'records': (number);
}
