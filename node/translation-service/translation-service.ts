/**
 * Answers offset translations for the mesh, from one node: "group G committed these offsets in region A;
 * where does it resume in region B?" (protocol: node/translation/translation-protocol.md).
 *
 * - Frontiers come from A's node (live: A's committed offsets read through A's origin index), or, when A
 *   cannot be asked, from the last checkpoint of G that A pushed here.
 * - The seek runs on B's node, over B's origin index and B's log range.
 * - Either half runs locally when this node is A's or B's.
 *
 * Every `checkpointIntervalMs` the service computes the frontiers of its own region's selected groups,
 * keeps them and pushes them to every peer, which keep the latest per group (and persist them with the
 * index) so a translation out of a region that is down still has an answer.
 *
 * States: idle → running → stopped. `stop()` is idempotent.
 */
import { GeomeshError, isGeomeshError } from '../../base/index.ts';
import type { Logger } from '../log/index.ts';
import {
  frontierAt,
  frontierEntries,
  missingOf,
  seek,
  unconsumedAfter,
  type CheckpointPartition,
  type GroupCheckpoint,
  type IndexView,
} from '../translation/index.ts';
import { invalid, requireName, requirePartitionFrontier, requireTopics } from './request-checks.ts';
import type {
  LocalFrontiers,
  LocalCluster,
  PartitionSeek,
  Translation,
  TranslationServiceOptions,
} from './translation-types.ts';
import { NODE_DEFAULTS } from '../config/index.ts';
import { CheckpointExchange } from './checkpoint-exchange.ts';
import { LogEndReads } from './log-end-reads.ts';

export class TranslationService {
  readonly #options: TranslationServiceOptions;
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;
  #state: 'idle' | 'running' | 'stopped' = 'idle';
  /** Checkpoint rounds done and pushes that failed, for metrics and status. */
  readonly stats = {
    checkpointRounds: 0,
    checkpointsPushed: 0,
    pushFailures: 0,
    lastCheckpointMs: 0,
    /** Group offset sync: partitions committed forward, and syncs skipped (active members, errors). */
    groupPartitionsSynced: 0,
    groupSyncsSkipped: 0,
  };
  /** Checkpoint rounds and group offset syncs. */
  readonly #exchange: CheckpointExchange;
  /** The last read of each topic's log ends, shared for NODE_DEFAULTS.logEndMaxAgeMs. */
  readonly #logEnds: LogEndReads;

