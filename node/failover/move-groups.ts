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
 */
import { isGeomeshError } from '../../base/index.ts';
import type { Logger } from '../log/index.ts';
import type { Translation } from '../translation-service/index.ts';
import type { FailoverPlan } from './failover-plan.ts';

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
}

/** What a failover did with one group. */
export interface GroupFailoverResult {
  group: string;
  outcome: 'committed' | 'dry-run' | 'refused';
  /** Why the group was refused; empty otherwise. */
  reason: string;
  /** The translation used; undefined when the group was refused before translating. */
  translation: Translation | undefined;
}

/** Translates and (unless a dry run) commits every group of `plan`; see the file comment. */
export async function moveGroups(
  plan: FailoverPlan,
  ports: GroupMovePorts,
  beforeCommit?: (groups: readonly string[]) => Promise<void>,
): Promise<GroupFailoverResult[]> {
  const { from, to, isDryRun } = plan;
  const results: GroupFailoverResult[] = [];
  for (const group of plan.groups) {
    try {
      const translation = await ports.translate(group, from, to);
      results.push({ group, outcome: isDryRun ? 'dry-run' : 'committed', reason: '', translation });
    } catch (err) {
      if (!isGeomeshError(err)) throw err;
      results.push({ group, outcome: 'refused', reason: err.message, translation: undefined });
    }
  }
  if (isDryRun) return results;
  const toCommit = results.filter(
    (r): r is GroupFailoverResult & { translation: Translation } => r.outcome === 'committed',
  );
  if (toCommit.length > 0) await beforeCommit?.(toCommit.map((r) => r.group));
  for (const result of toCommit) {
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
      ports.logger.info(
        { group, from, to, source: translation.source, partitions: translation.partitions.length },
        'failover: group offsets committed',
      );
    } catch (err) {
      result.outcome = 'refused';
      result.reason = (err as Error).message;
    }
  }
  return results;
}
