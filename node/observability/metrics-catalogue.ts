/**
 * Every metric geomesh exports, declared in one place (`geomesh_<what>_<unit>`), registered on a registry the
 * caller passes in (never the global one). Labels never carry secrets.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type ReplicationMetrics = ReturnType<typeof createReplicationMetrics>;

/** End-to-end latency buckets in seconds: 1 ms to 2 min. */
const LATENCY_BUCKETS_SECONDS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120,
];

/** What the replication metrics read when scraped, per link: its source's silence and its in-flight bytes. */
export interface ReplicationMetricSources {
  sourceSilences(): readonly { from: string; to: string; ms: number }[];
  inflightBytes(): readonly { from: string; to: string; bytes: number }[];
}

/** A gauge per link (`from`, `to`) whose values are read at scrape time; links not read are dropped. */
function linkGauge(
  registers: Registry[],
  name: string,
  help: string,
  read: () => readonly (readonly [from: string, to: string, value: number])[] | undefined,
) {
  return new Gauge({
    name,
    help,
    labelNames: ['from', 'to'] as const,
    registers,
    collect() {
      const values = read();
      if (!values) return;
      this.reset();
      for (const [from, to, value] of values) this.labels(from, to).set(value);
    },
  });
}

export function createReplicationMetrics(registry: Registry, sources?: ReplicationMetricSources) {
  const registers = [registry];
  return {
    recordsReplicated: new Counter({
      name: 'geomesh_replicated_records_total',
      help: 'Records written into this region by a link',
      labelNames: ['from', 'to', 'topic'] as const,
      registers,
    }),
    bytesReplicated: new Counter({
      name: 'geomesh_replicated_bytes_total',
      help: 'Key and value bytes written into this region by a link',
      labelNames: ['from', 'to', 'topic'] as const,
      registers,
    }),
    recordsDropped: new Counter({
      name: 'geomesh_dropped_records_total',
      help: 'Records a link read and did not write: loop (back to their origin), not-forwarded (another link carries their origin), duplicate (already written)',
      labelNames: ['from', 'to', 'reason'] as const,
      registers,
    }),
    forgedOriginHeaders: new Counter({
      name: 'geomesh_forged_origin_headers_total',
      help: 'Records read that carried geomesh origin headers without a valid provenance tag (treated as local)',
      labelNames: ['from', 'to'] as const,
      registers,
    }),
    lagRecords: new Gauge({
      name: 'geomesh_replication_lag_records',
      help: 'Records in the source partition not yet replicated, as of the last fetched batch',
      labelNames: ['from', 'to', 'topic', 'partition'] as const,
      registers,
    }),
    lagSeconds: new Gauge({
      name: 'geomesh_replication_lag_seconds',
      help: 'Age of the newest record written by the link when it was acknowledged',
      labelNames: ['from', 'to'] as const,
      registers,
    }),
    endToEndLatency: new Histogram({
      name: 'geomesh_end_to_end_latency_seconds',
      help: 'From a record’s timestamp in the source to its acknowledged write in this region',
      labelNames: ['from', 'to'] as const,
      buckets: LATENCY_BUCKETS_SECONDS,
      registers,
    }),
    nodeLatency: new Histogram({
      name: 'geomesh_node_latency_seconds',
      help:
        'Per write: from the fetch response (or stream message) that brought its records to the target’s ' +
        'acknowledgement — the node’s part of geomesh_end_to_end_latency_seconds; the rest is the source side',
      labelNames: ['from', 'to'] as const,
      buckets: LATENCY_BUCKETS_SECONDS,
      registers,
    }),
    recordsTooLarge: new Counter({
      name: 'geomesh_records_too_large_total',
      help: 'Records the target cluster refused as larger than its maximum message size',
      labelNames: ['from', 'to', 'topic'] as const,
      registers,
    }),
    sourceTruncatedRecords: new Counter({
      name: 'geomesh_source_truncated_records_total',
      help: 'Records deleted from a source partition (retention, re-creation) before they were replicated',
      labelNames: ['from', 'to', 'topic'] as const,
      registers,
    }),
    partitionsHalted: new Gauge({
      name: 'geomesh_partitions_halted',
      help: 'Source partitions a link stopped replicating by policy (record too large, source truncated)',
      labelNames: ['from', 'to', 'topic'] as const,
      registers,
    }),
    unreplicatedPartitions: new Gauge({
      name: 'geomesh_unreplicated_partitions',
      help: 'Source partitions of the link that nobody reads, by why (coverage audit at every topic refresh; 0 when every partition is read)',
      labelNames: ['from', 'to', 'reason'] as const,
      registers,
    }),
    sourceSilence: linkGauge(
      registers,
      'geomesh_link_source_silence_seconds',
      'Seconds since the link’s source cluster last answered a fetch (~0.1 s when healthy; grows while the source does not answer, or while the link waits for a slow target); the status shows the link as stalled from 20 s',
      () => sources?.sourceSilences().map((s) => [s.from, s.to, s.ms / 1000] as const),
    ),
    inflightBytes: linkGauge(
      registers,
      'geomesh_link_inflight_bytes',
      'Bytes the link has read from its source and not yet written to its target (at most its maxInflightBytes, or one batch larger than it)',
      () => sources?.inflightBytes().map((s) => [s.from, s.to, s.bytes] as const),
    ),
    linkUp: new Gauge({
      name: 'geomesh_link_up',
      help: '1 while the link runs, 0 otherwise',
      labelNames: ['from', 'to'] as const,
      registers,
    }),
    partitionsOwned: new Gauge({
      name: 'geomesh_partitions_owned',
      help: 'Work sharing: target partitions this instance owns (writes) now',
      registers,
    }),
    ownershipChanges: new Counter({
      name: 'geomesh_partition_ownership_changes_total',
      help: 'Work sharing: target partitions this instance took over (acquired) or gave up (released, lost)',
      labelNames: ['change'] as const,
      registers,
    }),
    writesFenced: new Counter({
      name: 'geomesh_writes_fenced_total',
      help: 'Work sharing: writes refused because this instance did not certainly own the target partition',
      registers,
    }),
    workersInUse: new Gauge({
      name: 'geomesh_worker_threads_in_use',
      help: 'Worker threads that hold target partitions now: 1 while gathered at a low rate, all while spread',
      registers,
    }),
    workerMoves: new Counter({
      name: 'geomesh_worker_placement_moves_total',
      help: 'Moves of the target partitions between worker threads, by direction (gather, spread)',
      labelNames: ['direction'] as const,
      registers,
    }),
  };
}

