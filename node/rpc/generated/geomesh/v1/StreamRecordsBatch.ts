// Original file: proto/geomesh/v1/peer.proto

import type { Long } from '@grpc/proto-loader';

/**
 * Records of one partition read by the called node, those the caller needs, in offset order.
 */
export interface StreamRecordsBatch {
  /**
   * Topic name.
   */
  'topic'?: (string);
  /**
   * Partition number.
   */
  'partition'?: (number);
  /**
   * The offset after the last record read for this batch (sent or filtered out): where the next batch of the
   * partition starts reading.
   */
  'nextOffset'?: (number | string | Long);
  /**
   * The partition's high watermark when the records were read.
   */
  'highWatermark'?: (number | string | Long);
  /**
   * How `records` is compressed: "zstd", "gzip" or "none".
   */
  'compression'?: (string);
  /**
   * The records the caller needs (geomesh stream record encoding v1), compressed.
   */
  'records'?: (Buffer | Uint8Array | string);
  /**
   * How many records `records` holds.
   */
  'recordCount'?: (number);
  /**
   * How many records were read for this batch (record_count of them sent, the rest filtered out).
   */
  'readCount'?: (number);
  /**
   * The size of `records` before compression, in bytes.
   */
  'uncompressedBytes'?: (number | string | Long);
}

/**
 * Records of one partition read by the called node, those the caller needs, in offset order.
 */
export interface StreamRecordsBatch__Output {
  /**
   * Topic name.
   */
  'topic': (string);
  /**
   * Partition number.
   */
  'partition': (number);
  /**
   * The offset after the last record read for this batch (sent or filtered out): where the next batch of the
   * partition starts reading.
   */
  'nextOffset': (number);
  /**
   * The partition's high watermark when the records were read.
   */
  'highWatermark': (number);
  /**
   * How `records` is compressed: "zstd", "gzip" or "none".
   */
  'compression': (string);
  /**
   * The records the caller needs (geomesh stream record encoding v1), compressed.
   */
  'records': (Buffer);
  /**
   * How many records `records` holds.
   */
  'recordCount': (number);
  /**
   * How many records were read for this batch (record_count of them sent, the rest filtered out).
   */
  'readCount': (number);
  /**
   * The size of `records` before compression, in bytes.
   */
  'uncompressedBytes': (number);
}
