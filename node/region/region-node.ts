/**
 * The node of one region: runs every inbound link X → R (consume far, produce near). It wires the parts:
 * index keeping (index-keeper.ts), the writes into R (region-writes.ts), shared partitions under work
 * sharing (shared-partitions.ts), the topic refresh (topic-refresh.ts), the translation service and the HTTP
 * endpoint. On start it loads the origin index, mirrors each selected topic into R, scans the target tails
 * and sets the marks (without work sharing; with it, per partition when acquired), then starts the links.
 * Stop drains in named steps (node/lifecycle): translation, refresh, links, a last index flush, the endpoint.
 * With `workers` > 1 the links run on worker threads, each owning a share of the target partitions
 * (worker-links.ts, node/workers); this thread keeps the index, its flush, the metrics and the topic refresh.
 *
 * States: idle → starting → running → stopping → stopped; starting → failed when start throws.
 */
import type { ClusterOffsets, FencedRecordSink, KafkaCluster } from '../kafka/index.ts';
import { Lifecycle, runStopSteps, type LifecycleState } from '../lifecycle/index.ts';
import type { Logger } from '../log/index.ts';
import {
  HttpServer,
  Registry,
  type LinkPathMetrics,
  type ProvenanceMetrics,
  type ReplicationMetrics,
  type TranslationMetrics,
} from '../observability/index.ts';
import {
  LinkReplicator,
  OriginHighwater,
  ProvenanceKeySet,
  type LinkObserver,
  type TopicPartition,
} from '../replication/index.ts';
import type { TranslationService } from '../translation-service/index.ts';
import { CheckpointStore, OriginIndex, type IndexView } from '../translation/index.ts';
import { readinessProblems } from './coverage-report.ts';
import { regionCluster } from './region-clusters.ts';
import {
  createRegionMetrics,
  LinkTrafficTally,
  linkPathObserver,
  regionLinkObserver,
} from './region-metrics.ts';
import { regionTranslation } from './region-translation.ts';
import { IndexKeeper } from './index-keeper.ts';
import { type RegionNodeOptions, type RegionTranslationOptions } from './region-node-options.ts';
import type { SharedPartitions } from './shared-partitions.ts';
import { marksAndThroughs, shareRegionPartitions } from './worker-share.ts';
import { RegionWorkers } from './region-workers.ts';
import { TopicRefresh, type RefreshedLink } from './topic-refresh.ts';
import { NODE_DEFAULTS, type InboundLinkConfig } from '../config/index.ts';
import {
  planLinks,
  sourceClusterBytes,
  startingWorkers,
  type PlannedLink,
  type RegionLink,
  type WorkerLink,
} from './worker-links.ts';
import {
  inboundLinkReplicator,
  linkGroupId,
  linkTuning,
  type PartitionWriter,
} from '../link-wiring/index.ts';
import { regionWrites } from './region-writes.ts';

export type RegionNodeState = LifecycleState;

export class RegionNode {
  readonly highwater = new OriginHighwater();
  /** Where replicated records landed in this region's cluster (see node/translation). */
  readonly index = new OriginIndex();
  /** Group checkpoints: this region's and those peers pushed. */
  readonly checkpoints = new CheckpointStore();
  /** Its inbound links: replicators on this thread, or their views over the worker threads (`workers` > 1). */
  readonly links: RegionLink[] = [];
  /** The replicators on this thread (none with workers). */
  readonly #replicators: LinkReplicator[] = [];
  readonly registry: Registry;
  readonly metrics: ReplicationMetrics;
  readonly translationMetrics: TranslationMetrics;
  /** The provenance keys (current + accepted), prepared once for HMAC. */
  readonly provenanceKeys: ProvenanceKeySet;
  readonly provenanceMetrics: ProvenanceMetrics;
  readonly #pathMetrics: LinkPathMetrics;
  readonly #options: RegionNodeOptions;
  readonly #logger: Logger;
  readonly #life: Lifecycle;
  readonly #keeper: IndexKeeper;
  readonly #writer: PartitionWriter;
  readonly #shared: SharedPartitions | undefined;
  readonly #refresh: TopicRefresh<KafkaCluster>;
  readonly #local: KafkaCluster;
  /** Work sharing: the writer of the owned partitions, fenced at the broker (one transactional id each). */
  readonly #fenced: FencedRecordSink | undefined;
  readonly #running: RefreshedLink<KafkaCluster>[] = [];
  readonly #traffic = new LinkTrafficTally();
  /** Peer regions whose key sets do not agree with this node's → why (key ids only). */
  readonly #keyMismatches = new Map<string, string>();
  #http: HttpServer | undefined;
  #translation: TranslationService | undefined;
  #clusterOffsets: ClusterOffsets | undefined;
  #refreshTimer: NodeJS.Timeout | undefined;
  #flushTimer: NodeJS.Timeout | undefined;
  readonly #workers: number;
  /** The data path's worker threads, when `workers` > 1. */
  readonly #threads = new RegionWorkers();

