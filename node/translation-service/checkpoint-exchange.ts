/**
 * The checkpoint side of a node's translation service: every round it computes the frontiers of its own
 * region's selected groups, keeps them and pushes them to every peer; for a checkpoint a peer pushed of a group
 * whose offsets are synced here (`syncGroupOffsets`), it commits the translation forward when the group has no
 * active members here.
 */
import { isGeomeshError } from '../../base/index.ts';
import type { Logger } from '../log/index.ts';
import { requireGroup } from '../rpc-checks/index.ts';
import type { CheckpointPartition, GroupCheckpoint } from '../translation/index.ts';
import type { PartitionSeek, TranslationServiceOptions } from './translation-types.ts';

/** What the exchange reads of its translation service. */
export interface CheckpointExchangeContext {
  options: TranslationServiceOptions;
  logger: Logger;
  stats: {
    checkpointRounds: number;
    checkpointsPushed: number;
    pushFailures: number;
    lastCheckpointMs: number;
    groupPartitionsSynced: number;
    groupSyncsSkipped: number;
  };
  isStopped(): boolean;
  now(): number;
  localFrontiers(group: string): Promise<{ computedAtMs: number; partitions: CheckpointPartition[] }>;
  localSeek(
    partitions: readonly CheckpointPartition[],
  ): Promise<{ region: string; partitions: PartitionSeek[] }>;
}

export class CheckpointExchange {
  readonly #ctx: CheckpointExchangeContext;
  #checkpointing: Promise<void> | undefined;
  /** Groups being synced now (one sync per group at a time). */
  readonly #syncing = new Set<string>();
  readonly #syncs = new Set<Promise<void>>();
  /** Groups left out of the pushes because peers refuse their names (each is logged once). */
  readonly #unpushable = new Set<string>();

  constructor(ctx: CheckpointExchangeContext) {
    this.#ctx = ctx;
  }

  /** Starts the group offset sync of `checkpoint` in the background (awaited by `settled`). */
  startSync(checkpoint: GroupCheckpoint): void {
    const sync = this.syncGroup(checkpoint).finally(() => this.#syncs.delete(sync));
    this.#syncs.add(sync);
  }

  /** Resolves when the round and the syncs under way have ended. */
  async settled(): Promise<void> {
    await this.#checkpointing;
    await Promise.allSettled([...this.#syncs]);
  }

  /**
   * Group offset sync: commits the translation of `checkpoint` here, for a group with no active members
   * here, partition by partition only where it moves the group forward. Skipped (and counted) when the group
   * is active here, when a sync of it is running, or on an error; the next checkpoint tries again.
   */
  async syncGroup(checkpoint: GroupCheckpoint): Promise<void> {
    const { group } = checkpoint;
    if (this.#syncing.has(group) || this.#ctx.isStopped()) return;
    this.#syncing.add(group);
    try {
      const seeks = await this.#ctx.localSeek(checkpoint.partitions);
      const topics = [...new Set(seeks.partitions.map((p) => p.topic))];
      const current = new Map(
        (await this.#ctx.options.cluster.committedOffsets(group, topics)).map((c) => [
          `${c.topic}/${c.partition}`,
          c.offset,
        ]),
      );
      if (this.#ctx.isStopped()) return;
      const forward = seeks.partitions
        .filter((s) => s.offset > (current.get(`${s.topic}/${s.partition}`) ?? -1))
        .map((s) => ({ topic: s.topic, partition: s.partition, offset: s.offset }));
      if (forward.length === 0) return;
      await this.#ctx.options.cluster.commit(group, forward);
      this.#ctx.stats.groupPartitionsSynced += forward.length;
      this.#ctx.logger.info(
        {
          group,
          from: checkpoint.region,
          partitions: forward.length,
          checkpointAtMs: checkpoint.computedAtMs,
        },
        'group offsets synced from a checkpoint',
      );
    } catch (err) {
      this.#ctx.stats.groupSyncsSkipped++;
      this.#ctx.logger.info(
        { group, from: checkpoint.region, err },
        'group offset sync skipped; the next checkpoint retries',
      );
    } finally {
      this.#syncing.delete(group);
    }
  }

  /** Computes this region's selected groups' frontiers now, keeps them and pushes them to every peer. */
  checkpointNow(): Promise<void> {
    if (this.#checkpointing || this.#ctx.isStopped()) return this.#checkpointing ?? Promise.resolve();
    this.#checkpointing = this.#checkpointRound().finally(() => (this.#checkpointing = undefined));
    return this.#checkpointing;
  }

  /** False for a group whose name peers refuse in a push (a control character, say): one would fail them all. */
  #isPushable(group: string): boolean {
    try {
      requireGroup(group, 'group');
      return true;
    } catch (err) {
      if (!isGeomeshError(err)) throw err;
      if (!this.#unpushable.has(group)) {
        this.#unpushable.add(group);
        this.#ctx.logger.warn(
          { err: err.message },
          'a consumer group is not checkpointed: peers refuse its name',
        );
      }
      return false;
    }
  }

  async #checkpointRound(): Promise<void> {
    const { region, regions, cluster, checkpoints } = this.#ctx.options;
    const taken: GroupCheckpoint[] = [];
    try {
      for (const group of (await cluster.groups()).filter((g) => this.#ctx.options.isCheckpointedGroup(g))) {
        if (!this.#isPushable(group)) continue;
        const f = await this.#ctx.localFrontiers(group);
        if (this.#ctx.isStopped()) return;
        if (f.partitions.length === 0) continue;
        const checkpoint = { region, group, computedAtMs: f.computedAtMs, partitions: f.partitions };
        checkpoints.put(checkpoint);
        taken.push(checkpoint);
      }
    } catch (err) {
      if (this.#ctx.isStopped()) return;
      this.#ctx.logger.warn({ err }, 'checkpoint round failed reading the local cluster; will retry');
      return;
    }
    this.#ctx.stats.checkpointRounds++;
    this.#ctx.stats.lastCheckpointMs = this.#ctx.now();
    if (taken.length === 0) return;
    await Promise.all(
      regions
        .filter((r) => r !== region)
        .map(async (peerRegion) => {
          const peer = this.#ctx.options.peer(peerRegion);
          if (!peer) return;
          try {
            await peer.pushCheckpoints(region, taken);
            this.#ctx.stats.checkpointsPushed += taken.length;
          } catch (err) {
            this.#ctx.stats.pushFailures++;
            this.#ctx.logger.debug(
              { err, peer: peerRegion },
              'checkpoint push failed; the next round retries',
            );
          }
        }),
    );
  }
}
