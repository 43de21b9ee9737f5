/** The defaults of the record stream (Peer.StreamRecords), declared once. */
export const STREAM_DEFAULTS = Object.freeze({
  /** Bound of one stream batch's records before compression, when the request sets none: 512 KiB. */
  maxBatchBytes: 512 * 1024,
  /** Least and most a request may ask for as its batch bound: 1 KiB and 8 MiB (half the RPC message limit). */
  minBatchBytes: 1024,
  maxBatchBytesLimit: 8 * 1024 * 1024,
});