export type TranslationMetrics = ReturnType<typeof createTranslationMetrics>;

/** What the translation metrics read at scrape time. */
export interface TranslationMetricSources {
  /** Runs in the origin index. */
  indexRuns(): number;
  /** The checkpoints held (this region's and its peers'), for their age. */
  checkpoints(): readonly { region: string; computedAtMs: number }[];
  /** Group offset sync: partitions committed forward so far. */
  groupPartitionsSynced(): number;
}

/** Offset translation: latency, the index's size, checkpoint freshness, group offset sync. */
export function createTranslationMetrics(registry: Registry, sources: TranslationMetricSources) {
  const registers = [registry];
  return {
    translationDuration: new Histogram({
      name: 'geomesh_translation_duration_seconds',
      help: 'Time to answer an offset translation served by this node, by frontier source',
      labelNames: ['from', 'to', 'source'] as const,
      buckets: LATENCY_BUCKETS_SECONDS,
      registers,
    }),
    indexRuns: new Gauge({
      name: 'geomesh_origin_index_runs',
      help: 'Runs of replicated records in the origin index of this region (memory ~54 bytes a run)',
      registers,
      collect() {
        this.set(sources.indexRuns());
      },
    }),
    checkpointAge: new Gauge({
      name: 'geomesh_checkpoint_age_seconds',
      help: 'Age of the newest group checkpoint held from each region (how fresh a translation out of it would be if it went down)',
      labelNames: ['region'] as const,
      registers,
      collect() {
        const newest = new Map<string, number>();
        for (const c of sources.checkpoints())
          newest.set(c.region, Math.max(newest.get(c.region) ?? 0, c.computedAtMs));
        this.reset();
        for (const [region, at] of newest) this.labels(region).set(Math.max(0, (Date.now() - at) / 1000));
      },
    }),
    groupPartitionsSynced: new Gauge({
      name: 'geomesh_group_offsets_synced_partitions',
      help: 'Partitions of consumer groups whose translated offsets group offset sync committed here since start',
      registers,
      collect() {
        this.set(sources.groupPartitionsSynced());
      },
    }),
  };
}

