/**
 * Every runtime default of a region's node, declared once, with its unit. The link options a topology
 * declares (maxBatchBytes, maxInflightBytes, …) take their defaults from the topology (LINK_OPTION_DEFAULTS,
 * topology/topology-schema.ts); etcd's from the coordination adapter (COORDINATION_DEFAULTS). What is here
 * is the node's own: intervals, deadlines and retries no topology field names.
 */
export const NODE_DEFAULTS = Object.freeze({
  /** How often links re-list the source's topics, compare partition counts and audit coverage. */
  topicRefreshMs: 5_000,
  /** How often the origin index is written to its topic. */
  indexFlushIntervalMs: 1_000,
  /** How often this region's groups are checkpointed and pushed to peers. */
  checkpointIntervalMs: 5_000,
  /** Deadline of a call to a peer (a translation falls back to a checkpoint after it). */
  peerTimeoutMs: 3_000,
  /** How often every peer is pinged (`geomesh_peer_up`, key agreement). */
  peerHeartbeatMs: 5_000,
  /** How often link rates are sampled for the status. */
  rateIntervalMs: 5_000,
  /** Bound of the whole drain on SIGTERM/SIGINT: under Kubernetes' default grace period of 30 s. */
  stopDeadlineMs: 25_000,
  /**
   * How long a stop waits for work it may drop before it goes on without it: background rounds (topic
   * refresh, checkpoints), and the last index flush, whose records the next start rebuilds from the log.
   * A client retrying against a cluster that does not answer would otherwise hold the stop for a minute.
   */
  stopGraceMs: Object.freeze({ background: 2_000, indexFlush: 5_000 }),
  /** After a stop, how long open handles are given before they are reported as a leak. */
  exitGraceMs: 2_000,
  /**
   * Pause before etcd is tried again after a failure: connecting the node's etcd session, registering the
   * instance, listing the peers. One pace for every retry against etcd.
   */
  etcdRetryMs: 5_000,
  /** How often a work-sharing instance reconciles its share with etcd. */
  workReconcileMs: 1_000,
  /** A failed write into the target is retried after this, doubling up to `max`. */
  writeRetryBackoffMs: Object.freeze({ initial: 500, max: 10_000 }),
  /** The Kafka adapter's clients (node/kafka). */
  kafka: Object.freeze({
    /** Connecting to a broker, and any one request, give up after these. */
    connectionTimeoutMs: 3_000,
    requestTimeoutMs: 30_000,
    /** A link's fetch response at most (what its consumer holds before the link handles it; kafkajs' own). */
    fetchMaxBytes: 10_485_760,
    /** One partition's share of a fetch response at most. */
    fetchMaxBytesPerPartition: 1_048_576,
    /** A bounded range read (index load, tail scan) fails after this. */
    rangeReadTimeoutMs: 60_000,
    /** A range read ends when fetches have brought nothing for this long (its range ends in markers). */
    rangeReadIdleMs: 1_500,
  }),
  /** How often a source partition's log start is compared with what a link expects (truncation). */
  truncationCheckIntervalMs: 5_000,
  /** How many groups a failover translates (and then commits) at once. */
  failoverConcurrency: 16,
});

export type NodeDefaults = typeof NODE_DEFAULTS;
