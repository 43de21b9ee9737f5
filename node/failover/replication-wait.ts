/**
 * `--wait-for-replication <duration>` (the operator's side): before a failover commits, wait until the
 * target region holds every record the source region held after the groups' frontiers (the replication gap,
 * replication-gap.ts), while the source answers. Each look is a dry run of the same call (it translates live
 * and commits nothing); then the failover runs as asked.
 *
 * - the gap is 0: the failover runs.
 * - the source does not answer (a group translated from a checkpoint): waiting cannot close the gap; the
 *   failover runs and its report shows what the checkpoints held that the target lacks.
 * - the gap cannot be counted (a node older than the count): nothing is committed; exit `failure`.
 * - the bound passes: nothing is committed; exit `notReplicated` with the last dry run's report.
 *
 * A planned switchover (`--planned`, `isPlanned`) waits for more, and only on a live source: until no group
 * has members in the source (its consumers stopped) and the gap is 0, then fails over (live). A source that
 * does not answer, or cannot say its groups' members (an older node), fails the command with nothing
 * committed (exit `failure`); groups still with members when the bound passes: exit `refused`.
 */
import { NODE_DEFAULTS } from '../config/index.ts';
import type { FailoverRequest, FailoverResponse } from '../rpc/index.ts';
import { callErrorExit } from './failover-report.ts';
import { runFailover, type FailoverCalls, type FailoverRun, type ProgressWatch } from './operator-calls.ts';
import { describeGap, gapOfResponse } from './replication-gap.ts';

/** A clock the waiting runs on (a fake one in tests). */
export interface WaitClock {
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Between two looks at the gap; default NODE_DEFAULTS.failover.replicationPollMs. */
  pollMs?: number;
}

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/**
 * `30s`, `2m`, `500ms`, `1.5h` in milliseconds; throws an Error naming `flag`, the value and the form expected
 * (a bare number is refused: seconds or milliseconds would be a guess).
 */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!match) {
    throw new Error(
      `${flag} ${JSON.stringify(text)}: give a duration with its unit, e.g. 500ms, 30s, 5m or 1h`,
    );
  }
  const ms = Math.round(Number(match[1]) * UNITS[match[2]!]!);
  if (!Number.isSafeInteger(ms)) throw new Error(`${flag} ${text}: too long`);
  return ms;
}

/** Waits for the replication gap of `request`'s groups to close (see the file comment), then runs it. */
export async function runFailoverAfterReplication(
  calls: FailoverCalls,
  request: FailoverRequest,
  waitMs: number,
  clock: WaitClock,
  say: (line: string) => void,
  watch?: ProgressWatch,
  isPlanned = false,
): Promise<FailoverRun> {
  const { fromRegion: from, toRegion: to } = request;
  const deadline = clock.now() + waitMs;
  for (;;) {
    let look;
    try {
      look = await calls.failover({ ...request, dryRun: true, progressId: '' });
    } catch (err) {
      return { exit: callErrorExit(err), error: (err as Error).message };
    }
    const gap = gapOfResponse(look);
    const busy = isPlanned ? plannedCheck(look, from) : { groups: [] };
    if ('error' in busy) return { exit: 'failure', response: look, error: busy.error };
    if (look.groups.some((g) => g.translation?.source === 'checkpoint')) {
      say(
        `${from} does not answer (groups translate from its checkpoints): waiting cannot close the gap; ` +
          `failing over with ${describeGap(gap)} records of ${from} not in ${to} as of its checkpoints`,
      );
      break;
    }
    if (gap.uncounted > 0) {
      return {
        exit: 'failure',
        error:
          `cannot wait for replication: ${gap.uncounted} partitions' records not replicated are not counted ` +
          `(a node of ${from} or ${to} older than the count); nothing committed: upgrade it, or fail over ` +
          'without --wait-for-replication',
      };
    }
    if (gap.records === 0 && busy.groups.length === 0) {
      say(`replicated: ${to} holds every record of ${from} after the groups' frontiers`);
      break;
    }
    const left = deadline - clock.now();
    if (left <= 0 && busy.groups.length > 0) {
      return {
        exit: 'refused',
        response: look,
        error:
          `after ${waitMs} ms, ${describeBusy(busy.groups)} still ha${busy.groups.length === 1 ? 's' : 've'} ` +
          `consumers running in ${from}: nothing committed (the report above is a dry run); stop them, then ` +
          'run the switchover again (or wait longer: --wait-for-replication)',
      };
    }
    if (left <= 0) {
      return {
        exit: 'notReplicated',
        response: look,
        error:
          `after ${waitMs} ms, ${describeGap(gap)} records of ${from} after the groups' frontiers are still not ` +
          `in ${to}: nothing committed (the report above is a dry run); wait longer (--wait-for-replication) ` +
          `or fail over without it (those records reach ${to} later, or never if ${from}'s are lost)`,
      };
    }
    say(
      busy.groups.length > 0
        ? `waiting for the consumers in ${from} to stop: ${describeBusy(busy.groups)}; ` +
            `${(left / 1000).toFixed(0)} s left`
        : `waiting for replication: ${describeGap(gap)} records of ${from} not in ${to} yet; ` +
            `${(left / 1000).toFixed(0)} s left`,
    );
    await clock.sleep(Math.min(left, clock.pollMs ?? NODE_DEFAULTS.failover.replicationPollMs));
  }
  return runFailover(calls, request, watch);
}

/**
 * Pure: for a planned switchover, the groups of a dry run that still have members in the source, or why the
 * switchover cannot go on (a group translated from a checkpoint, or whose members the source did not say).
 */
export function plannedCheck(
  look: FailoverResponse,
  from: string,
): { groups: { group: string; members: number }[] } | { error: string } {
  const translated = look.groups.filter((g) => g.translation);
  const stale = translated.filter((g) => g.translation!.source !== 'live').map((g) => g.group);
  if (stale.length > 0) {
    return {
      error:
        `a planned switchover needs ${from} to answer, and ${stale.length} groups translate from its ` +
        `checkpoints (${stale.slice(0, 5).join(', ')}${stale.length > 5 ? ', …' : ''}): nothing committed; ` +
        `bring ${from}'s node up, or fail over without --planned`,
    };
  }
  const unknown = translated.filter((g) => g.translation!.sourceActiveMembers === undefined);
  if (unknown.length > 0) {
    return {
      error:
        `a planned switchover needs to know whether the groups' consumers in ${from} stopped, and ${from}'s ` +
        `node does not say (a geomesh older than the count): nothing committed; upgrade it, or stop the ` +
        'consumers and fail over without --planned',
    };
  }
  return {
    groups: translated
      .filter((g) => g.translation!.sourceActiveMembers! > 0)
      .map((g) => ({ group: g.group, members: g.translation!.sourceActiveMembers! })),
  };
}

/** `billing (2 members), audit (1 member)`, at most five named. */
function describeBusy(groups: readonly { group: string; members: number }[]): string {
  const named = groups
    .slice(0, 5)
    .map((g) => `${g.group} (${g.members} member${g.members === 1 ? '' : 's'})`)
    .join(', ');
  return `${groups.length} group${groups.length === 1 ? '' : 's'}: ${named}${groups.length > 5 ? ', …' : ''}`;
}
