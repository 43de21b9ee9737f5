// Original file: proto/geomesh/v1/operator.proto

import type { HaltedPartition as _geomesh_v1_HaltedPartition, HaltedPartition__Output as _geomesh_v1_HaltedPartition__Output } from '../../geomesh/v1/HaltedPartition.ts';
import type { UnreplicatedPartition as _geomesh_v1_UnreplicatedPartition, UnreplicatedPartition__Output as _geomesh_v1_UnreplicatedPartition__Output } from '../../geomesh/v1/UnreplicatedPartition.ts';
import type { Long } from '@grpc/proto-loader';

/**
 * One inbound link as its target region's node reports it.
 */
export interface LinkStatus {
  /**
   * Source region.
   */
  'fromRegion'?: (string);
  /**
   * Target region (the reporting node's region).
   */
  'toRegion'?: (string);
  /**
   * The link's state: "idle", "running", "stopping" or "stopped".
   */
  'state'?: (string);
  /**
   * Records in the source partitions not yet replicated, summed over partitions, as of each partition's last
   * fetched batch.
   */
  'lagRecords'?: (number | string | Long);
  /**
   * Records written per second over the node's last sampling interval (5 s by default).
   */
  'recordsPerSecond'?: (number | string);
  /**
   * Records the link has written since the node started.
   */
  'recordsWritten'?: (number | string | Long);
  /**
   * Source partitions the link stopped replicating by policy, sorted by topic then partition.
   */
  'halted'?: (_geomesh_v1_HaltedPartition)[];
  /**
   * Source partitions nobody reads (coverage audit: not read here, nor by another instance of the region),
   * sorted by topic then partition; empty when every partition is read.
   */
  'unreplicated'?: (_geomesh_v1_UnreplicatedPartition)[];
  /**
   * How the link gets its source's records now: "pull" (this node reads the source cluster) or "stream"
   * (the source region's node streams what this region needs); "" from a node older than this field.
   */
  'path'?: (string);
  /**
   * Times the link changed its path (stream to pull or back) since the node started.
   */
  'pathSwitches'?: (number | string | Long);
  /**
   * Bytes this node received for the link over the WAN since it started: its stream's records as sent,
   * and every byte from the source region's cluster (fetches, metadata, offsets).
   */
  'wanBytes'?: (number | string | Long);
  /**
   * Key and value bytes the link wrote into this region since the node started.
   */
  'writtenBytes'?: (number | string | Long);
  /**
   * wan_bytes per written_bytes; -1 while nothing was written.
   */
  'wanBytesPerWrittenByte'?: (number | string);
}

/**
 * One inbound link as its target region's node reports it.
 */
export interface LinkStatus__Output {
  /**
   * Source region.
   */
  'fromRegion': (string);
  /**
   * Target region (the reporting node's region).
   */
  'toRegion': (string);
  /**
   * The link's state: "idle", "running", "stopping" or "stopped".
   */
  'state': (string);
  /**
   * Records in the source partitions not yet replicated, summed over partitions, as of each partition's last
   * fetched batch.
   */
  'lagRecords': (number);
  /**
   * Records written per second over the node's last sampling interval (5 s by default).
   */
  'recordsPerSecond': (number);
  /**
   * Records the link has written since the node started.
   */
  'recordsWritten': (number);
  /**
   * Source partitions the link stopped replicating by policy, sorted by topic then partition.
   */
  'halted': (_geomesh_v1_HaltedPartition__Output)[];
  /**
   * Source partitions nobody reads (coverage audit: not read here, nor by another instance of the region),
   * sorted by topic then partition; empty when every partition is read.
   */
  'unreplicated': (_geomesh_v1_UnreplicatedPartition__Output)[];
  /**
   * How the link gets its source's records now: "pull" (this node reads the source cluster) or "stream"
   * (the source region's node streams what this region needs); "" from a node older than this field.
   */
  'path': (string);
  /**
   * Times the link changed its path (stream to pull or back) since the node started.
   */
  'pathSwitches': (number);
  /**
   * Bytes this node received for the link over the WAN since it started: its stream's records as sent,
   * and every byte from the source region's cluster (fetches, metadata, offsets).
   */
  'wanBytes': (number);
  /**
   * Key and value bytes the link wrote into this region since the node started.
   */
  'writtenBytes': (number);
  /**
   * wan_bytes per written_bytes; -1 while nothing was written.
   */
  'wanBytesPerWrittenByte': (number);
}
