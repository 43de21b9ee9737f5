/**
 * Every runtime default of a region's node, declared once, with its unit. What a topology declares (a link's
 * maxBatchBytes, maxInflightBytes, …; work sharing's leaseTtlMs) takes its default from the topology's
 * schema, where the YAML documents it (LINK_OPTION_DEFAULTS, topology/topology-schema.ts); etcd's client
 * timeouts from the coordination adapter (COORDINATION_DEFAULTS). What is here is the node's own: intervals,
 * deadlines and retries no topology field names. A node reads none of it directly: `compileNodeConfig`
 * (node/config/compile-node-config.ts) applies a caller's overrides to it and hands each component its slice.
 */
export const NODE_DEFAULTS = deepFreeze({
  /** How often links re-list the source's topics, compare partition counts and audit coverage. */
  topicRefreshMs: 5_000,
  /** How often the origin index is written to its topic. */
  indexFlushIntervalMs: 1_000,
  /**
   * Worker threads the data path is spread over, each owning a share of the target partitions
   * (docs/work-sharing.md, "Worker threads"); 1 runs it on the main thread. `auto`: as many as the cores the
   * process may run on (2 on 2 cores copied ×1.76 the rate of 1 at 100 B). A link with `transport: stream`
   * streams on worker threads through the main thread's peer channels (workers/stream-relay.ts).
   */
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- the setting's type, not the literal's
  workers: 'auto' as number | 'auto',
  /**
   * Work sharing: fence each owned target partition at the broker (a transactional producer per partition,
   * docs/work-sharing.md, "Fencing"; `geomesh node --fence-at-broker`). Off by default: its commit markers
   * make translations into the region inexact (a marker reads as a local record of the target region).
   */
  fenceAtBroker: false,
  /**
   * Where a node with several worker threads keeps its partitions (docs/work-sharing.md, "Worker placement";
   * `geomesh node --worker-placement`). `adaptive`: on worker 0 while the workers are calm (one thread writes
   * with less delay: p99 17 ms against 20–56 ms spread, at 1,000 records/s of 1 KiB on 2 cores), over every
   * worker once the one in use is busy and behind; otherwise always over every worker. Every `sampleMs` each
   * worker's event-loop utilisation is read: spread once the busiest worker in use was at least
   * `spreadAbovePercent` busy with at least `spreadLagRecords` waiting (the links' lag) for `spreadAfterMs`,
   * gather once all workers together were less than `gatherBelowPercent` busy for `gatherAfterMs`. Under work
   * sharing the partitions stay spread.
   */
  workerPlacement: {
    adaptive: true,
    sampleMs: 250,
    spreadAbovePercent: 50,
    spreadLagRecords: 10_000,
    spreadAfterMs: 250,
    gatherBelowPercent: 20,
    gatherAfterMs: 30_000,
  },
  /** How often a worker thread sends its links' counters and metrics to the main thread. */
  workerReportMs: 250,
  /**
   * The most MiB each of a worker thread's two semi-spaces (V8's young generation) may grow to
   * (workers/worker-heap.ts). 8 against the main thread's 16: with 2 workers at 100 B the node's peak
   * resident memory was ~40 MiB lower, the rate the same and the CPU per record within 5 % (docs/benchmarks.md,
   * "Sixth round"); at 4 more is promoted and the old generation grows instead.
   */
  workerSemiSpaceMiB: 8,
  /** How often this region's groups are checkpointed and pushed to peers. */
  /**
   * How old a partition's log end may be when the records after a group's frontier are counted (the
   * replication gap): reads of one topic within this age are shared by every group's translation.
   */
  logEndMaxAgeMs: 1_000,
  checkpointIntervalMs: 5_000,
  /** Deadline of a call to a peer (a translation falls back to a checkpoint after it). */
  peerTimeoutMs: 3_000,
  /** How often every peer is pinged (`geomesh_peer_up`, key agreement), and the peers' keys read from etcd. */
  peerHeartbeatMs: 5_000,
  /** Deadline of one ping; a peer that does not answer within it counts as down. */
  peerHeartbeatTimeoutMs: 2_000,
  /**
   * A running link whose source has answered none of its fetches for this long shows as `stalled` in the
   * status (`geomesh_link_source_silence_seconds` says how long): a blackholed broker, or a target so slow
   * that the link stopped fetching. Above a rebalance's usual length (the session timeout is 10 s).
   */
  linkStallMs: 20_000,
  /** How often link rates are sampled for the status. */
  rateIntervalMs: 5_000,
  /** Bound of the whole drain on SIGTERM/SIGINT: under Kubernetes' default grace period of 30 s. */
  stopDeadlineMs: 25_000,
  /**
   * How long a stop waits for work it may drop before it goes on without it: background rounds (topic
   * refresh, checkpoints), and the last index flush, whose records the next start rebuilds from the log.
   * A client retrying against a cluster that does not answer would otherwise hold the stop for a minute.
   * `workers`: a worker thread's drain (its writes in flight end), after which it is terminated; what it had
   * written but not yet reported is rebuilt from the log at the next start.
   */
  stopGraceMs: { background: 2_000, indexFlush: 5_000, workers: 15_000 },
  /** After a stop, how long open handles are given before they are reported as a leak. */
  exitGraceMs: 2_000,
  /**
   * Pause before etcd is tried again after a failure: connecting the node's etcd session, registering the
   * instance, listing the peers. One pace for every retry against etcd.
   */
  etcdRetryMs: 5_000,
  /** The peers' instances registered in etcd (peer discovery, docs/coordination.md). */
  peerDirectory: {
    /** How often the members are listed again while the watch runs. */
    refreshMs: 5_000,
    /** Deadline of one listing (etcd counts as unreadable after it). */
    listTimeoutMs: 3_000,
    /** Pause before a failed watch is started again (after a fresh listing); at most `etcdRetryMs`. */
    watchRestartMs: 1_000,
  },
  /** Agreement on provenance keys with the peers (key-agreement.ts). */
  keyAgreement: {
    /** How long a heartbeat's word on a peer's keys outranks its registration in etcd. */
    heartbeatTrustMs: 15_000,
    /** At start, how long the peers' keys in etcd are waited for before the links start. */
    etcdWaitMs: 3_000,
  },
  /** The status reporter (GetStatus, /status.json, /mesh.json). */
  status: {
    /** How long a mesh view is reused. */
    meshCacheMs: 2_000,
    /** Deadline of a GetStatus call to another node. */
    peerTimeoutMs: 2_000,
    /** A client of another instance unused this long is closed. */
    instanceClientIdleMs: 60_000,
    /** Deadline of reading the region states recorded in etcd. */
    regionStatesTimeoutMs: 2_000,
    /** How often the status page in a browser reloads its data. */
    pageRefreshMs: 3_000,
  },
  /** Longest pause between reads of etcd's current topology while etcd is unreachable (`--topology-from etcd`). */
  topologyWatchRetryMaxMs: 2_000,
  /** How often a work-sharing instance reconciles its share with etcd. */
  workReconcileMs: 1_000,
  /** A failed write into the target is retried after this, doubling up to `max`. */
  writeRetryBackoffMs: { initial: 500, max: 10_000 },
  /** The Kafka adapter's clients (node/kafka). */
  kafka: {
    /** Connecting to a broker, and any one request, give up after these. */
    connectionTimeoutMs: 3_000,
    requestTimeoutMs: 30_000,
    /** Connecting to a cluster to read its id (the check that no two regions name one cluster). */
    clusterCheckTimeoutMs: 5_000,
    /** A link's fetch response at most (what its consumer holds before the link handles it; kafkajs' own). */
    fetchMaxBytes: 10_485_760,
    /**
     * One partition's share of a fetch response at most. When every record of a response was decoded at once
     * and lived until its partition's write was acknowledged (records are now read in place,
     * node/kafka/fetched-records.ts), 1 MiB a partition at 100 B was ~60,000 records (six partitions) in
     * memory at a time, most of them promoted to V8's old generation before they died, and
     * 256 KiB gave ~100 MiB less peak resident memory at 100 B between two local clusters; but a link pulling
     * through an 80 ms round trip then moved a quarter of the bytes per round trip: 2,904 and 3,029 records/s of
     * 1 KiB against 11,008 and 10,474 with 1 MiB (`npm run bench:wan`, ABAB). Geo-replication pulls across the
     * WAN, so 1 MiB (docs/benchmarks.md, "Memory").
     */
    fetchMaxBytesPerPartition: 1_048_576,
    /**
     * Partitions of one fetch a link's source takes in hand at once (kafkajs' partitionsConsumedConcurrently).
     * A batch is read in place or packed as soon as it is taken (node/kafka/fetched-records.ts,
     * node/replication/packed-records.ts); one left waiting for a turn would stay decoded meanwhile, so this
     * is more than a link's usual partition count.
     */
    sourcePartitionsInHand: 64,
    /**
     * How often a link's source commits to its group the offsets the target has acknowledged (the next batch
     * is fetched while the one before is written, so only acknowledged offsets are committed).
     */
    sourceCommitIntervalMs: 1_000,
    /**
     * Produce requests a link's sink has in flight at once, each from its own idempotent producer (kafkajs'
     * idempotent mode allows one a producer); a partition is never in two at once. With one, a write of a
     * partition that arrived while another partition's request was in flight waited for its answer; with two
     * it leaves at once. At 1,000 records/s of 1 KiB, beside another node on the same 2 cores, the node's part
     * of latency fell from 6.4–7.5 to 5.5–6.4 ms per write on average, p99 52–60 to 43–53 ms; copies
     * unchanged (docs/benchmarks.md, "Two requests in flight").
     */
    sinkRequestsInFlight: 2,
    /** A bounded range read (index load, tail scan) fails after this. */
    rangeReadTimeoutMs: 60_000,
    /** A range read ends when fetches have brought nothing for this long (its range ends in markers). */
    rangeReadIdleMs: 1_500,
    /**
     * Work sharing: a write's transaction (one per write, docs/work-sharing.md "Fencing") left open this long
     * is aborted by the broker's transaction coordinator — an owner that died mid-write while no other
     * instance takes its partitions over; until then read_committed readers of the partition wait at it.
     */
    fenceTransactionTimeoutMs: 10_000,
  },
  /** How often a source partition's log start is compared with what a link expects (truncation). */
  truncationCheckIntervalMs: 5_000,
  /** How many groups a failover translates (and then commits) at once. */
  failoverConcurrency: 16,
  /** A failover or failback: the node's side (etcd) and the CLI's (progress, catch-up). */
  failover: {
    /** Deadline of each read or write of a region state record in etcd during a failover. */
    etcdTimeoutMs: 8_000,
    /**
     * A call's claim on its kind and regions in etcd (one call at a time mesh-wide): the lease's TTL (how long
     * a killed node's claim holds others up), and how long and how often another call waits for it.
     */
    claimTtlMs: 10_000,
    claimWaitMs: 30_000,
    claimPollMs: 500,
    /** How often the CLI asks the node for a failover's progress. */
    progressPollMs: 500,
    /** How often a failback asks whether the region has caught up. */
    catchUpPollMs: 1_000,
    /** How often the CLI calls again a node that is still starting (within --wait-ms). */
    nodePollMs: 500,
    /** How long `geomesh failover` waits for its node to serve (--wait-ms). */
    failoverNodeWaitMs: 30_000,
    /** How often `--wait-for-replication` translates again to see whether the gap has closed. */
    replicationPollMs: 1_000,
    /** How long `--planned` waits for the consumers to stop and the gap to close (without --wait-for-replication). */
    plannedWaitMs: 300_000,
    /** Most partitions the text report lists one by one with records not replicated yet. */
    gapLinesShown: 20,
  },
});

export type NodeDefaults = typeof NODE_DEFAULTS;

/** `T` with every property, at every depth, read-only (functions stay callable). */
export type DeepReadonly<T> = {
  readonly [K in keyof T]: T[K] extends (...args: never[]) => unknown
    ? T[K]
    : T[K] extends object
      ? DeepReadonly<T[K]>
      : T[K];
};

/** Freezes `value` and every object in it. */
export function deepFreeze<T extends object>(value: T): DeepReadonly<T> {
  for (const inner of Object.values(value))
    if (inner !== null && typeof inner === 'object' && !Object.isFrozen(inner)) deepFreeze(inner as object);
  return Object.freeze(value);
}
