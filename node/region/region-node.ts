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
  readPartitionRanges,
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
  /** Topics the link carries (same names in both regions). */
  topics: readonly string[];
  /** Whether the link carries records of `origin` (the topology's forwarding trees say). */
  forwardsOrigin(origin: string): boolean;
  compression?: SinkCompression;
  /** A record larger than the target accepts: `halt` its partition (default) or `skip` it. */
  onRecordTooLarge?: 'halt' | 'skip';
}

export interface RegionNodeOptions {
  mesh: string;
  region: string;
  provenanceKey: Buffer;
  clusters: Readonly<Record<string, { brokers: readonly string[] }>>;
  inbound: readonly InboundLinkSpec[];
  logger: Logger;
  /** Where metrics go; default a registry of the node's own. */
  registry?: Registry;
  /** Serve /metrics, /healthz and /readyz here (`port` 0 picks one); default: no HTTP endpoint. */
  http?: { host: string; port: number };
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
      const local = createKafkaClient({
        brokers: this.#brokersOf(region),
        clientId: `geomesh-${region}`,
        logger: this.#logger,
      });
      const topics = [...new Set(inbound.flatMap((l) => l.topics))];
      for (const link of inbound) {
        const remote = createKafkaClient({
          brokers: this.#brokersOf(link.from),
          clientId: `geomesh-${region}`,
          logger: this.#logger,
        });
        for (const topic of link.topics)
          await mirrorTopic(remote, local, topic, { from: link.from, to: region });
      }
      await this.#rebuildHighwater(local, topics);
      for (const link of inbound) {
        const remote = createKafkaClient({
          brokers: this.#brokersOf(link.from),
          clientId: `geomesh-${region}`,
          logger: this.#logger,
        });
        const replicator = new LinkReplicator({
          mesh,
          link: { from: link.from, to: region, forwardsOrigin: (o) => link.forwardsOrigin(o) },
          topics: link.topics,
          source: new KafkaRecordSource(remote, {
            groupId: `geomesh.${mesh}.${region}.from.${link.from}`,
            logger: this.#logger,
          }),
          sink: new KafkaRecordSink(local, link.compression ? { compression: link.compression } : {}),
          highwater: this.highwater,
          provenanceKey,
          logger: this.#logger,
          observer: observerFor(this.metrics, link.from, region),
          onAcked: (topic, partition, next) => this.#noteVerified(topic, partition, next),
          resync: (topic, partition) => this.#resync(local, topic, partition),
          ...(link.onRecordTooLarge ? { onRecordTooLarge: link.onRecordTooLarge } : {}),
        });
        this.links.push(replicator);
        await replicator.start();
        this.metrics.linkUp.labels(link.from, region).set(1);
      }
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
          this.highwater.advance(topic, record.partition, provenance.origin.region, provenance.origin.offset);
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

  #brokersOf(region: string): string[] {
    const cluster = this.#options.clusters[region];
    if (!cluster) throw new Error(`no Kafka cluster configured for region ${region}`);
    return [...cluster.brokers];
  }

  #setState(state: RegionNodeState): void {
    this.#state = state;
    this.#logger.info({ state }, 'region node state');
  }
}
