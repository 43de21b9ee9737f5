/**
 * The execution of a failover plan against translation: every group is translated from `from` to `to`
 * (live, or from `from`'s last checkpoint when it cannot be asked: the translation port decides), then, unless
 * the plan is a dry run, the translated offsets are committed in `to`'s cluster, exactly (also backwards: the
 * translation is what the group consumed, a higher offset would skip records). Kafka refuses the commit while
 * the group has active members there; that group is reported as refused. A problem with one group does not
 * stop the others.
 *
 * Every group is translated before the first commit; `beforeCommit` (not for a dry run) is then awaited once
 * with the groups about to be committed, if any: the caller records the move there, and when it rejects
 * nothing is committed and `moveGroups` rejects with its error.
 *
 * Up to `concurrency` groups are translated at once, then committed at once (default
 * NODE_DEFAULTS.failoverConcurrency); each group's partitions go in one commit. `onProgress` hears the counts
 * after every group; results keep the plan's order whatever order the groups finish in.
 *
 * With a `journal` (the operation recorded in etcd, so an interrupted move is completed by running it again):
 * a group its earlier calls committed is neither translated nor committed again (reported committed, and
 * `isEarlier`); a group they translated is committed with that translation, not translated again; the fresh
 * translations are recorded before the first commit (rejecting: nothing is committed), each commit after
 * it. When `signal` aborts, no group is translated or committed after that and `moveGroups` rejects with
 * its reason.
 */
import { isGeomeshError } from '../../base/index.ts';
import { NODE_DEFAULTS } from '../config/index.ts';
import type { Logger } from '../log/index.ts';
import { groupStep } from '../region-state/index.ts';
import type { Translation } from '../translation-service/index.ts';
import type { FailoverPlan } from './failover-plan.ts';
import type { FailoverProgressCounts, ProgressListener } from './failover-progress.ts';

/** What a move needs of the node: translation of a group's committed offsets, and commits in its cluster. */
export interface GroupMovePorts {
  /** Translates `group`'s committed offsets in `from` to `to`; a GeomeshError refuses the group. */
  translate(group: string, from: string, to: string): Promise<Translation>;
  /** Commits offsets of a group with no active members in this node's cluster (rejects otherwise). */
  commit(
    group: string,
    offsets: readonly { topic: string; partition: number; offset: number }[],
  ): Promise<void>;
  logger: Logger;
  /** Groups translated (then committed) at once; default NODE_DEFAULTS.failoverConcurrency. */
  concurrency?: number;
  /** Told the counts after each group. */
  onProgress?: ProgressListener;
  /** Stops the move before its next group when it aborts. */
  signal?: AbortSignal;
}

/** A group as earlier calls of the same operation left it. */
export interface EarlierGroup {
  status: 'translated' | 'committed';
  translation: Translation;
}

/** Where a move records its progress, and what it recorded before; see the file comment. */
export interface MoveJournal {
  earlier: ReadonlyMap<string, EarlierGroup>;
  /** Before the first commit: the groups translated by this call. */
  translated(groups: readonly { group: string; translation: Translation }[]): Promise<void>;
  /** After each commit; a rejection is logged (the group stays committed). */
  committed(group: string, translation: Translation): Promise<void>;
}

/** What a failover did with one group. */
export interface GroupFailoverResult {
  group: string;
  outcome: 'committed' | 'dry-run' | 'refused';
  /** Why the group was refused; empty otherwise. */
  reason: string;
  /** The translation used; undefined when the group was refused before translating. */
  translation: Translation | undefined;
  /** Committed by an earlier call of the same operation (not translated or committed again). */
  isEarlier?: boolean;
}

/** Runs `work` on every item, at most `bound` at once; resolves when all have ended (rejects on the first throw). */
export async function forEachBounded<T>(
  items: readonly T[],
  bound: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    try {
      while (next < items.length) await work(items[next++]!);
    } catch (err) {
      next = items.length; // the other workers take nothing more
      throw err;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(bound, items.length)) }, worker));
}

/** Translates and (unless a dry run) commits every group of `plan`; see the file comment. */
export async function moveGroups(
  plan: FailoverPlan,
  ports: GroupMovePorts,
  beforeCommit?: (groups: readonly string[]) => Promise<void>,
  journal?: MoveJournal,
): Promise<GroupFailoverResult[]> {
  const { from, to, isDryRun } = plan;
  const { signal } = ports;
  const bound = ports.concurrency ?? NODE_DEFAULTS.failoverConcurrency;
  const counts: FailoverProgressCounts = {
    phase: 'translating',
    total: plan.groups.length,
    translated: 0,
    committed: 0,
    refused: 0,
  };
  const tell = (): void => ports.onProgress?.(counts);
  tell();
  const results: GroupFailoverResult[] = plan.groups.map((group) => ({
    group,
    outcome: 'refused',
    reason: '',
    translation: undefined,
  }));
  const fresh: { group: string; translation: Translation }[] = [];
  await forEachBounded(results, bound, async (result) => {
    signal?.throwIfAborted();
    const earlier = journal?.earlier.get(result.group);
    const step = groupStep(earlier);
    try {
      if (earlier && step !== 'translate') {
        result.translation = earlier.translation;
        if (step === 'none') {
          result.isEarlier = true;
          counts.committed++;
        }
      } else {
        result.translation = await ports.translate(result.group, from, to);
        fresh.push({ group: result.group, translation: result.translation });
      }
      result.outcome = isDryRun ? 'dry-run' : 'committed';
    } catch (err) {
      if (!isGeomeshError(err)) throw err;
      result.reason = err.message;
      counts.refused++;
    }
    counts.translated++;
    tell();
  });
  const toCommit = results.filter(
    (r): r is GroupFailoverResult & { translation: Translation } =>
      r.outcome === 'committed' && r.isEarlier !== true,
  );
  if (isDryRun || toCommit.length === 0) {
    counts.phase = 'done';
    tell();
    return results;
  }
  signal?.throwIfAborted();
  await beforeCommit?.(toCommit.map((r) => r.group));
  if (fresh.length > 0) await journal?.translated(fresh);
  counts.phase = 'committing';
  tell();
  await forEachBounded(toCommit, bound, async (result) => {
    signal?.throwIfAborted();
    const { group, translation } = result;
    try {
      await ports.commit(
        group,
        translation.partitions.map((p) => ({
          topic: p.topic,
          partition: p.partition,
          offset: p.targetOffset,
        })),
      );
      counts.committed++;
      // The commit stands whatever the record does: a call that cannot record it commits it again.
      await journal
        ?.committed(group, translation)
        .catch((err: unknown) => ports.logger.warn({ err, group }, 'failover: commit not recorded in etcd'));
      ports.logger.info(
        { group, from, to, source: translation.source, partitions: translation.partitions.length },
        'failover: group offsets committed',
      );
    } catch (err) {
      result.outcome = 'refused';
      result.reason = (err as Error).message;
      counts.refused++;
    }
    tell();
  });
  counts.phase = 'done';
  tell();
  return results;
}
