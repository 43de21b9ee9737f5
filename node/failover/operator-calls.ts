/**
 * The operator's side of failover and failback: the calls `geomesh failover` and `geomesh failback` make to a
 * node and the decisions between them, over a small port (the CLI binds it to an Operator client), so the
 * sequence is testable without a node. Lines meant for the operator while it runs go to `say`; the answer and
 * the exit come back for the caller to print.
 *
 * A failback, against the returning region's node: read its status until its link from the other region
 * exists; record it failing back (Failover, step `start`: translates as a dry run, commits nothing; skipped
 * for a dry run); wait until the link runs within `maxLag` records or `waitMs` passes; then move the groups
 * back (step `finish`: as a failover, and the region is recorded active once its groups are back). Without
 * groups, the node takes those the region's state records as moved to the other region.
 */
import { isGeomeshError } from '../../base/index.ts';
import type { FailoverProgress, FailoverRequest, FailoverResponse } from '../rpc/index.ts';
import { callErrorExit, describeRegionState, failoverExit, type FailoverExit } from './failover-report.ts';
import { NODE_DEFAULTS } from '../config/index.ts';

/** What the operator's side calls on a node (each call bounded by the caller's deadline). */
export interface FailoverCalls {
  failover(request: FailoverRequest): Promise<FailoverResponse>;
  /** The node's inbound links as its GetStatus reports them. */
  links(): Promise<readonly { fromRegion: string; state: string; lagRecords: number }[]>;
  /** The progress of the Failover call given `progressId`. */
  progress(progressId: string): Promise<FailoverProgress>;
}

/** How a command follows a long Failover call: every `pollMs` it reads the progress; `say` hears changes. */
export interface ProgressWatch {
  say(progress: FailoverProgress): void;
  /** Waits `ms` or until `signal` aborts (then resolves). */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /** Default NODE_DEFAULTS.failover.progressPollMs. */
  pollMs?: number;
}

/** How a command ended: the exit, the answer to print (if any), the error to print (if any). */
export interface FailoverRun {
  exit: FailoverExit;
  response?: FailoverResponse;
  /** What went wrong, for `geomesh <verb>: <error>`; absent on an answer. */
  error?: string;
}

/**
 * One Failover call: its answer and exit, or the call's error and the exit its code calls for. With a
 * `watch` and a `progressId` in the request, the call's progress is read while it runs and each change told
 * (not yet known to the node: read again; a node that cannot tell, e.g. older than progress: no more reads).
 */
export async function runFailover(
  calls: FailoverCalls,
  request: FailoverRequest,
  watch?: ProgressWatch,
): Promise<FailoverRun> {
  const done = new AbortController();
  const following =
    request.progressId && watch ? follow(calls, request.progressId, watch, done.signal) : null;
  try {
    const response = await calls.failover(request);
    return { exit: failoverExit(response), response };
  } catch (err) {
    return { exit: callErrorExit(err), error: (err as Error).message };
  } finally {
    done.abort();
    await following;
  }
}

async function follow(
  calls: FailoverCalls,
  progressId: string,
  watch: ProgressWatch,
  done: AbortSignal,
): Promise<void> {
  let last = '';
  for (;;) {
    await watch.sleep(watch.pollMs ?? NODE_DEFAULTS.failover.progressPollMs, done);
    if (done.aborted) return;
    let progress: FailoverProgress;
    try {
      progress = await calls.progress(progressId);
    } catch (err) {
      if (isGeomeshError(err, 'GEOMESH_RPC_NOT_FOUND')) continue;
      return;
    }
    const key = JSON.stringify(progress);
    if (done.aborted) return;
    if (key !== last) watch.say(progress);
    last = key;
  }
}

export interface FailbackRequest {
  /** The region the groups return to (the called node's). */
  region: string;
  /** The region they ran in meanwhile. */
  from: string;
  /** The groups to move back; empty: those `region`'s state in etcd records as moved to `from`. */
  groups: string[];
  /** Chosen by the caller to follow the moving back (the finish) with `watch`; absent: not followed. */
  progressId?: string;
  isDryRun: boolean;
  /** How far behind the link may still be, in records. */
  maxLag: number;
  /** How long to wait for the region to catch up, in ms. */
  waitMs: number;
}

export interface FailbackClock {
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Between two reads of the link while the region catches up; default NODE_DEFAULTS.failover. */
  pollMs?: number;
}

/** Pure: whether a returning region has caught up: its link runs and is within `maxLag` records. */
export function isCaughtUp(link: { state: string; lagRecords: number }, maxLag: number): boolean {
  return link.state === 'running' && link.lagRecords <= maxLag;
}

/** A failback; see the file comment. */
export async function runFailback(
  calls: FailoverCalls,
  request: FailbackRequest,
  clock: FailbackClock,
  say: (line: string) => void,
  watch?: ProgressWatch,
): Promise<FailoverRun> {
  const { region, from, groups, maxLag, waitMs } = request;
  const move = { fromRegion: from, toRegion: region, groups };
  try {
    const deadline = clock.now() + waitMs;
    // Recorded failing back once the node is known to have a link to catch up on (not for a dry run).
    let isStarted = request.isDryRun;
    for (;;) {
      const link = (await calls.links()).find((l) => l.fromRegion === from);
      if (!link)
        return { exit: 'notFound', error: `${region} has no link from ${from}: nothing to catch up with` };
      if (!isStarted) {
        // dry_run is set as well, so a node older than the step only translates.
        const started = await calls.failover({ ...move, dryRun: true, failback: 'start' });
        say(
          started.regionState
            ? `region state in etcd: ${describeRegionState(started.regionState)}`
            : `${region}'s node recorded no region state (a geomesh older than region states)`,
        );
        isStarted = true;
      }
      if (isCaughtUp(link, maxLag)) {
        say(`${region} has caught up with ${from} (lag ${link.lagRecords})`);
        break;
      }
      if (clock.now() >= deadline) {
        return {
          exit: 'failure',
          error:
            `${region} is still ${link.lagRecords} records behind ${from} (link ${link.state}) after ` +
            `${waitMs} ms: wait longer (--wait-ms) or accept a lag (--max-lag)`,
        };
      }
      say(`waiting: ${region} is ${link.lagRecords} records behind ${from}`);
      await clock.sleep(clock.pollMs ?? NODE_DEFAULTS.failover.catchUpPollMs);
    }
  } catch (err) {
    return { exit: callErrorExit(err), error: (err as Error).message };
  }
  return runFailover(
    calls,
    {
      ...move,
      dryRun: request.isDryRun,
      failback: 'finish',
      ...(request.progressId ? { progressId: request.progressId } : {}),
    },
    watch,
  );
}
