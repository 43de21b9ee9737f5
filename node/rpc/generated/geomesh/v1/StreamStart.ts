// Original file: proto/geomesh/v1/peer.proto

import type { Long } from '@grpc/proto-loader';

/**
 * Where to start reading one partition.
 */
export interface StreamStart {
  /**
   * Partition number.
   */
  'partition'?: (number);
  /**
   * The first offset to read; records before the partition's log start are gone (the stream starts there).
   */
  'fromOffset'?: (number | string | Long);
}

/**
 * Where to start reading one partition.
 */
export interface StreamStart__Output {
  /**
   * Partition number.
   */
  'partition': (number);
  /**
   * The first offset to read; records before the partition's log start are gone (the stream starts there).
   */
  'fromOffset': (number);
}
