/**
 * The node of one region: runs every inbound link X → R (consume far, produce near). On start it rebuilds
 * the per-origin high-water marks from the target partitions (verified origin headers), mirrors each
 * selected topic into R, then starts the links. Stop drains the links.
 *
 * States: idle → starting → running → stopping → stopped; starting → failed when start throws.
 *
 * Slice 1 limit: the marks are rebuilt by reading the replicated topics' partitions in R from their start;
 * checkpoints that bound this read to the log tail come with the origin index.
 */
import {
  KafkaRecordSink,
  KafkaRecordSource,
  createKafkaClient,
  mirrorTopic,
  partitionCounts,
  readPartitionRanges,
  type KafkaClientOptions,
  type SinkCompression,
} from '../kafka/index.ts';
import type { Kafka } from '../kafka/index.ts';
import type { Logger } from '../log/index.ts';
import {
  createReplicationMetrics,
  HttpServer,
  Registry,
  type ReplicationMetrics,
} from '../observability/index.ts';
import {
  LinkReplicator,
  OriginHighwater,
  decodeOriginHeaders,
  provenanceKeyObject,
  type ProvenanceKey,
  type LinkObserver,
} from '../replication/index.ts';

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
}

/** How to reach one region's Kafka cluster (secrets already resolved). */
export type ClusterConnection = Omit<KafkaClientOptions, 'clientId' | 'logger'>;

export interface RegionNodeOptions {
  mesh: string;
  region: string;
  provenanceKey: Buffer;
  clusters: Readonly<Record<string, ClusterConnection>>;
  inbound: readonly InboundLinkSpec[];
  logger: Logger;
  /** Where metrics go; default a registry of the node's own. */
  registry?: Registry;
  /** Serve /metrics, /healthz and /readyz here (`port` 0 picks one); default: no HTTP endpoint. */
  http?: { host: string; port: number };
  /** How often links re-list the source's topics (selectors) and compare partition counts; default 5,000 ms. */
  topicRefreshMs?: number;
}

/** A running inbound link and what it reads. */
interface RunningLink {
  spec: InboundLinkSpec;
  remote: Kafka;
  replicator: LinkReplicator;
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
  readonly links: LinkReplicator[] = [];
  readonly registry: Registry;
  readonly metrics: ReplicationMetrics;
  #http: HttpServer | undefined;
  /** The provenance key, prepared once for HMAC. */
  readonly #provenanceKey: ProvenanceKey;
  /** Per target `topic\0partition`: offsets below this are reflected in the marks. */
  readonly #verifiedThrough = new Map<string, number>();
  readonly #options: RegionNodeOptions;
  readonly #logger: Logger;
  #state: RegionNodeState = 'idle';
  #stopping: Promise<void> | undefined;
  #local: Kafka | undefined;
  readonly #running: RunningLink[] = [];
  #refreshTimer: NodeJS.Timeout | undefined;
  #refreshing: Promise<void> | undefined;

