// Original file: proto/geomesh/v1/peer.proto

import type { StreamStart as _geomesh_v1_StreamStart, StreamStart__Output as _geomesh_v1_StreamStart__Output } from '../../geomesh/v1/StreamStart.ts';

export interface StreamRecordsRequest {
  /**
   * The calling node's region: the target of the link whose records are asked for (required).
   */
  'region'?: (string);
  /**
   * The topic to read in the called node's cluster (required).
   */
  'topic'?: (string);
  /**
   * The partitions to read and where to start each (at least one; each partition once).
   */
  'partitions'?: (_geomesh_v1_StreamStart)[];
  /**
   * How the records of each batch are compressed: "zstd" (also when ""), "gzip" or "none".
   */
  'compression'?: (string);
  /**
   * Upper bound of one batch's records before compression, in bytes; 0 means the called node's default.
   */
  'maxBatchBytes'?: (number);
}

export interface StreamRecordsRequest__Output {
  /**
   * The calling node's region: the target of the link whose records are asked for (required).
   */
  'region': (string);
  /**
   * The topic to read in the called node's cluster (required).
   */
  'topic': (string);
  /**
   * The partitions to read and where to start each (at least one; each partition once).
   */
  'partitions': (_geomesh_v1_StreamStart__Output)[];
  /**
   * How the records of each batch are compressed: "zstd" (also when ""), "gzip" or "none".
   */
  'compression': (string);
  /**
   * Upper bound of one batch's records before compression, in bytes; 0 means the called node's default.
   */
  'maxBatchBytes': (number);
}
