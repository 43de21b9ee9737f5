// Original file: proto/geomesh/v1/common.proto

import type { Long } from '@grpc/proto-loader';

/**
 * A number of records of one origin region (for the partition named by the enclosing message).
 */
export interface OriginCount {
  /**
   * Origin region name.
   */
  'region'?: (string);
  'records'?: (number | string | Long);
}

/**
 * A number of records of one origin region (for the partition named by the enclosing message).
 */
export interface OriginCount__Output {
  /**
   * Origin region name.
   */
  'region': (string);
  'records': (number);
}