export type PeerMetrics = ReturnType<typeof createPeerMetrics>;

/** The node's channels to its peers, as its heartbeats see them. */
export function createPeerMetrics(registry: Registry) {
  const registers = [registry];
  return {
    peerUp: new Gauge({
      name: 'geomesh_peer_up',
      help: "1 when the peer region's node answered the last heartbeat (Peer.Ping), 0 otherwise",
      labelNames: ['peer'] as const,
      registers,
    }),
    peerRoundTrip: new Gauge({
      name: 'geomesh_peer_round_trip_seconds',
      help: "Round trip of the last answered heartbeat to the peer region's node",
      labelNames: ['peer'] as const,
      registers,
    }),
    peerAddressFromEtcd: new Gauge({
      name: 'geomesh_peer_address_from_etcd',
      help: "1 when the peer region's node is called at an instance it registered in etcd, 0 at its topology address",
      labelNames: ['peer'] as const,
      registers,
    }),
    peerLinkLag: new Gauge({
      name: 'geomesh_peer_link_lag_records',
      help: "A peer region's inbound link lag (records), as the peer's last heartbeat answer reported it",
      labelNames: ['from', 'to'] as const,
      registers,
    }),
    peerLinkRate: new Gauge({
      name: 'geomesh_peer_link_records_per_second',
      help: "A peer region's inbound link rate (records written per second), as the peer's last heartbeat answer reported it",
      labelNames: ['from', 'to'] as const,
      registers,
    }),
  };
}

export type ProvenanceMetrics = ReturnType<typeof createProvenanceMetrics>;

/** Provenance keys: which ones this node holds (ids only), records it cannot verify, key disagreements. */
export function createProvenanceMetrics(registry: Registry) {
  const registers = [registry];
  return {
    unknownKeyRecords: new Counter({
      name: 'geomesh_unknown_key_records_total',
      help: 'Records a link read whose provenance tag was made by a mesh key this node does not hold (dropped where their claimed origin is not carried, else their partition halts or they are skipped by policy; never written as local)',
      labelNames: ['from', 'to'] as const,
      registers,
    }),
    keyMismatch: new Gauge({
      name: 'geomesh_provenance_key_mismatch',
      help: "1 while the peer region's key set and this node's do not agree (each one's tagging key accepted by the other); the links between them pause",
      labelNames: ['peer'] as const,
      registers,
    }),
    keyInfo: new Gauge({
      name: 'geomesh_provenance_key_info',
      help: 'The provenance keys this node holds, by key id (never the key): role "current" (tags with it) or "accepted" (verifies with it)',
      labelNames: ['key_id', 'role'] as const,
      registers,
    }),
  };
}

/** Readiness as a metric: what `/readyz` answers, read at scrape time (alerts need no HTTP probe). */
export function createReadinessMetrics(registry: Registry, notReady: () => readonly string[]) {
  // One per registry: built again on the same registry (a restarted node), the newest takes it over.
  registry.removeSingleMetric('geomesh_node_ready');
  return {
    ready: new Gauge({
      name: 'geomesh_node_ready',
      help: '1 when /readyz answers ready, 0 when it lists reasons (a link not running, a halted partition, a key mismatch, ...)',
      registers: [registry],
      collect() {
        this.set(notReady().length === 0 ? 1 : 0);
      },
    }),
  };
}

/** A region's state, as etcd records it (`regions/<region>/state`; no record means active). */
export interface RegionStateSample {
  region: string;
  state: string;
}

/**
 * Every region's state (active, failed-over, failing-back; unreadable for a corrupt record) as etcd records
 * it: 1 for each region's current state. A scrape never waits on etcd: it shows the answer of the last read
 * and starts the next one (so a scrape shows what etcd held at most one scrape interval earlier). While etcd
 * cannot be read the gauge is empty.
 */