  constructor(options: RegionNodeOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'region-node', region: options.region });
    this.#provenanceKey = provenanceKeyObject(options.provenanceKey);
    this.registry = options.registry ?? new Registry();
    this.metrics = createReplicationMetrics(this.registry);
  }

  /** `host:port` of the HTTP endpoint, once started (empty without one). */
  get httpAddress(): string {
    return this.#http?.address ?? '';
  }

  get state(): RegionNodeState {
    return this.#state;
  }

  async start(): Promise<void> {
    const { mesh, region, inbound } = this.#options;
    const provenanceKey = this.#provenanceKey;
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
          ],
        });
        await this.#http.start();
      }
      const local = this.#client(region);
      this.#local = local;
      const planned = [];
      for (const spec of inbound) {
        const remote = this.#client(spec.from);
        const topics = await this.#selectTopics(spec, remote);
        for (const topic of topics) await mirrorTopic(remote, local, topic, { from: spec.from, to: region });
        planned.push({ spec, remote, topics });
      }
      await this.#rebuildHighwater(local, [...new Set(planned.flatMap((p) => p.topics))]);
      for (const { spec, remote, topics } of planned) {
        const replicator = new LinkReplicator({
          mesh,
          link: { from: spec.from, to: region, forwardsOrigin: (o) => spec.forwardsOrigin(o) },
          topics,
          source: new KafkaRecordSource(remote, {
            groupId: `geomesh.${mesh}.${region}.from.${spec.from}`,
            logger: this.#logger,
          }),
          sink: new KafkaRecordSink(local, spec.compression ? { compression: spec.compression } : {}),
          highwater: this.highwater,
          provenanceKey,
          logger: this.#logger,
          observer: observerFor(this.metrics, spec.from, region),
          onAcked: (topic, partition, next) => this.#noteVerified(topic, partition, next),
          resync: (topic, partition) => this.#resync(local, topic, partition),
          ...(spec.onRecordTooLarge ? { onRecordTooLarge: spec.onRecordTooLarge } : {}),
          ...(spec.onSourceTruncated ? { onSourceTruncated: spec.onSourceTruncated } : {}),
          ...(spec.maxBatchBytes ? { maxBatchBytes: spec.maxBatchBytes } : {}),
          ...(spec.maxRecordsPerSecond ? { maxRecordsPerSecond: spec.maxRecordsPerSecond } : {}),
        });
        this.links.push(replicator);
        this.#running.push({ spec, remote, replicator });
        await replicator.start();
        this.metrics.linkUp.labels(spec.from, region).set(1);
      }
      this.#refreshTimer = setInterval(
        () => void this.#refreshTopics(),
        this.#options.topicRefreshMs ?? 5_000,
      );
      this.#setState('running');
    } catch (err) {
      this.#setState('failed');
      await Promise.allSettled(this.links.map((l) => l.stop()));
      await this.#http?.stop();
      throw err;
    }
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#setState('stopping');
      clearInterval(this.#refreshTimer);
      await this.#refreshing;
      await Promise.allSettled(this.links.map((l) => l.stop()));
      for (const l of this.links) this.metrics.linkUp.labels(l.from, this.#options.region).set(0);
      await this.#http?.stop();
      this.#setState('stopped');
    })();
    return this.#stopping;
  }

  async #rebuildHighwater(
    local: ReturnType<typeof createKafkaClient>,
    topics: readonly string[],
  ): Promise<void> {
    const { mesh } = this.#options;
    const provenanceKey = this.#provenanceKey;
    const isStarting = this.#state === 'starting';
    let replicas = 0;
    for (const topic of topics) {
      const admin = local.admin();
      await admin.connect();
      const offsets = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
      const from = new Map(
        offsets.filter((o) => Number(o.high) > Number(o.low)).map((o) => [o.partition, Number(o.low)]),
      );
      if (from.size === 0) continue;
      await readPartitionRanges(local, topic, from, (record) => {
        const provenance = decodeOriginHeaders(record.headers, provenanceKey, mesh, record);
        if (provenance.kind === 'replicated') {
          const { region, offset } = provenance.origin;
          // At start the last copy of each origin in the partition sets its mark, not the highest: after a
          // source partition was re-created, later copies carry lower origin offsets that are new records.
          if (isStarting) this.highwater.rewind(topic, record.partition, region, offset);
          else this.highwater.advance(topic, record.partition, region, offset);
          replicas++;
        }
      });
    }
    this.#logger.info({ replicas, marks: this.highwater.size }, 'high-water marks rebuilt');
  }

  /** Raises how far a target partition is known to be reflected in the marks. */
  #noteVerified(topic: string, partition: number, nextOffset: number): void {
    const key = `${topic}\u0000${partition}`;
    if ((this.#verifiedThrough.get(key) ?? 0) < nextOffset) this.#verifiedThrough.set(key, nextOffset);
  }

  /** Reads a target partition from where the marks are known good to its end, raising the marks. */
  async #resync(local: Kafka, topic: string, partition: number): Promise<void> {
    const { mesh } = this.#options;
    const provenanceKey = this.#provenanceKey;
    const from = this.#verifiedThrough.get(`${topic}\u0000${partition}`) ?? 0;
    let last = from;
    await readPartitionRanges(local, topic, new Map([[partition, from]]), (record) => {
      const provenance = decodeOriginHeaders(record.headers, provenanceKey, mesh, record);
      if (provenance.kind === 'replicated')
        this.highwater.advance(topic, partition, provenance.origin.region, provenance.origin.offset);
      last = record.offset + 1;
    });
    this.#noteVerified(topic, partition, last);
    this.#logger.info({ topic, partition, from, through: last }, 're-synced marks from the target');
  }

  #client(region: string): Kafka {
    const cluster = this.#options.clusters[region];
    if (!cluster) throw new Error(`no Kafka cluster configured for region ${region}`);
    return createKafkaClient({
      ...cluster,
      clientId: `geomesh-${this.#options.region}`,
      logger: this.#logger,
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
          for (const topic of added) await mirrorTopic(link.remote, local, topic, names);
          if (added.length > 0) await this.#rebuildHighwater(local, added);
          // Partition increases in the source are propagated; the consumer then rejoins to read the new ones.
          const [source, target] = await Promise.all([
            partitionCounts(link.remote, current),
            partitionCounts(local, current),
          ]);
          const grown = current.filter((t) => (source.get(t) ?? 0) > (target.get(t) ?? 0));
          for (const topic of grown) await mirrorTopic(link.remote, local, topic, names);
          if (added.length === 0 && grown.length === 0) continue;
          await link.replicator.updateTopics([...current, ...added]);
          this.#logger.info({ from: link.spec.from, added, grown }, 'topics picked up or grown');
        } catch (err) {
          this.#logger.warn({ from: link.spec.from, err }, 'topic refresh failed; will retry');
        }
      }
    })().finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }

  #setState(state: RegionNodeState): void {
    this.#state = state;
    this.#logger.info({ state }, 'region node state');
  }
}
