/**
 * The node of one region: runs every inbound link X → R (consume far, produce near). On start it loads the
 * origin index of R's cluster from its index topic, mirrors each selected topic into R, scans each target
 * partition's tail beyond what the index covers (verified origin headers), sets the per-origin high-water
 * marks from the index, then starts the links. While running it persists the index every
 * `indexFlushIntervalMs` and prunes it with the partitions' log start. Writes into one target partition are
 * serialized across links, so the index grows in offset order. Stop drains the links and flushes the index.
 *
 * States: idle → starting → running → stopping → stopped; starting → failed when start throws.
 */
import {
  CompactedTopicWriter,
  KafkaRecordSink,
  KafkaRecordSource,
  ClusterOffsets,
  ensureCompactedTopic,
  readCompactedTopic,
  createKafkaClient,
  mirrorTopic,
  syncTopicConfigs,
  partitionCounts,
  readPartitionRanges,
  type KafkaClientOptions,
  type SinkCompression,
} from '../kafka/index.ts';
import type { Kafka } from '../kafka/index.ts';
import { GeomeshError } from '../errors/index.ts';
import type { Logger } from '../log/index.ts';
import {
  createProvenanceMetrics,
  createReplicationMetrics,
  createTranslationMetrics,
  HttpServer,
  Registry,
  type HttpRoute,
  type ProvenanceMetrics,
  type ReplicationMetrics,
  type TranslationMetrics,
} from '../observability/index.ts';
import {
  LinkReplicator,
  OriginHighwater,
  decodeOriginHeaders,
  ProvenanceKeySet,
  type LinkObserver,
  type RecordSink,
  type SinkRecord,
  type TopicPartition,
} from '../replication/index.ts';
import { auditAndReport, coverageNotReady } from './coverage-report.ts';
import { TranslationService, type PeerApi } from '../translation-service/index.ts';
import {
  CheckpointStore,
  OriginIndex,
  decodeIndexRecordV1,
  type IndexView,
  encodeIndexRecordV1,
  indexTopicName,
  type IndexRecord,
} from '../translation/index.ts';

export type RegionNodeState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

export interface InboundLinkSpec {
  /** Source region. */
  from: string;
  /**
   * Topics the link carries (same names in both regions): a fixed list, or a selector applied to the source's
   * topics, re-listed every `topicRefreshMs` so new matching topics are picked up.
   */
  topics: readonly string[] | ((topic: string) => boolean);
  /** Whether the link carries records of `origin` (the topology's forwarding trees say). */
  forwardsOrigin(origin: string): boolean;
  compression?: SinkCompression;
  /** A record larger than the target accepts: `halt` its partition (default) or `skip` it. */
  onRecordTooLarge?: 'halt' | 'skip';
  /**
   * Records deleted from the source before they were copied, or a re-created source topic: `continue`
   * (default) or `halt` the partition.
   */
  onSourceTruncated?: 'continue' | 'halt';
  /** Most bytes per produce request; default 512 KiB. */
  maxBatchBytes?: number;
  /** Most records a second the link writes; default unlimited. */
  maxRecordsPerSecond?: number;
  /**
   * Most bytes read from the source and not yet written (the link's in-flight window; also the size of one
   * fetch from the source); default: no window, kafkajs' 10 MiB fetch (the topology's default is 16 MiB).
   */
  maxInflightBytes?: number;
}

/** How to reach one region's Kafka cluster (secrets already resolved). */
export type ClusterConnection = Omit<KafkaClientOptions, 'clientId' | 'logger'>;

export interface RegionNodeOptions {
  mesh: string;
  region: string;
  /** The key this node tags with (and verifies with). */
  provenanceKey: Buffer;
  /** More keys it verifies with (e.g. the previous or the next key of a rotation); default none. */
  acceptedProvenanceKeys?: readonly Buffer[];
  /** Every region of the mesh: an unverifiable origin claim naming none of them is an application's. */
  meshRegions?: readonly string[];
  /**
   * A record tagged by a mesh key this node does not hold that a link would have to write: `halt` its
   * partition (default) or `skip` it. Never written as a local record.
   */
  onUnknownProvenanceKey?: 'halt' | 'skip';
  clusters: Readonly<Record<string, ClusterConnection>>;
  inbound: readonly InboundLinkSpec[];
  logger: Logger;
  /** Where metrics go; default a registry of the node's own. */
  registry?: Registry;
  /**
   * Serve /metrics, /healthz and /readyz here (`port` 0 picks one), and the extra read-only `routes` (e.g.
   * the supervisor's status page); default: no HTTP endpoint.
   */
  http?: { host: string; port: number; routes?: Readonly<Record<string, HttpRoute>> };
  /** How often links re-list the source's topics (selectors) and compare partition counts; default 5,000 ms. */
  topicRefreshMs?: number;
  /** How often the origin index is written to its topic; default 1,000 ms. */
  indexFlushIntervalMs?: number;
  /** Offset translation: serve it (and checkpoint this region's groups) when given. */
  translation?: RegionTranslationOptions;
  /**
   * Work sharing among several instances of the region (docs/work-sharing.md): when given, the node owns no
   * target partition until `acquirePartitions`, reads and writes only those it owns, and writes only while
   * `isLeaseValid()` says the lease fencing its ownership is certainly alive.
   */
  workSharing?: RegionWorkSharing;
}

