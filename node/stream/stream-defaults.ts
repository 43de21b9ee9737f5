/** The defaults of the record stream (Peer.StreamRecords), declared once. */
export const STREAM_DEFAULTS = Object.freeze({
  /** Bound of one stream batch's records before compression, when the request sets none: 512 KiB. */
  maxBatchBytes: 512 * 1024,
  /** Least and most a request may ask for as its batch bound: 1 KiB and 8 MiB (half the RPC message limit). */
  minBatchBytes: 1024,
  maxBatchBytesLimit: 8 * 1024 * 1024,
  /** How often the serving node sends an empty batch on a stream it has nothing for: 1 s. */
  heartbeatMs: 1_000,
  /**
   * Bytes of received stream batches (before compression) a link holds per stream, queued or being written,
   * before it stops reading the stream (its flow control then holds the serving node back): 16 MiB.
   */
  receiveQueueBytes: 16 * 1024 * 1024,
  /** Silence on a stream (no batch, no heartbeat) after which the link pulls instead: 5 s. */
  stallMs: 5_000,
  /** How often a link that fell back to pulling checks whether its source's node streams again: 10 s. */
  retryStreamMs: 10_000,
  /**
   * Longest a link starting with its node waits for the first heartbeat to its source's node to be answered
   * (or to fail) before it chooses between streaming and pulling: 5 s (a node that does not answer by then
   * is pulled from, and streamed from once it answers, within retryStreamMs).
   */
  firstHeartbeatWaitMs: 5_000,
  /**
   * Bound of the window of recent batches each partition read shared keeps for the streams that follow it
   * (node/stream/shared-reads.ts): 4 MiB, plus one fetch of the partition.
   */
  fanoutWindowBytes: 4 * 1024 * 1024,
  /**
   * How long a shared read waits, in all, for a stream about to fall out of its window while a faster stream
   * follows it, before the slow one reads on its own (renewed each time it follows again): 2 s.
   */
  slowStreamMs: 2_000,
});