  constructor(options: RegionNodeOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'region-node', region: options.region });
    this.#workers = startingWorkers(options, this.#logger);
    this.#life = new Lifecycle('region node', this.#logger);
    this.provenanceKeys = new ProvenanceKeySet(options.provenanceKey, options.acceptedProvenanceKeys ?? []);
    this.registry = options.registry ?? new Registry();
    ({
      metrics: this.metrics,
      provenanceMetrics: this.provenanceMetrics,
      translationMetrics: this.translationMetrics,
      pathMetrics: this.#pathMetrics,
    } = createRegionMetrics(this.registry, this.provenanceKeys, {
      links: () => this.links,
      index: this.index,
      checkpoints: this.checkpoints,
      groupPartitionsSynced: () => this.#translation?.stats.groupPartitionsSynced ?? 0,
      clusterReceivedBytes: () => this.#running.map((l) => ({ from: l.from, bytes: sourceClusterBytes(l) })),
    }));
    const workSharing = options.workSharing;
    const topicRefreshMs = options.topicRefreshMs ?? NODE_DEFAULTS.topicRefreshMs;
    this.#local = regionCluster(options, options.region, this.#logger, this.metrics);
    this.#keeper = new IndexKeeper({
      mesh: options.mesh,
      cluster: this.#local,
      index: this.index,
      highwater: this.highwater,
      checkpoints: this.checkpoints,
      provenanceKeys: this.provenanceKeys,
      ...(workSharing && {
        workSharing: {
          mayFlush: (topic: string, partition: number) => this.#shared!.mayFlush(topic, partition),
          isLeaseValid: () => workSharing.isLeaseValid(),
        },
      }),
      logger: this.#logger,
    });
    ({ writer: this.#writer, fenced: this.#fenced } = regionWrites({
      options,
      local: this.#local,
      mayWrite: (topic, partition) => !this.#shared || this.#shared.mayWrite(topic, partition),
      through: (topic, partition) => this.index.get(topic, partition)?.through ?? 0,
      onUnsure: (topic, partition, through) => this.#keeper.noteUnsure(topic, partition, through),
      onFenced: () => this.metrics.writesFenced.inc(),
    }));
    this.#shared = shareRegionPartitions({
      workSharing,
      workers: this.#workers,
      pool: () => this.#threads.pool,
      links: () => this.links,
      replicators: () => this.#replicators,
      marksOf: (tps) => marksAndThroughs(this.highwater, this.index, tps),
      writer: this.#writer,
      keeper: this.#keeper,
      index: this.index,
      cluster: this.#local,
      ...(this.#fenced && { fences: this.#fenced }),
      topicRefreshMs,
      metrics: this.metrics,
      logger: this.#logger,
    });
    this.#refresh = new TopicRefresh({
      region: options.region,
      local: this.#local,
      links: () => this.#running,
      // Under work sharing a partition's index and marks are loaded when it is acquired.
      ...(!workSharing && {
        scanNewTopics: (topics: readonly string[]) => this.#keeper.scanTails(topics, 'refresh'),
      }),
      ...(workSharing && { workSharing }),
      housekeeping: () => this.#keeper.prune(),
      metrics: this.metrics,
      logger: this.#logger,
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
    return this.#life.state;
  }

  /** Settles once the node is stopped or failed (with the error). */
  get closed(): Promise<Error | undefined> {
    return this.#life.closed;
  }

  /** What the last start found: runs loaded from the index topic, records of the log tails scanned. */
  get startReport(): IndexKeeper['startReport'] {
    return this.#keeper.startReport;
  }

  /** Resolves once every link runs; `signal` is not used yet beyond an early abort. */
  start(signal?: AbortSignal): Promise<void> {
    return this.#life.start(
      async () => {
        signal?.throwIfAborted();
        await this.#start();
      },
      () => this.#drain(),
    );
  }

  async #start(): Promise<void> {
    const { region, inbound } = this.#options;
    if (this.#options.http) {
      this.#http = new HttpServer({
        ...this.#options.http,
        registry: this.registry,
        notReady: () => readinessProblems(this.state, this.links, this.#keyMismatches),
      });
      await this.#http.start();
    }
    await this.#keeper.load();
    const planned = await planLinks(inbound, this.#local, region, (from) =>
      regionCluster(this.#options, from, this.#logger, this.metrics),
    );
    // Under work sharing the index and marks of a partition are loaded when it is acquired.
    if (!this.#shared) await this.#keeper.scanTails([...new Set(planned.flatMap((p) => p.topics))], 'start');
    const pooled = this.#workers > 1 ? await this.#startWorkers(planned) : undefined;
    for (const [i, { spec, remote, topics, readCounts }] of planned.entries()) {
      const replicator = pooled?.[i] ?? this.#linkReplicator(spec, remote, topics);
      this.links.push(replicator);
      if (replicator instanceof LinkReplicator) this.#replicators.push(replicator);
      this.#running.push({ from: spec.from, topics: spec.topics, remote, replicator, readCounts });
      // Agreement before data: a peer already known to disagree holds the link back from its first batch.
      replicator.setKeyMismatch(this.#keyMismatches.get(spec.from));
      await replicator.start();
      this.metrics.linkUp.labels(spec.from, region).set(1);
    }
    this.#refreshTimer = setInterval(
      () => void (this.state === 'running' && this.#refresh.refresh()),
      this.#options.topicRefreshMs ?? NODE_DEFAULTS.topicRefreshMs,
    );
    if (this.#options.translation) this.#startTranslation(this.#options.translation);
    this.#flushTimer = setInterval(
      () => void this.#keeper.flush(),
      this.#options.indexFlushIntervalMs ?? NODE_DEFAULTS.indexFlushIntervalMs,
    );
  }

  /** The data path on worker threads, each owning a share of the target partitions (worker-links.ts). */
  async #startWorkers(planned: readonly PlannedLink[]): Promise<WorkerLink[]> {
    return this.#threads.start({
      node: this.#options,
      workers: this.#workers,
      links: planned,
      keyMismatches: this.#keyMismatches,
      index: this.index,
      highwater: this.highwater,
      keeper: this.#keeper,
      observerOf: (from) => this.#observerOf(from),
      pathObserverOf: (from) =>
        linkPathObserver(this.#pathMetrics, from, this.#options.region, this.#traffic),
      onFenced: (count) => this.metrics.writesFenced.inc(count),
      partitionCounts: (topics) => this.#local.partitionCounts(topics),
      owned: () => this.ownedPartitions,
      metrics: this.metrics,
      failed: (err) => {
        this.#life.fail(err);
        void this.#drain(); // everything it started stops as in `stop`
      },
      logger: this.#logger,
    });
  }

  /**
   * Fault injection (tests, chaos): ends worker thread `worker` abruptly, as a crash of the thread would; the
   * node restarts it in place (worker-links.ts). Does nothing without workers.
   */
  async crashWorkerThread(worker: number): Promise<void> {
    await this.#threads.crash(worker);
  }

  /** How many worker threads were restarted after ending on their own. */
  get workerRestarts(): number {
    return this.#threads.restarts;
  }

  /** Its worker threads: how many hold partitions, and moves of them (docs/work-sharing.md, "Worker placement"). */
  get workerThreads(): Pick<RegionWorkers, 'workersInUse' | 'placeWorkers'> {
    return this.#threads;
  }

  /** Drains: translation, topic refresh, links (in-flight writes end), a last index flush, then the endpoint. */
  stop(): Promise<void> {
    return this.#life.stop(() => this.#drain());
  }

  async #drain(): Promise<void> {
    clearInterval(this.#refreshTimer);
    const grace = this.#options.stopGraceMs ?? NODE_DEFAULTS.stopGraceMs;
    const region = this.#options.region;
    await runStopSteps(
      [
        // Background work is not waited for past its grace: its client may be retrying against a cluster
        // that does not answer, and none of it is lost by dropping it (node/lifecycle/stop-steps.ts).
        { name: 'translation service', run: () => this.#translation?.stop(), graceMs: grace.background },
        { name: 'cluster offsets', run: () => this.#clusterOffsets?.stop(), graceMs: grace.background },
        { name: 'topic refresh', run: () => this.#refresh.stop(), graceMs: grace.background },
        ...this.links.map((l) => ({
          name: `link ${l.from} → ${region}`,
          run: async () => {
            await l.stop();
            this.metrics.linkUp.labels(l.from, region).set(0);
          },
        })),
        { name: 'worker threads', run: () => this.#threads.stop() },
        { name: 'fenced producers', run: () => this.#fenced?.stop() },
        {
          // Unflushed index records are not lost: the next start rebuilds them from the target's log tail.
          name: 'index flush',
          run: () => {
            clearInterval(this.#flushTimer);
            return this.#keeper.stop();
          },
          graceMs: grace.indexFlush,
        },
        { name: 'HTTP endpoint', run: () => this.#http?.stop() },
        {
          name: 'Kafka sockets',
          run: () => {
            this.#local.close();
            for (const link of this.#running) link.remote.close();
          },
        },
      ],
      { logger: this.#logger, what: `region node of ${region}` },
    );
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

  /** This region's own cluster as the record stream reads it (node/stream): readers and their groups. */
  get ownCluster(): Pick<KafkaCluster, 'recordSource' | 'deleteGroup'> {
    return this.#local;
  }

  /** Peer regions whose key sets disagree with this node's → why (key ids only). */
  get keyMismatches(): ReadonlyMap<string, string> {
    return this.#keyMismatches;
  }

  /** Work sharing: the target partitions this instance owns now, sorted. */
  get ownedPartitions(): TopicPartition[] {
    return this.#shared?.owned ?? [];
  }

  /** Work sharing: every target partition of the links' topics (the units shared among instances). */
  async targetPartitions(): Promise<TopicPartition[]> {
    if (!this.#shared || this.state !== 'running') return [];
    return this.#shared.targetPartitions();
  }

  /** Work sharing: takes over target partitions whose owner keys this instance now holds (shared-partitions.ts). */
  async acquirePartitions(tps: readonly TopicPartition[]): Promise<void> {
    if (this.#shared && this.#life.isActive) await this.#shared.acquire(tps);
  }

  /** Work sharing: gives target partitions up; `isHandover` flushes their index for the next owner. */
  async releasePartitions(tps: readonly TopicPartition[], isHandover: boolean): Promise<void> {
    await this.#shared?.release(tps, isHandover);
  }

  /** The index translation reads for these partitions (under work sharing, others' partitions too). */
  indexFor(tps: readonly TopicPartition[]): Promise<IndexView> {
    if (!this.#shared || !this.#life.isActive) return Promise.resolve(this.index);
    return this.#shared.indexFor(tps);
  }

  #linkReplicator(spec: InboundLinkConfig, remote: KafkaCluster, topics: readonly string[]): LinkReplicator {
    const { mesh, region, workSharing } = this.#options;
    return inboundLinkReplicator({
      mesh,
      region,
      from: spec.from,
      forwardsOrigin: (o) => spec.forwardsOrigin(o),
      topics,
      tuning: linkTuning(spec),
      groupId: linkGroupId(mesh, region, spec.from, workSharing?.instanceId),
      remote,
      sink: this.#writer.serialized(
        (this.#fenced ?? this.#local).recordSink({ compression: spec.compression }),
      ),
      highwater: this.highwater,
      provenanceKey: this.provenanceKeys,
      meshRegions: this.#options.meshRegions,
      onUnknownProvenanceKey: this.#options.onUnknownProvenanceKey,
      observer: this.#observerOf(spec.from),
      onAcked: (topic, partition, baseOffset, origins) =>
        this.index.noteWritten(topic, partition, baseOffset, origins),
      resync: (topic, partition) => this.#keeper.resync(topic, partition),
      ...(this.#shared && { owns: (t: string, p: number) => this.#shared!.owns(t, p) }),
      ...(this.#options.peerStreams && { peerStreams: () => this.#options.peerStreams!(spec.from) }),
      pathObserver: linkPathObserver(this.#pathMetrics, spec.from, region, this.#traffic),
      logger: this.#logger,
    });
  }

  /** The metrics of the link from `from`. */
  #observerOf(from: string): LinkObserver {
    return regionLinkObserver(
      this.metrics,
      this.provenanceMetrics,
      from,
      this.#options.region,
      this.#traffic,
    );
  }

  /** The link from `from`'s traffic since the node started: switches, WAN bytes (stream and cluster), written bytes. */
  linkTraffic(from: string): { pathSwitches: number; wanBytes: number; writtenBytes: number } {
    const { pathSwitches, streamBytes, writtenBytes } = this.#traffic.of(from);
    const clusterBytes = sourceClusterBytes(this.#running.find((l) => l.from === from));
    return { pathSwitches, wanBytes: streamBytes + clusterBytes, writtenBytes };
  }

  #startTranslation(options: RegionTranslationOptions): void {
    this.#clusterOffsets = this.#local.clusterOffsets();
    this.#translation = regionTranslation(options, {
      region: this.#options.region,
      index: this.index,
      indexFor: (tps) => this.indexFor(tps),
      checkpoints: this.checkpoints,
      cluster: this.#clusterOffsets,
      keeper: this.#keeper,
      metrics: this.translationMetrics,
      logger: this.#logger,
    });
    this.#translation.start();
  }
}