  constructor(options: TranslationServiceOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'translation', region: options.region });
    this.#exchange = new CheckpointExchange({
      options,
      logger: this.#logger,
      stats: this.stats,
      isStopped: () => this.#state === 'stopped',
      now: () => this.#now(),
      localFrontiers: (group) => this.localFrontiers(group, []),
      localSeek: (partitions) => this.localSeek(partitions),
    });
    this.#logEnds = new LogEndReads(options.cluster, () => this.#now(), this.#logger);
  }

  get state(): 'idle' | 'running' | 'stopped' {
    return this.#state;
  }

  start(): void {
    if (this.#state !== 'idle') return;
    this.#state = 'running';
    const interval = this.#options.checkpointIntervalMs ?? NODE_DEFAULTS.checkpointIntervalMs;
    if (interval > 0) this.#timer = setInterval(() => void this.checkpointNow(), interval);
  }

  async stop(): Promise<void> {
    this.#state = 'stopped';
    clearInterval(this.#timer);
    await this.#exchange.settled();
  }

  /**
   * This node's own cluster, whose groups' offsets it reads: where a failover into this region commits the
   * translated offsets (node/failover).
   */
  get localCluster(): LocalCluster {
    return this.#options.cluster;
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }

  /** This region's half: the group's committed offsets here and, for each, the frontier (live). */
  async localFrontiers(
    group: string,
    topics: readonly string[],
    /** Also how many members the group has here (a live translation's source; not for checkpoints). */
    withMembers = false,
  ): Promise<LocalFrontiers> {
    requireName(group, 'group');
    requireTopics(topics);
    const { region, cluster } = this.#options;
    const computedAtMs = this.#now();
    const [committed, activeMembers] = await Promise.all([
      cluster.committedOffsets(group, topics),
      withMembers ? cluster.activeMembers?.(group) : undefined,
    ]);
    // Read after the committed offsets, so they cover them: the records held after each frontier.
    const logEnds = await this.#logEnds.of(committed);
    // Read after the committed offsets, so it covers them.
    const index = await this.#indexFor(committed);
    const partitions = committed.map((c) => {
      const runs = index.get(c.topic, c.partition);
      const frontier = frontierAt(runs, region, c.offset);
      const logEnd = logEnds.get(c.topic)?.get(c.partition);
      return {
        topic: c.topic,
        partition: c.partition,
        committedOffset: c.offset,
        frontier: frontierEntries(frontier),
        unconsumed: logEnd === undefined ? [] : unconsumedAfter(runs, region, frontier, c.offset, logEnd),
        unconsumedCounted: logEnd !== undefined,
      };
    });
    return {
      region,
      computedAtMs,
      partitions,
      ...(activeMembers !== undefined && { activeMembers, activeMembersKnown: true }),
    };
  }

  /** This region's half of the seek: where each partition's frontier resumes here. */
  async localSeek(
    partitions: readonly CheckpointPartition[],
  ): Promise<{ region: string; partitions: PartitionSeek[] }> {
    const { region, cluster } = this.#options;
    const ranges = new Map<string, Map<number, { logStart: number; logEnd: number }>>();
    const checked: { p: CheckpointPartition; range: { logStart: number; logEnd: number } }[] = [];
    for (const p of partitions) {
      requirePartitionFrontier(p, 'seek');
      let topicRanges = ranges.get(p.topic);
      if (!topicRanges) {
        const r = await cluster.topicRanges(p.topic);
        if (!r)
          throw new GeomeshError('GEOMESH_RPC_NOT_FOUND', `topic ${p.topic} does not exist in ${region}`, {
            details: { topic: p.topic, region },
          });
        topicRanges = new Map(r.map((x) => [x.partition, x]));
        ranges.set(p.topic, topicRanges);
      }
      const range = topicRanges.get(p.partition);
      if (!range)
        throw new GeomeshError(
          'GEOMESH_RPC_NOT_FOUND',
          `${p.topic} has no partition ${p.partition} in ${region} (it has ${topicRanges.size})`,
          { details: { topic: p.topic, partition: p.partition, region } },
        );
      checked.push({ p, range });
    }
    // Read after the ranges, so it covers every log end used below.
    const index = await this.#indexFor(partitions);
    return {
      region,
      partitions: checked.map(({ p, range }) => {
        const frontier = new Map(p.frontier.map((f) => [f.region, f.offset]));
        const result = seek(index.get(p.topic, p.partition), region, frontier, range);
        const isCounted = p.unconsumedCounted === true;
        return {
          topic: p.topic,
          partition: p.partition,
          offset: result.offset,
          alreadySeen: result.alreadySeen,
          logEnd: range.logEnd,
          missing: isCounted ? missingOf(index.get(p.topic, p.partition), region, p.unconsumed ?? []) : [],
          missingCounted: isCounted,
        };
      }),
    };
  }

  #indexFor(tps: readonly { topic: string; partition: number }[]): Promise<IndexView> {
    return this.#options.indexFor?.(tps) ?? Promise.resolve(this.#options.index);
  }

  /**
   * Translates `group` from region `from` to region `to` (either may be this node's or a peer's). With
   * `isCheckpointFirst`, `from`'s last checkpoint held here is used without asking `from`'s node first (when
   * there is one; a failover does so once `from` has not answered for another group of the same call).
   */
  async translate(
    group: string,
    from: string,
    to: string,
    topics: readonly string[] = [],
    isCheckpointFirst = false,
  ): Promise<Translation> {
    requireName(group, 'group');
    requireTopics(topics);
    this.#requireRegion(from, 'from');
    this.#requireRegion(to, 'to');
    if (from === to) throw invalid(`from and to are both ${from}: name two different regions`);
    const startedAt = performance.now();
    const frontiers = await this.#frontiersOf(group, from, topics, isCheckpointFirst);
    this.#logger.debug({ group, from, partitions: frontiers.partitions.length }, 'frontiers read');
    if (frontiers.partitions.length === 0) {
      throw new GeomeshError(
        'GEOMESH_RPC_NOT_FOUND',
        `group ${group} has no committed offsets in ${from}` +
          (topics.length > 0 ? ` for ${topics.join(', ')}` : '') +
          (frontiers.source === 'checkpoint' ? ' (as of its last checkpoint)' : '') +
          ': check the group name, or that it committed in that region',
        { details: { group, region: from } },
      );
    }
    const seeks = await this.#seekIn(to, frontiers.partitions);
    this.#options.onTranslated?.(from, to, frontiers.source, (performance.now() - startedAt) / 1000);
    const byPartition = new Map(seeks.partitions.map((s) => [`${s.topic}/${s.partition}`, s]));
    return {
      group,
      fromRegion: from,
      toRegion: to,
      source: frontiers.source,
      frontierTimeMs: frontiers.computedAtMs,
      partitions: frontiers.partitions.map((p) => {
        const s = byPartition.get(`${p.topic}/${p.partition}`);
        if (!s)
          throw new GeomeshError(
            'GEOMESH_RPC_INTERNAL',
            `${to} did not answer for ${p.topic}/${p.partition}`,
          );
        return {
          topic: p.topic,
          partition: p.partition,
          sourceOffset: p.committedOffset,
          targetOffset: s.offset,
          frontier: p.frontier,
          alreadySeen: s.alreadySeen,
          targetLogEnd: s.logEnd,
          notReplicated: s.missing ?? [],
          notReplicatedCounted: s.missingCounted === true,
        };
      }),
      ...(frontiers.source === 'live' &&
        frontiers.activeMembersKnown === true && { sourceActiveMembers: frontiers.activeMembers ?? 0 }),
    };
  }

  /**
   * The consumer groups of `region`'s cluster, listed by its node (live); when it cannot be asked (node or
   * Kafka down, a node older than the listing), the groups its checkpoints held here name.
   */
  async groupsOf(region: string): Promise<{ source: 'live' | 'checkpoint'; groups: string[] }> {
    this.#requireRegion(region, 'from');
    if (region === this.#options.region)
      return { source: 'live', groups: await this.#options.cluster.groups() };
    const peer = this.#options.peer(region);
    if (peer) {
      try {
        return { source: 'live', groups: await peer.listGroups() };
      } catch (err) {
        this.#logger.info(
          { region, err },
          `${region}'s groups not listed live; taking its checkpoints' groups`,
        );
      }
    }
    const groups = this.#options.checkpoints
      .all()
      .filter((c) => c.region === region)
      .map((c) => c.group);
    return { source: 'checkpoint', groups };
  }

  /** Keeps a checkpoint a peer pushed (the newer per region and group wins); returns whether kept. */
  receiveCheckpoint(checkpoint: GroupCheckpoint): boolean {
    if (checkpoint.region === this.#options.region) return false;
    this.#requireRegion(checkpoint.region, 'checkpoint.region');
    requireName(checkpoint.group, 'checkpoint.group');
    if (!Number.isSafeInteger(checkpoint.computedAtMs) || checkpoint.computedAtMs <= 0)
      throw invalid(
        `checkpoint of ${checkpoint.group}: computedAtMs ${checkpoint.computedAtMs} is not a time`,
      );
    for (const p of checkpoint.partitions) requirePartitionFrontier(p, `checkpoint of ${checkpoint.group}`);
    const isKept = this.#options.checkpoints.put(checkpoint);
    if (isKept) this.#options.onCheckpointReceived?.(checkpoint);
    if (isKept && this.#options.isSyncedGroup?.(checkpoint.region, checkpoint.group)) {
      this.#exchange.startSync(checkpoint);
    }
    return isKept;
  }

  /** Group offset sync of one checkpoint (checkpoint-exchange.ts). */
  syncGroup(checkpoint: GroupCheckpoint): Promise<void> {
    return this.#exchange.syncGroup(checkpoint);
  }

  /** Computes this region's selected groups' frontiers now, keeps them and pushes them to every peer. */
  checkpointNow(): Promise<void> {
    return this.#exchange.checkpointNow();
  }

  async #frontiersOf(
    group: string,
    from: string,
    topics: readonly string[],
    isCheckpointFirst: boolean,
  ): Promise<Omit<LocalFrontiers, 'region'> & { source: 'live' | 'checkpoint' }> {
    if (from === this.#options.region)
      return { source: 'live', ...(await this.localFrontiers(group, topics, true)) };
    const peer = this.#options.peer(from);
    let liveError: unknown;
    const isSkipped = isCheckpointFirst && this.#options.checkpoints.get(from, group) !== undefined;
    if (peer && !isSkipped) {
      try {
        return { source: 'live', ...(await peer.getFrontiers(group, topics)) };
      } catch (err) {
        // A definite answer from the live region stands (no such group, bad arguments); anything else (node
        // down, its Kafka down, a deadline) falls back to the checkpoint.
        if (
          isGeomeshError(err, 'GEOMESH_RPC_NOT_FOUND') ||
          isGeomeshError(err, 'GEOMESH_RPC_INVALID_ARGUMENT')
        )
          throw err;
        liveError = err;
      }
    }
    const checkpoint = this.#options.checkpoints.get(from, group);
    if (!checkpoint) {
      throw new GeomeshError(
        'GEOMESH_RPC_UNAVAILABLE',
        `the node of ${from} cannot be asked${peer ? '' : ' (no address known)'} and no checkpoint of group ${group} from ${from} is held here: ` +
          `retry when ${from} is reachable, or ask a node that received its checkpoints`,
        { details: { group, region: from }, ...(liveError ? { cause: liveError } : {}) },
      );
    }
    this.#logger.info(
      { group, from, checkpointAgeMs: this.#now() - checkpoint.computedAtMs, err: liveError },
      'translating from the last checkpoint: the source region cannot be asked',
    );
    const wanted = new Set(topics);
    return {
      source: 'checkpoint',
      computedAtMs: checkpoint.computedAtMs,
      partitions: checkpoint.partitions.filter((p) => wanted.size === 0 || wanted.has(p.topic)),
    };
  }

  async #seekIn(
    to: string,
    partitions: readonly CheckpointPartition[],
  ): Promise<{ region: string; partitions: PartitionSeek[] }> {
    if (to === this.#options.region) return this.localSeek(partitions);
    const peer = this.#options.peer(to);
    if (!peer) {
      throw new GeomeshError(
        'GEOMESH_RPC_UNAVAILABLE',
        `no address is known for the node of ${to}: set regions.${to}.node.grpc (or node.advertise) in the topology, or ask ${to}'s node directly`,
        { details: { region: to } },
      );
    }
    return peer.seek(partitions);
  }

  #requireRegion(region: string, field: string): void {
    if (!region) throw invalid(`${field} names no region`);
    if (!this.#options.regions.includes(region)) {
      throw new GeomeshError(
        'GEOMESH_RPC_NOT_FOUND',
        `${field}: unknown region "${region}"; the mesh has ${this.#options.regions.join(', ')}`,
        { details: { region } },
      );
    }
  }
}