/** What a node sharing its region's work needs from the ownership that drives it. */
export interface RegionWorkSharing {
  /** This instance's id: its source consumer groups are its own. */
  instanceId: string;
  /** True while the lease behind every owner key of this instance is certainly alive (checked per write). */
  isLeaseValid(): boolean;
  /** The instance owning a target partition as last seen in etcd, or undefined (coverage audit). */
  ownerOf?(topic: string, partition: number): string | undefined;
}

function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/** What the node needs to translate offsets with the rest of the mesh. */
export interface RegionTranslationOptions {
  /** Every region of the mesh. */
  regions: readonly string[];
  /** The peer API of a region's node, or undefined when none is known. */
  peer(region: string): PeerApi | undefined;
  /** Groups of this region whose frontiers are checkpointed and pushed to peers. */
  isCheckpointedGroup(group: string): boolean;
  /** Groups of another region whose translated offsets are committed here (group offset sync). */
  isSyncedGroup?(region: string, group: string): boolean;
  /** Default 5,000 ms. */
  checkpointIntervalMs?: number;
}

/** A running inbound link and what it reads. */
interface RunningLink {
  spec: InboundLinkSpec;
  remote: Kafka;
  replicator: LinkReplicator;
  /**
   * The source's partition counts when the link's consumer last (re)started: it reads no partition added
   * after (kafkajs does not rebalance for them), so a count above these restarts it.
   */
  readCounts: Map<string, number>;
}

function observerFor(metrics: ReplicationMetrics, from: string, to: string): LinkObserver {
  const latency = metrics.endToEndLatency.labels(from, to);
  return {
    written({ topic, records, bytes, latenciesMs }) {
      metrics.recordsReplicated.labels(from, to, topic).inc(records);
      metrics.bytesReplicated.labels(from, to, topic).inc(bytes);
      for (const ms of latenciesMs) latency.observe(ms / 1000);
      const newest = latenciesMs[latenciesMs.length - 1];
      if (newest !== undefined) metrics.lagSeconds.labels(from, to).set(newest / 1000);
    },
    dropped(reason, count) {
      metrics.recordsDropped.labels(from, to, reason).inc(count);
    },
    forged(count) {
      metrics.forgedOriginHeaders.labels(from, to).inc(count);
    },
    lag(topic, partition, records) {
      metrics.lagRecords.labels(from, to, topic, String(partition)).set(records);
    },
    tooLarge(topic) {
      metrics.recordsTooLarge.labels(from, to, topic).inc();
    },
    halted(topic) {
      metrics.partitionsHalted.labels(from, to, topic).inc();
    },
    truncated(topic, _partition, records) {
      metrics.sourceTruncatedRecords.labels(from, to, topic).inc(records);
    },
  };
}

export class RegionNode {
  readonly highwater = new OriginHighwater();
  /** Where replicated records landed in this region's cluster (see node/translation). */
  readonly index = new OriginIndex();
  /** Group checkpoints: this region's and those peers pushed. */
  readonly checkpoints = new CheckpointStore();
  readonly links: LinkReplicator[] = [];
  readonly registry: Registry;
  readonly metrics: ReplicationMetrics;
  readonly translationMetrics: TranslationMetrics;
  #http: HttpServer | undefined;
  /** The provenance keys (current + accepted), prepared once for HMAC. */
  readonly provenanceKeys: ProvenanceKeySet;
  readonly provenanceMetrics: ProvenanceMetrics;
  /** Peer regions whose key sets do not agree with this node's → why (key ids only). */
  readonly #keyMismatches = new Map<string, string>();
  /** Per target `topic\0partition`: the tail of the write before it (serializes writes into a partition). */
  readonly #writeLocks = new Map<string, Promise<unknown>>();
  /**
   * Per target `topic\0partition`: after a write whose outcome is unknown, the index's `through` before it:
   * its records may have landed anywhere from there, so the tail is re-scanned and persisted from there.
   */
  readonly #unsureFrom = new Map<string, number>();
  #indexWriter: CompactedTopicWriter | undefined;
  /** Index records taken but not yet written (a failed flush is retried with the next). */
  #unflushed: IndexRecord[] = [];
  #flushTimer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  #refreshCount = 0;
  #translation: TranslationService | undefined;
  #clusterOffsets: ClusterOffsets | undefined;
  /** What the last start found: runs loaded from the index topic, records of the log tails scanned. */
  readonly startReport = { indexRunsLoaded: 0, tailRecordsScanned: 0, targetRecords: 0 };
  readonly #options: RegionNodeOptions;
  readonly #logger: Logger;
  #state: RegionNodeState = 'idle';
  #stopping: Promise<void> | undefined;
  #local: Kafka | undefined;
  readonly #running: RunningLink[] = [];
  #refreshTimer: NodeJS.Timeout | undefined;
  #refreshing: Promise<void> | undefined;
  /** Work sharing: the target partitions (`topic\0partition`) this instance owns. */
  readonly #owned = new Map<string, TopicPartition>();
  /** Work sharing: partitions being handed over, whose index is still flushed. */
  readonly #handingOver = new Set<string>();
  /** Work sharing: the index of partitions other instances own (translation), and which are loaded. */
  readonly #foreign = new OriginIndex();
  readonly #foreignLoaded = new Set<string>();
  #foreignQueue: Promise<unknown> = Promise.resolve();
  /** Work sharing: the replicated topics' partition counts in this region, and when they were read. */
  #targetPartitions: { tps: TopicPartition[]; readAtMs: number } | undefined;