export function createRegionStateMetrics(
  registry: Registry,
  states: () => Promise<readonly RegionStateSample[]>,
) {
  registry.removeSingleMetric('geomesh_region_state');
  let last: readonly RegionStateSample[] = [];
  let reading: Promise<void> | undefined;
  const read = (): Promise<void> =>
    (reading ??= states()
      .then(
        (read) => void (last = read),
        () => void (last = []), // etcd unreadable: the node's logs and /status say why
      )
      .finally(() => (reading = undefined)));
  void read();
  return {
    regionState: new Gauge({
      name: 'geomesh_region_state',
      help: "Each region's state as recorded in etcd, 1 for the current one: active (no record), failed-over, failing-back, unreadable",
      labelNames: ['region', 'state'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const s of last) this.labels(s.region, s.state).set(1);
        void read();
      },
    }),
    /** Resolves once the read under way (or a new one) has ended: for tests. */
    settled: (): Promise<void> => read(),
  };
}

export type LinkPathMetrics = ReturnType<typeof createLinkPathMetrics>;

/**
 * How each inbound link gets its source's records (links with `transport: stream`): the path in use, its
 * switches, and the bytes it received for them; with the bytes written (geomesh_replicated_bytes_total) they
 * give the WAN bytes per written byte.
 */
export function createLinkPathMetrics(
  registry: Registry,
  sources: { clusterReceivedBytes(): readonly { from: string; bytes: number }[] },
) {
  const registers = [registry];
  return {
    path: new Gauge({
      name: 'geomesh_link_path',
      help: "1 for the path a link gets its source's records by now: stream (the source region's node sends what this region needs) or pull (this node reads the source cluster)",
      labelNames: ['from', 'to', 'path'] as const,
      registers,
    }),
    switches: new Counter({
      name: 'geomesh_link_path_switches_total',
      help: 'Times a link changed the path it gets its records by, by the path it changed to',
      labelNames: ['from', 'to', 'path'] as const,
      registers,
    }),
    streamReceivedBytes: new Counter({
      name: 'geomesh_link_stream_received_bytes_total',
      help: "Bytes of records a link received on its source node's stream, as sent (compressed; gRPC framing not counted)",
      labelNames: ['from', 'to'] as const,
      registers,
    }),
    streamUncompressedBytes: new Counter({
      name: 'geomesh_link_stream_uncompressed_bytes_total',
      help: "Bytes of records a link received on its source node's stream, before compression",
      labelNames: ['from', 'to'] as const,
      registers,
    }),
    streamCompressionRatio: new Gauge({
      name: 'geomesh_link_stream_compression_ratio',
      help: "Bytes before compression per byte received on a link's stream, since the node started",
      labelNames: ['from', 'to'] as const,
      registers,
    }),
    clusterReceivedBytes: new Gauge({
      name: 'geomesh_source_cluster_received_bytes',
      help: "Bytes this node received from a source region's Kafka cluster since it started (every socket: fetches, metadata, offsets); what a pulling link costs",
      labelNames: ['from'] as const,
      registers,
      collect() {
        this.reset();
        for (const { from, bytes } of sources.clusterReceivedBytes()) this.labels(from).set(bytes);
      },
    }),
  };
}

/**
 * What a node's record streams (Peer.StreamRecords, served to the regions that stream from it) read and
 * send: records read from its own cluster by read (`shared`: one read of each partition for every stream;
 * `own`: a stream behind the shared read's window), records read for each stream (before its filter) and
 * what each stream sent. With two streams of the same topic, read{shared} ≈ half of the records served.
 */
export function createStreamServingMetrics(registry: Registry) {
  const registers = [registry];
  return {
    readRecords: new Counter({
      name: 'geomesh_stream_read_records_total',
      help: "Records this node read from its own cluster for the record streams it serves, by read: shared (one read of a partition for every stream) or own (a stream behind the shared read's window)",
      labelNames: ['read'] as const,
      registers,
    }),
    servedRecords: new Counter({
      name: 'geomesh_stream_served_records_total',
      help: 'Records read for the record stream to a region, before its filter (sent or not)',
      labelNames: ['to'] as const,
      registers,
    }),
    sentRecords: new Counter({
      name: 'geomesh_stream_sent_records_total',
      help: 'Records sent on the record stream to a region (those its forwarding tree needs)',
      labelNames: ['to'] as const,
      registers,
    }),
    sentBytes: new Counter({
      name: 'geomesh_stream_sent_bytes_total',
      help: 'Bytes of records sent on the record stream to a region, as sent (compressed; gRPC framing not counted)',
      labelNames: ['to'] as const,
      registers,
    }),
  };
}

export type StreamServingMetrics = ReturnType<typeof createStreamServingMetrics>;
