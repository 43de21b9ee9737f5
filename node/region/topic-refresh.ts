/**
 * The topic refresh of a region node, every `topicRefreshMs`: for each inbound link it picks up topics that
 * newly match the link's selector (mirrored into the region, then read), propagates partitions added in the
 * source to the target, restarts the link's consumer when the source has partitions it does not read, brings
 * the lag up to date and audits that every selected source partition is read here or by its owner
 * (node/replication/coverage-audit.ts). Every 12th refresh it also syncs topic configs and prunes the index.
 */
import type { Logger } from '../log/index.ts';
import type { ReplicationMetrics } from '../observability/index.ts';
import type { RegionLink } from './worker-links.ts';
import { auditAndReport } from './coverage-report.ts';
import type { MirrorTarget, SourceCluster } from './ports.ts';

/** A running inbound link as the refresh sees it. */
export interface RefreshedLink<S> {
  from: string;
  /** A fixed topic list, or a selector over the source's topics. */
  topics: readonly string[] | ((topic: string) => boolean);
  remote: S;
  replicator: RegionLink;
  /**
   * The source's partition counts when the link's consumer last (re)started: it reads no partition added
   * after (kafkajs does not rebalance for them), so a count above these restarts it.
   */
  readCounts: Map<string, number>;
}

export interface TopicRefreshOptions<S extends SourceCluster> {
  region: string;
  local: MirrorTarget<S>;
  links(): readonly RefreshedLink<S>[];
  /** Without work sharing, the tails of newly picked-up topics are scanned (their marks set) before reading. */
  scanNewTopics?: (topics: readonly string[]) => Promise<void>;
  /** Work sharing: who owns a target partition as last seen, and this instance's id. */
  workSharing?: { instanceId: string; ownerOf?(topic: string, partition: number): string | undefined };
  /** Run every 12th refresh (index pruning). */
  housekeeping(): Promise<void>;
  metrics: ReplicationMetrics;
  logger: Logger;
}

/** The source topics a link carries now: its fixed list, or the source's topics its selector accepts. */
export async function selectTopics(
  topics: readonly string[] | ((topic: string) => boolean),
  remote: SourceCluster,
): Promise<string[]> {
  if (typeof topics !== 'function') return [...topics];
  return (await remote.listTopics()).filter((t) => topics(t)).sort();
}

export class TopicRefresh<S extends SourceCluster> {
  readonly #options: TopicRefreshOptions<S>;
  #count = 0;
  #refreshing: Promise<void> | undefined;
  #stopped = false;

  constructor(options: TopicRefreshOptions<S>) {
    this.#options = options;
  }

  /** One refresh of every link; a call during a refresh returns that refresh. */
  refresh(): Promise<void> {
    if (this.#stopped) return this.#refreshing ?? Promise.resolve();
    this.#refreshing ??= (async () => {
      for (const link of this.#options.links()) {
        if (this.#stopped) return;
        try {
          await this.#refreshLink(link);
        } catch (err) {
          if (!this.#stopped)
            this.#options.logger.warn({ from: link.from, err }, 'topic refresh failed; will retry');
        }
      }
      if (this.#count++ % 12 === 0 && !this.#stopped) {
        await this.#syncConfigs();
        if (this.#stopped) return;
        await this.#options
          .housekeeping()
          .catch((err: unknown) =>
            this.#options.logger.warn({ err }, 'origin index pruning failed; will retry'),
          );
      }
    })().finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }

  /** Resolves when the refresh under way (if any) has ended. */
  async settled(): Promise<void> {
    await this.#refreshing;
  }

  /**
   * No refresh starts after this, and the one under way changes nothing more: it may still be waiting on a
   * cluster that does not answer, and a stop does not wait for that (see node/lifecycle/stop-steps.ts).
   * Resolves when the refresh under way has ended.
   */
  stop(): Promise<void> {
    this.#stopped = true;
    return this.settled();
  }

  /** Rejects once stopped: what comes after an await is not done. */
  #go(): void {
    if (this.#stopped) throw new Error('topic refresh stopped');
  }

  async #refreshLink(link: RefreshedLink<S>): Promise<void> {
    const { local, region, logger, metrics, workSharing } = this.#options;
    const names = { from: link.from, to: region };
    const current = link.replicator.topics;
    const now = typeof link.topics === 'function' ? await selectTopics(link.topics, link.remote) : current;
    const added = now.filter((t) => !current.includes(t));
    // One snapshot of both clusters' partition counts serves the growth check and the audit below.
    const audited = [...new Set([...current, ...now])];
    const [source, target] = await Promise.all([
      link.remote.partitionCounts(audited),
      local.partitionCounts(audited),
    ]);
    for (const topic of added) {
      this.#go();
      await local.mirrorTopicFrom(link.remote, topic, names);
      target.set(topic, source.get(topic) ?? 0);
    }
    this.#go();
    if (added.length > 0) await this.#options.scanNewTopics?.(added);
    // Partition increases in the source are propagated to the target.
    for (const topic of current.filter((t) => (source.get(t) ?? 0) > (target.get(t) ?? 0))) {
      this.#go();
      await local.mirrorTopicFrom(link.remote, topic, names);
      target.set(topic, source.get(topic) ?? 0);
    }
    this.#go();
    // The consumer rejoins to read partitions added since it started: compared with what it started with,
    // not with the target, which another link or instance may have grown already. It also rejoins when the
    // last audit found partitions left unassigned while it was in its group.
    const grown = current.filter((t) => (source.get(t) ?? 0) > (link.readCounts.get(t) ?? 0));
    const unassigned = link.replicator.coverage.reported.filter((u) => u.reason === 'unassigned');
    if (added.length > 0 || grown.length > 0 || unassigned.length > 0) {
      await link.replicator.updateTopics([...current, ...added]);
      link.readCounts = new Map([...current, ...added].map((t) => [t, source.get(t) ?? 0]));
      logger.info(
        {
          from: link.from,
          added,
          grown,
          ...(unassigned.length > 0 && { unassigned: unassigned.map((u) => `${u.topic}/${u.partition}`) }),
        },
        'topics picked up or grown; source consumer restarted',
      );
    }
    this.#go();
    await link.replicator
      .refreshLag()
      .catch((err: unknown) => logger.debug({ from: link.from, err }, 'lag refresh failed; will retry'));
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
      metrics,
      logger,
    );
  }

  /**
   * Keeps the synced configs of every replicated topic in step with its source (docs/topic-configs.md). A
   * topic several links carry follows the first of them by region name, so regions never flip-flop.
   */
  async #syncConfigs(): Promise<void> {
    const { local, region, logger } = this.#options;
    const sourceOf = new Map<string, RefreshedLink<S>>();
    for (const link of [...this.#options.links()].sort((a, b) => a.from.localeCompare(b.from))) {
      for (const topic of link.replicator.topics) if (!sourceOf.has(topic)) sourceOf.set(topic, link);
    }
    for (const [topic, link] of sourceOf) {
      if (this.#stopped) return;
      try {
        const result = await local.syncTopicConfigsFrom(link.remote, topic, { from: link.from, to: region });
        if (Object.keys(result.changed).length > 0)
          logger.info({ topic, from: link.from, changed: result.changed }, 'topic configs synced');
        if (result.targetTimestampType === 'LogAppendTime')
          logger.warn(
            { topic },
            `topic ${topic} in ${region} has message.timestamp.type=LogAppendTime: replicated records get the target's append time, not their original timestamp; set it to CreateTime`,
          );
      } catch (err) {
        logger.warn({ topic, err }, 'topic config sync failed; will retry');
      }
    }
  }
}