  constructor(options: RegionNodeOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'region-node', region: options.region });
    this.provenanceKeys = new ProvenanceKeySet(options.provenanceKey, options.acceptedProvenanceKeys ?? []);
    this.registry = options.registry ?? new Registry();
    this.metrics = createReplicationMetrics(this.registry);
    this.provenanceMetrics = createProvenanceMetrics(this.registry);
    for (const id of this.provenanceKeys.acceptedKeyIds)
      this.provenanceMetrics.keyInfo
        .labels(id, id === this.provenanceKeys.currentKeyId ? 'current' : 'accepted')
        .set(1);
    this.translationMetrics = createTranslationMetrics(this.registry, {
      indexRuns: () => this.index.runCount,
      checkpoints: () => this.checkpoints.all(),
      groupPartitionsSynced: () => this.#translation?.stats.groupPartitionsSynced ?? 0,
    });
  }

  /** `host:port` of the HTTP endpoint, once started (empty without one). */
  get httpAddress(): string {
    return this.#http?.address ?? '';
  }

  /** The translation service, once started (when translation options were given). */
  get translation(): TranslationService | undefined {
    return this.#translation;
  }

  get state(): RegionNodeState {
    return this.#state;
  }

  async start(): Promise<void> {
    const { mesh, region, inbound } = this.#options;
    const provenanceKey = this.provenanceKeys;
    const meshRegions = this.#options.meshRegions ? new Set(this.#options.meshRegions) : undefined;
    this.#setState('starting');
    try {
      if (this.#options.http) {
        this.#http = new HttpServer({
          ...this.#options.http,
          registry: this.registry,
          notReady: () => [
            ...(this.#state === 'running' ? [] : [`node ${this.#state}`]),
            ...this.links
              .filter((l) => l.state !== 'running')
              .map((l) => `link ${l.from} → ${l.to} ${l.state}`),
            ...this.links.flatMap((l) =>
              [...l.stats.halted].map(([tp, why]) => `link ${l.from} → ${l.to} ${tp} halted: ${why}`),
            ),
            ...this.links.flatMap((l) => coverageNotReady(l)),
            ...[...this.#keyMismatches].map(
              ([peer, why]) => `provenance keys disagree with ${peer} (links with it paused): ${why}`,
            ),
          ],
        });
        await this.#http.start();
      }
      const local = this.#client(region);
      this.#local = local;
      await this.#loadIndex(local);
      const planned = [];
      for (const spec of inbound) {
        const remote = this.#client(spec.from);
        const topics = await this.#selectTopics(spec, remote);
        for (const topic of topics) await mirrorTopic(remote, local, topic, { from: spec.from, to: region });
        planned.push({ spec, remote, topics, readCounts: await partitionCounts(remote, topics) });
      }
      // Under work sharing the index and marks of a partition are loaded when it is acquired.
      if (!this.#options.workSharing)
        await this.#scanTails(local, [...new Set(planned.flatMap((p) => p.topics))]);
      const workSharing = this.#options.workSharing;
      for (const { spec, remote, topics, readCounts } of planned) {
        const replicator = new LinkReplicator({
          mesh,
          link: { from: spec.from, to: region, forwardsOrigin: (o) => spec.forwardsOrigin(o) },
          topics,
          source: new KafkaRecordSource(remote, {
            groupId: `geomesh.${mesh}.${region}.from.${spec.from}${workSharing ? `.${workSharing.instanceId}` : ''}`,
            logger: this.#logger,
            ...(spec.maxInflightBytes ? { maxBytes: spec.maxInflightBytes } : {}),
          }),
          sink: this.#serialized(
            new KafkaRecordSink(local, spec.compression ? { compression: spec.compression } : {}),
          ),
          highwater: this.highwater,
          provenanceKey,
          ...(meshRegions && { meshRegions }),
          ...(this.#options.onUnknownProvenanceKey && {
            onUnknownProvenanceKey: this.#options.onUnknownProvenanceKey,
          }),
          logger: this.#logger,
          observer: {
            ...observerFor(this.metrics, spec.from, region),
            unknownKey: (count: number) =>
              this.provenanceMetrics.unknownKeyRecords.labels(spec.from, region).inc(count),
          },
          onAcked: (topic, partition, baseOffset, origins) =>
            this.index.noteWritten(topic, partition, baseOffset, origins),
          resync: (topic, partition) => this.#resync(local, topic, partition),
          ...(spec.onRecordTooLarge ? { onRecordTooLarge: spec.onRecordTooLarge } : {}),
          ...(spec.onSourceTruncated ? { onSourceTruncated: spec.onSourceTruncated } : {}),
          ...(spec.maxBatchBytes ? { maxBatchBytes: spec.maxBatchBytes } : {}),
          ...(spec.maxRecordsPerSecond ? { maxRecordsPerSecond: spec.maxRecordsPerSecond } : {}),
          ...(spec.maxInflightBytes ? { maxInflightBytes: spec.maxInflightBytes } : {}),
          ...(workSharing
            ? { ownership: { owns: (t: string, p: number) => this.#owned.has(partitionKey(t, p)) } }
            : {}),
        });
        this.links.push(replicator);
        this.#running.push({ spec, remote, replicator, readCounts });
        // Agreement before data: a peer already known to disagree holds the link back from its first batch.
        replicator.setKeyMismatch(this.#keyMismatches.get(spec.from));
        await replicator.start();
        this.metrics.linkUp.labels(spec.from, region).set(1);
      }
      this.#refreshTimer = setInterval(
        () => void this.#refreshTopics(),
        this.#options.topicRefreshMs ?? 5_000,
      );
      if (this.#options.translation) this.#startTranslation(local, this.#options.translation);
      this.#flushTimer = setInterval(
        () => void this.#flushIndex(),
        this.#options.indexFlushIntervalMs ?? 1_000,
      );
      this.#setState('running');
    } catch (err) {
      this.#setState('failed');
      await this.#translation?.stop();
      clearInterval(this.#flushTimer);
      await Promise.allSettled(this.links.map((l) => l.stop()));
      await this.#indexWriter?.stop().catch(() => undefined);
      await this.#http?.stop();
      throw err;
    }
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#setState('stopping');
      clearInterval(this.#refreshTimer);
      await this.#translation?.stop();
      await this.#clusterOffsets?.stop();
      await this.#refreshing;
      await Promise.allSettled(this.links.map((l) => l.stop()));
      for (const l of this.links) this.metrics.linkUp.labels(l.from, this.#options.region).set(0);
      clearInterval(this.#flushTimer);
      await this.#flushing;
      await this.#flushIndex().catch((err: unknown) =>
        this.#logger.warn({ err }, 'final index flush failed; the next start scans the log tail instead'),
      );
      await this.#indexWriter?.stop();
      await this.#http?.stop();
      this.#setState('stopped');
    })();
    return this.#stopping;
  }

  #startTranslation(local: Kafka, options: RegionTranslationOptions): void {
    this.#clusterOffsets = new ClusterOffsets(local);
    this.#translation = new TranslationService({
      region: this.#options.region,
      regions: options.regions,
      index: this.index,
      indexFor: (tps) => this.indexFor(tps),
      checkpoints: this.checkpoints,
      cluster: this.#clusterOffsets,
      peer: (region) => options.peer(region),
      isCheckpointedGroup: (group) => options.isCheckpointedGroup(group),
      ...(options.isSyncedGroup
        ? { isSyncedGroup: (region: string, group: string) => options.isSyncedGroup!(region, group) }
        : {}),
      // Checkpoints peers push are persisted with the index, so a restart still has them.
      onCheckpointReceived: (checkpoint) => this.#unflushed.push({ kind: 'checkpoint', checkpoint }),
      ...(options.checkpointIntervalMs !== undefined
        ? { checkpointIntervalMs: options.checkpointIntervalMs }
        : {}),
      logger: this.#logger,
      onTranslated: (from, to, source, seconds) =>
        this.translationMetrics.translationDuration.labels(from, to, source).observe(seconds),
    });
    this.#translation.start();
  }

  /**
   * Records whether `peer`'s key set agrees with this node's (`reason` undefined) or not (key ids only):
   * the inbound link from `peer` pauses while they disagree and resumes when they agree again; the metric
   * `geomesh_provenance_key_mismatch{peer}` and /readyz say so. May be called before start.
   */
  setKeyMismatch(peer: string, reason: string | undefined): void {
    if (reason) this.#keyMismatches.set(peer, reason);
    else this.#keyMismatches.delete(peer);
    this.provenanceMetrics.keyMismatch.labels(peer).set(reason ? 1 : 0);
    for (const link of this.links) if (link.from === peer) link.setKeyMismatch(reason);
  }

  /** Peer regions whose key sets disagree with this node's → why (key ids only). */
  get keyMismatches(): ReadonlyMap<string, string> {
    return this.#keyMismatches;
  }

  /** Whether a write into the partition may leave now: always without work sharing. */
  #mayWrite(key: string): boolean {
    const workSharing = this.#options.workSharing;
    return !workSharing || (this.#owned.has(key) && workSharing.isLeaseValid());
  }

  /** Work sharing: the target partitions this instance owns now, sorted. */
  get ownedPartitions(): TopicPartition[] {
    return [...this.#owned.values()].sort(
      (a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition,
    );
  }

  /**
   * Work sharing: every target partition of the topics the region's links replicate (the units shared among
   * instances), read from this region's cluster at most every `topicRefreshMs`.
   */
  async targetPartitions(): Promise<TopicPartition[]> {
    const local = this.#local;
    if (!local || this.#state !== 'running') return [];
    const cached = this.#targetPartitions;
    if (cached && Date.now() - cached.readAtMs < (this.#options.topicRefreshMs ?? 5_000)) return cached.tps;
    const topics = [...new Set(this.#running.flatMap((l) => l.replicator.topics))].sort();
    const counts = await partitionCounts(local, topics);
    const tps = topics.flatMap((topic) =>
      Array.from({ length: counts.get(topic) ?? 0 }, (_, partition) => ({ topic, partition })),
    );
    this.#targetPartitions = { tps, readAtMs: Date.now() };
    return tps;
  }

  /**
   * Work sharing: takes over target partitions whose owner keys this instance now holds. Their index is loaded
   * from the index topic (what earlier owners flushed), their tails scanned beyond it and their marks set
   * from it before the first write; then every link reads them from where the target shows earlier runs got.
   */
  async acquirePartitions(tps: readonly TopicPartition[]): Promise<void> {
    const local = this.#local;
    if (!local || tps.length === 0) return;
    const keys = new Set(tps.map((tp) => partitionKey(tp.topic, tp.partition)));
    for (const { topic, partition } of tps) {
      this.index.forget(topic, partition);
      this.highwater.forget(topic, partition);
      this.#unsureFrom.delete(partitionKey(topic, partition));
    }
    await this.#loadIndex(local, keys);
    await this.#scanTails(local, [...new Set(tps.map((tp) => tp.topic))], keys);
    for (const tp of tps) this.#owned.set(partitionKey(tp.topic, tp.partition), tp);
    this.#forgetForeign(tps);
    for (const link of this.links) link.takePartitions(tps);
    this.metrics.partitionsOwned.set(this.#owned.size);
    this.metrics.ownershipChanges.labels('acquired').inc(tps.length);
    this.#logger.info({ partitions: tps.map((tp) => `${tp.topic}/${tp.partition}`) }, 'partitions acquired');
  }

  /**
   * Work sharing: gives target partitions up. Writes stop at once (queued writes are refused), reading stops,
   * the writes already sent are awaited; when `isHandover` (the owner keys are still ours, so nobody else
   * writes yet) their index is flushed for the next owner. Then they are forgotten.
   */
  async releasePartitions(tps: readonly TopicPartition[], isHandover: boolean): Promise<void> {
    const mine = tps.filter((tp) => this.#owned.has(partitionKey(tp.topic, tp.partition)));
    if (mine.length === 0) return;
    for (const tp of mine) {
      const key = partitionKey(tp.topic, tp.partition);
      this.#owned.delete(key);
      // Until flushed, a handed-over partition's index may still be written (nobody else owns it yet).
      if (isHandover) this.#handingOver.add(key);
    }
    for (const link of this.links) link.dropPartitions(mine);
    await Promise.all(
      mine.map((tp) => this.#writeLocks.get(partitionKey(tp.topic, tp.partition)) ?? Promise.resolve()),
    );
    // A flush already under way ends first (it may hold their records); then, on a handover, one more.
    await this.#flushing;
    if (isHandover) {
      await this.#flushIndex();
      await this.#flushing;
    }
    for (const tp of mine) this.#handingOver.delete(partitionKey(tp.topic, tp.partition));
    for (const { topic, partition } of mine) {
      this.index.forget(topic, partition);
      this.highwater.forget(topic, partition);
    }
    this.metrics.partitionsOwned.set(this.#owned.size);
    this.metrics.ownershipChanges.labels(isHandover ? 'released' : 'lost').inc(mine.length);
    this.#logger.info(
      { partitions: mine.map((tp) => `${tp.topic}/${tp.partition}`), isHandover },
      isHandover ? 'partitions handed over' : 'partitions dropped (ownership lost)',
    );
  }

  /**
   * The index translation reads for these partitions. Without work sharing, or for partitions this instance
   * owns, the live index. For the others (another instance writes them) an index of its own: loaded from the
   * index topic the first time a partition is asked for, then brought to the partition's end by a tail scan
   * at every request, so every instance answers exactly and a request costs a read of the new records only.
   */
  indexFor(tps: readonly TopicPartition[]): Promise<IndexView> {
    const local = this.#local;
    const foreign = tps.filter((tp) => !this.#owned.has(partitionKey(tp.topic, tp.partition)));
    if (!this.#options.workSharing || foreign.length === 0 || !local) return Promise.resolve(this.index);
    const keys = new Set(foreign.map((tp) => partitionKey(tp.topic, tp.partition)));
    const view: IndexView = {
      get: (topic, partition) =>
        this.#owned.has(partitionKey(topic, partition))
          ? this.index.get(topic, partition)
          : this.#foreign.get(topic, partition),
    };
    // One at a time: two scans of one partition must not both add its records.
    const run = this.#foreignQueue.then(async () => {
      const missing = new Set([...keys].filter((k) => !this.#foreignLoaded.has(k)));
      if (missing.size > 0) {
        try {
          await this.#loadIndex(local, missing, this.#foreign);
        } catch (err) {
          for (const tp of foreign) this.#foreign.forget(tp.topic, tp.partition);
          throw err;
        }
        for (const k of missing) this.#foreignLoaded.add(k);
      }
      await this.#scanTails(local, [...new Set(foreign.map((tp) => tp.topic))], keys, this.#foreign);
      return view;
    });
    this.#foreignQueue = run.catch(() => undefined);
    return run;
  }

  /** Drops partitions from the index of other instances' partitions (this instance owns them now). */
  #forgetForeign(tps: readonly TopicPartition[]): void {
    this.#foreignQueue = this.#foreignQueue.then(() => {
      for (const { topic, partition } of tps) {
        this.#foreign.forget(topic, partition);
        this.#foreignLoaded.delete(partitionKey(topic, partition));
      }
    });
  }

  /**
   * Loads the origin index and the checkpoints from the index topic of this region's cluster. Under work
   * sharing the start loads only the checkpoints; `only` (partitions being acquired) loads just their index.
   */
  async #loadIndex(local: Kafka, only?: ReadonlySet<string>, into: OriginIndex = this.index): Promise<void> {
    const topic = indexTopicName(this.#options.mesh);
    if (!only) {
      await ensureCompactedTopic(local, topic);
      this.#indexWriter = new CompactedTopicWriter(local, topic);
    }
    const isWanted = (r: Exclude<IndexRecord, { kind: 'checkpoint' | 'checkpoint-deleted' }>) =>
      only ? only.has(partitionKey(r.topic, r.partition)) : !this.#options.workSharing;
    const latest = await readCompactedTopic(local, topic);
    const runs: Extract<IndexRecord, { kind: 'run' }>[] = [];
    let refused = 0;
    for (const [key, value] of latest) {
      const record = decodeIndexRecordV1(key, value);
      if (!record) continue;
      if (record.kind === 'checkpoint' || record.kind === 'checkpoint-deleted') {
        if (!only && record.kind === 'checkpoint') this.checkpoints.put(record.checkpoint);
        else if (!only) into.apply(record);
      } else if (!isWanted(record)) continue;
      else if (record.kind === 'run') runs.push(record);
      else if (!into.apply(record)) refused++;
    }
    runs.sort((a, b) => a.run.targetStart - b.run.targetStart);
    for (const r of runs) if (!into.apply(r)) refused++;
    if (only) return;
    this.index.takeDirty();
    this.startReport.indexRunsLoaded = this.index.runCount;
    this.#logger.info(
      { topic, runs: this.index.runCount, checkpoints: this.checkpoints.size, refused },
      'origin index loaded',
    );
  }

  /**
   * Brings the index up to each target partition's end: a partition that now ends before what the index
   * covers was re-created and is scanned from its start; otherwise the scan starts where the index ends.
   * Verified replicas found are indexed; then the marks are set from the index.
   */
  async #scanTails(
    local: Kafka,
    topics: readonly string[],
    only?: ReadonlySet<string>,
    into: OriginIndex = this.index,
  ): Promise<void> {
    const { mesh } = this.#options;
    const provenanceKey = this.provenanceKeys;
    const isStarting = this.#state === 'starting';
    let unknownKey = 0;
    // A scratch index (a translation of partitions another instance owns) sets no marks.
    const setsMarks = into === this.index;
    // Marks are set exactly (not only raised) at start and when a partition is acquired.
    const isExact = isStarting || only !== undefined;
    let scanned = 0;
    for (const topic of topics) {
      const admin = local.admin();
      await admin.connect();
      const offsets = (await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect())).filter(
        (o) => !only || only.has(partitionKey(topic, o.partition)),
      );
      if (offsets.length === 0) continue;
      const from = new Map<number, number>();
      for (const o of offsets) {
        const [low, high] = [Number(o.low), Number(o.high)];
        const runs = into.get(topic, o.partition);
        if (runs && runs.through > high) {
          this.#logger.warn(
            { topic, partition: o.partition, indexed: runs.through, logEnd: high },
            'target partition ends before what the index covers (re-created): indexing it again',
          );
          into.reset(topic, o.partition);
        }
        into.prune(topic, o.partition, low);
        const start = Math.max(low, into.get(topic, o.partition)?.through ?? 0);
        if (high > start) from.set(o.partition, start);
      }
      if (isStarting && setsMarks) {
        for (const o of offsets) this.startReport.targetRecords += Number(o.high) - Number(o.low);
      }
      if (from.size > 0) {
        await readPartitionRanges(local, topic, from, (record) => {
          scanned++;
          const provenance = decodeOriginHeaders(record.headers, provenanceKey, mesh, record);
          if (provenance.kind === 'unknown-key') unknownKey++;
          if (provenance.kind === 'replicated') {
            const { region, offset } = provenance.origin;
            into.noteWritten(topic, record.partition, record.offset, [{ region, offset }]);
          }
        });
      }
      for (const o of offsets) into.noteScannedThrough(topic, o.partition, Number(o.high));
      for (const o of setsMarks ? offsets : []) {
        const runs = into.get(topic, o.partition);
        for (const origin of runs?.origins() ?? []) {
          // At start the last copy of each origin in the partition sets its mark, not the highest: after a
          // source partition was re-created, later copies carry lower origin offsets that are new records.
          const last = runs!.lastOriginOffset(origin);
          if (isExact) this.highwater.rewind(topic, o.partition, origin, last);
          else this.highwater.advance(topic, o.partition, origin, last);
        }
      }
    }
    if (isStarting) this.startReport.tailRecordsScanned += scanned;
    if (unknownKey > 0)
      this.#logger.warn(
        { topics, records: unknownKey },
        `${unknownKey} records of this region's log tails carry provenance tags of a key this node does not hold: ` +
          'they are not indexed as replicas (translation and duplicate marks miss them); add that key to ' +
          'provenance.accept until retention has deleted them',
      );
    this.#logger[setsMarks ? 'info' : 'debug'](
      { topics: topics.length, scanned, runs: into.runCount, marks: this.highwater.size },
      'log tails scanned; high-water marks set from the origin index',
    );
  }

  /**
   * The sink of one link, with writes into a target partition serialized across the region's links (so the
   * index grows in offset order) and, for a write that failed, where its records might have landed.
   */
  #serialized(sink: RecordSink): RecordSink {
    return {
      write: (topic: string, partition: number, records: readonly SinkRecord[]) => {
        const key = `${topic}\u0000${partition}`;
        const previous = this.#writeLocks.get(key) ?? Promise.resolve();
        const through = this.index.get(topic, partition)?.through ?? 0;
        const result = previous.then(() => {
          // Fencing: checked right before the records leave, after any write queued ahead of them.
          if (!this.#mayWrite(key)) {
            this.metrics.writesFenced.inc();
            throw new GeomeshError(
              'GEOMESH_REPLICATION_NOT_OWNER',
              `not writing into ${topic}/${partition}: this instance does not certainly own it`,
              { details: { topic, partition } },
            );
          }
          return sink.write(topic, partition, records).catch((err: unknown) => {
            const unsure = this.#unsureFrom.get(key);
            this.#unsureFrom.set(key, Math.min(unsure ?? through, through));
            throw err;
          });
        });
        const tail = result.catch(() => undefined);
        this.#writeLocks.set(key, tail);
        void tail.then(() => {
          if (this.#writeLocks.get(key) === tail) this.#writeLocks.delete(key);
        });
        return result;
      },
      stop: () => sink.stop(),
    };
  }

  /** Reads a target partition from where a failed write may have landed to its end, indexing what did. */
  async #resync(local: Kafka, topic: string, partition: number): Promise<void> {
    const { mesh } = this.#options;
    const provenanceKey = this.provenanceKeys;
    const key = `${topic}\u0000${partition}`;
    const from = this.#unsureFrom.get(key) ?? this.index.get(topic, partition)?.through ?? 0;
    let last = from;
    await readPartitionRanges(local, topic, new Map([[partition, from]]), (record) => {
      const provenance = decodeOriginHeaders(record.headers, provenanceKey, mesh, record);
      if (provenance.kind === 'replicated') {
        const { region, offset } = provenance.origin;
        this.index.noteWritten(topic, partition, record.offset, [{ region, offset }]);
        this.highwater.advance(topic, partition, region, offset);
      }
      last = record.offset + 1;
    });
    this.index.noteScannedThrough(topic, partition, last);
    this.#unsureFrom.delete(key);
    this.#logger.info(
      { topic, partition, from, through: last },
      're-synced the index and marks from the target',
    );
  }

  /**
   * Keeps the synced configs of every replicated topic in step with its source (docs/topic-configs.md). A
   * topic several links carry follows the first of them by region name, so regions never flip-flop.
   */
  async #syncConfigs(local: Kafka): Promise<void> {
    const sourceOf = new Map<string, RunningLink>();
    for (const link of [...this.#running].sort((a, b) => a.spec.from.localeCompare(b.spec.from))) {
      for (const topic of link.replicator.topics) if (!sourceOf.has(topic)) sourceOf.set(topic, link);
    }
    for (const [topic, link] of sourceOf) {
      try {
        const result = await syncTopicConfigs(link.remote, local, topic, {
          from: link.spec.from,
          to: this.#options.region,
        });
        if (Object.keys(result.changed).length > 0)
          this.#logger.info({ topic, from: link.spec.from, changed: result.changed }, 'topic configs synced');
        if (result.targetTimestampType === 'LogAppendTime')
          this.#logger.warn(
            { topic },
            `topic ${topic} in ${this.#options.region} has message.timestamp.type=LogAppendTime: replicated records get the target's append time, not their original timestamp; set it to CreateTime`,
          );
      } catch (err) {
        this.#logger.warn({ topic, err }, 'topic config sync failed; will retry');
      }
    }
  }

  /** Drops index runs below each partition's log start (retention deleted their records). */
  async #pruneIndex(local: Kafka): Promise<void> {
    const topics = [...new Set(this.index.partitions().map((p) => p.topic))];
    let pruned = 0;
    for (const topic of topics) {
      const admin = local.admin();
      await admin.connect();
      const offsets = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
      for (const o of offsets) pruned += this.index.prune(topic, o.partition, Number(o.low));
    }
    if (pruned > 0) this.#logger.info({ pruned, runs: this.index.runCount }, 'origin index pruned');
  }

  /**
   * Writes what changed in the index to its topic; heads never claim more than is certain. Under work sharing
   * only partitions this instance certainly owns (or is handing over) are written: the index of a partition
   * it lost belongs to the next owner.
   */
  #flushIndex(): Promise<void> {
    if (this.#flushing || !this.#indexWriter) return this.#flushing ?? Promise.resolve();
    const writer = this.#indexWriter;
    const workSharing = this.#options.workSharing;
    const handing = this.#handingOver;
    const isCertain = !workSharing || workSharing.isLeaseValid();
    const mayFlush = (r: IndexRecord) =>
      r.kind === 'checkpoint' ||
      r.kind === 'checkpoint-deleted' ||
      !workSharing ||
      (isCertain &&
        (this.#owned.has(partitionKey(r.topic, r.partition)) ||
          handing.has(partitionKey(r.topic, r.partition))));
    this.#flushing = (async () => {
      const records = [...this.#unflushed, ...this.index.takeDirty()].filter(mayFlush).map((r) => {
        if (r.kind !== 'head') return r;
        const unsure = this.#unsureFrom.get(`${r.topic}\u0000${r.partition}`);
        return unsure === undefined ? r : { ...r, through: Math.min(r.through, unsure) };
      });
      this.#unflushed = [];
      try {
        await writer.write(records.map(encodeIndexRecordV1));
      } catch (err) {
        this.#unflushed = records;
        this.#logger.warn({ err, records: records.length }, 'origin index flush failed; will retry');
      }
    })().finally(() => (this.#flushing = undefined));
    return this.#flushing;
  }

  #client(region: string): Kafka {
    const cluster = this.#options.clusters[region];
    if (!cluster) throw new Error(`no Kafka cluster configured for region ${region}`);
    const workSharing = this.#options.workSharing;
    return createKafkaClient({
      ...cluster,
      clientId: `geomesh-${this.#options.region}`,
      logger: this.#logger,
      // Under work sharing nothing is produced into this region (records, index) without a certain lease.
      ...(workSharing &&
        region === this.#options.region && {
          produceGate: {
            isOpen: () => workSharing.isLeaseValid(),
            onRefused: () => this.metrics.writesFenced.inc(),
          },
        }),
    });
  }

  /** The source topics a link carries now: its fixed list, or the source's topics its selector accepts. */
  async #selectTopics(spec: InboundLinkSpec, remote: Kafka): Promise<string[]> {
    const selector = spec.topics;
    if (typeof selector !== 'function') return [...selector];
    const admin = remote.admin();
    await admin.connect();
    try {
      return (await admin.listTopics()).filter((t) => selector(t)).sort();
    } finally {
      await admin.disconnect();
    }
  }

  /** Picks up topics that newly match selector links: mirrors them, then widens the link's subscription. */
  #refreshTopics(): Promise<void> {
    if (this.#refreshing || this.#state !== 'running' || !this.#local) return Promise.resolve();
    const local = this.#local;
    this.#refreshing = (async () => {
      for (const link of this.#running) {
        try {
          const names = { from: link.spec.from, to: this.#options.region };
          const current = link.replicator.topics;
          const now =
            typeof link.spec.topics === 'function'
              ? await this.#selectTopics(link.spec, link.remote)
              : current;
          const added = now.filter((t) => !current.includes(t));
          // One snapshot of both clusters' partition counts serves the growth check and the audit below.
          const audited = [...new Set([...current, ...now])];
          const [source, target] = await Promise.all([
            partitionCounts(link.remote, audited),
            partitionCounts(local, audited),
          ]);
          for (const topic of added) {
            await mirrorTopic(link.remote, local, topic, names);
            target.set(topic, source.get(topic) ?? 0);
          }
          // Under work sharing a partition's index and marks are loaded when it is acquired.
          if (added.length > 0 && !this.#options.workSharing) await this.#scanTails(local, added);
          // Partition increases in the source are propagated to the target.
          const targetGrown = current.filter((t) => (source.get(t) ?? 0) > (target.get(t) ?? 0));
          for (const topic of targetGrown) {
            await mirrorTopic(link.remote, local, topic, names);
            target.set(topic, source.get(topic) ?? 0);
          }
          // The consumer rejoins to read partitions added since it started: compared with what it started
          // with, not with the target, which another link or instance may have grown already. It also
          // rejoins when the last audit found partitions left unassigned while it was in its group.
          const grown = current.filter((t) => (source.get(t) ?? 0) > (link.readCounts.get(t) ?? 0));
          const unassigned = link.replicator.coverage.reported.filter((u) => u.reason === 'unassigned');
          if (added.length > 0 || grown.length > 0 || unassigned.length > 0) {
            await link.replicator.updateTopics([...current, ...added]);
            link.readCounts = new Map([...current, ...added].map((t) => [t, source.get(t) ?? 0]));
            this.#logger.info(
              {
                from: link.spec.from,
                added,
                grown,
                ...(unassigned.length > 0 && {
                  unassigned: unassigned.map((u) => `${u.topic}/${u.partition}`),
                }),
              },
              'topics picked up or grown; source consumer restarted',
            );
          }
          await link.replicator
            .refreshLag()
            .catch((err: unknown) =>
              this.#logger.debug({ from: link.spec.from, err }, 'lag refresh failed; will retry'),
            );
          const workSharing = this.#options.workSharing;
          // Every partition of every selected source topic is read here or by the instance owning it.
          auditAndReport(
            link.replicator,
            {
              selected: now,
              sourcePartitions: source,
              targetPartitions: target,
              ...(workSharing && {
                ownerElsewhere: (topic: string, partition: number) => {
                  const owner = workSharing.ownerOf?.(topic, partition);
                  return owner !== undefined && owner !== workSharing.instanceId ? owner : undefined;
                },
              }),
            },
            this.metrics,
            this.#logger,
          );
        } catch (err) {
          this.#logger.warn({ from: link.spec.from, err }, 'topic refresh failed; will retry');
        }
      }
      if (this.#refreshCount++ % 12 === 0) {
        await this.#syncConfigs(local);
        await this.#pruneIndex(local).catch((err: unknown) =>
          this.#logger.warn({ err }, 'origin index pruning failed; will retry'),
        );
      }
    })().finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }

  #setState(state: RegionNodeState): void {
    this.#state = state;
    this.#logger.info({ state }, 'region node state');
  }
}
