/**
 * Operator.Failover as a node serves it: the request is planned (failover-plan.ts), its groups are moved
 * (move-groups.ts), and the region state is recorded in etcd around the move (docs/offset-translation.md,
 * "Region state"):
 *
 * - a failover (`failback` ""): every group is translated, then `from` is recorded failed over to `to` with
 *   the groups about to be committed, then they are committed. Nothing is recorded for a dry run or when no
 *   group can be committed; a repeated call finds the record already there and writes nothing.
 * - failback `start`: the groups are translated as a dry run (the report the operator sees while the region
 *   catches up) and `to` is recorded failing back from `from`; nothing is committed.
 * - failback `finish`: as a failover into `to`, but `to` is recorded failing back before the first commit
 *   and, once groups are committed, active (or failing back with the groups still elsewhere).
 *
 * A request that cannot be right is refused before etcd is reached or anything is translated.
 *
 * etcd is reached through a connection opened for the call and closed after it. Every etcd step is bounded
 * (`etcdTimeoutMs`): when etcd does not answer before the commits, the call fails with
 * GEOMESH_COORD_UNAVAILABLE (gRPC UNAVAILABLE) and nothing is committed; when it does not answer after them
 * (the last step of a finish), the groups stay committed and the response says so (`regionStateError`).
 */
import { GeomeshError, isGeomeshError } from '../../base/index.ts';
import type { Logger } from '../log/index.ts';
import {
  type HeldClaim,
  nextOnFailbackFinish,
  nextOnFailbackStart,
  nextOnFailover,
  type RegionStateChange,
  type RegionStateMove,
  type RegionStateRecord,
  type RegionStateStore,
} from '../region-state/index.ts';
import type { FailoverRequest, RegionState } from '../rpc/index.ts';
import { planFailover, withGroups, type FailoverPlan, type PlanScope } from './failover-plan.ts';
import {
  claimOperations,
  openOperation,
  type OperationClaims,
  type OperationStore,
  type RunningOperation,
} from './failover-operation.ts';
import type { ProgressListener } from './failover-progress.ts';
import { selectGroups, type GroupListing, type LinkGroupSelection } from './group-selection.ts';
import { moveGroups, type GroupFailoverResult, type GroupMovePorts } from './move-groups.ts';
import { NODE_DEFAULTS } from '../config/index.ts';

/** A region state store (and the failover operations beside it) on a connection of its own. */
export interface RegionStateConnection {
  states: Pick<RegionStateStore, 'change' | 'get'>;
  operations: OperationStore;
  /** Claims of operations, one call at a time per kind and regions mesh-wide. */
  claims: OperationClaims;
  close(): Promise<void>;
}

export interface FailoverWithStateOptions {
  request: FailoverRequest;
  /** The mesh's regions and the region of the node serving the call (the only valid target). */
  scope: PlanScope;
  /** Translation of a group's committed offsets and commits in this node's cluster. */
  ports: Omit<GroupMovePorts, 'logger' | 'onProgress'>;
  /** For a request that names no group: the source region's groups (live, else from its checkpoints). */
  listGroups(from: string): Promise<GroupListing>;
  /** For a request that names no group: which groups the link from → to selects. */
  linkSelection(from: string, to: string): LinkGroupSelection;
  /** Told the counts of groups as the call goes. */
  onProgress?: ProgressListener;
  /** Connects to etcd; rejects when it cannot within its dial timeout or when `signal` aborts. */
  openStates(signal: AbortSignal): Promise<RegionStateConnection>;
  logger: Logger;
  /** Stops the call before its next group when it aborts (the caller went away); its operation stays open. */
  signal?: AbortSignal;
  /** Bound on each etcd step (connect, read, compare-and-swap); default NODE_DEFAULTS.failover. */
  etcdTimeoutMs?: number;
  /** How long and how often the call waits for another call's claim; default NODE_DEFAULTS.failover. */
  claimWaitMs?: number;
  claimPollMs?: number;
  now?: () => Date;
  newOperation?: () => string;
}

/** What a Failover call did: per group, and the region state it recorded. */
export interface FailoverOutcome {
  groups: GroupFailoverResult[];
  /** The region state this call recorded in etcd; null when it recorded none. */
  regionState: RegionState | null;
  /** Why a failback could not record its region active after committing; "" otherwise. */
  regionStateError: string;
  /** The operation in etcd this call ran (not for a dry run or a failback's start). */
  operation?: string;
  /** Whether it resumed an operation an earlier, interrupted call started. */
  isResumed?: boolean;
}

/** The wire form of a region's record (an absent record is active, never failed over). */
function regionStateMessage(region: string, record: RegionStateRecord | undefined): RegionState {
  return {
    region,
    state: record?.state ?? 'active',
    toRegion: record?.to ?? '',
    groups: [...(record?.groups ?? [])],
    since: record?.since ?? '',
    operation: record?.operation ?? '',
  };
}

/** Runs one Failover call with its region state records; see the file comment. */
export async function failoverWithState(options: FailoverWithStateOptions): Promise<FailoverOutcome> {
  const { logger, request } = options;
  let plan = planFailover(request, options.scope);
  const etcdTimeoutMs = options.etcdTimeoutMs ?? NODE_DEFAULTS.failover.etcdTimeoutMs;
  let connection: RegionStateConnection | undefined;
  const open = async (signal: AbortSignal) => (connection ??= await options.openStates(signal));
  const states = async (signal: AbortSignal) => (await open(signal)).states;
  /** The plan with its groups, when the request names none: see the file comment. */
  const select = async (): Promise<FailoverPlan> => {
    if (plan.selection && plan.failback !== '') {
      // A failback that names no group: the groups the returning region's record says are elsewhere.
      const recorded = await recordedGroups(plan.to, plan.from, etcdTimeoutMs, states);
      const all = { selects: () => true, description: `${plan.to}'s recorded failover` };
      return withGroups(
        plan,
        selectGroups(plan.selection, { source: 'recorded', groups: recorded }, all, plan.to),
      );
    }
    if (!plan.selection) return plan;
    const listing = await options.listGroups(plan.from);
    const link = options.linkSelection(plan.from, plan.to);
    return withGroups(plan, selectGroups(plan.selection, listing, link, plan.from));
  };
  let operation: RunningOperation | undefined;
  let claim: HeldClaim | undefined;
  try {
    if (plan.isDryRun || plan.failback === 'start') plan = await select();
    else {
      const { operations: store, claims } = await open(AbortSignal.timeout(etcdTimeoutMs)).catch(
        (err: unknown) => {
          throw new GeomeshError(
            'GEOMESH_COORD_UNAVAILABLE',
            `cannot reach etcd to record the operation: ${(err as Error).message}; nothing was committed: ` +
              'retry when etcd answers',
            { cause: err },
          );
        },
      );
      claim = await claimOperations(claims, plan, {
        waitMs: options.claimWaitMs ?? NODE_DEFAULTS.failover.claimWaitMs,
        pollMs: options.claimPollMs ?? NODE_DEFAULTS.failover.claimPollMs,
        etcdTimeoutMs,
        logger,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      operation = await openOperation({
        plan,
        ask: {
          groups: request.groups,
          groupPatterns: request.groupPatterns ?? [],
          excludeGroupPatterns: request.excludeGroupPatterns ?? [],
        },
        store,
        select: async () => (await select()).groups,
        etcdTimeoutMs,
        logger,
      });
      plan = withGroups(plan, operation.groups);
    }
  } catch (err) {
    await claim?.release();
    await connection?.close().catch(() => undefined);
    throw err;
  }
  if (options.request.groups.length === 0)
    logger.info(
      { from: plan.from, to: plan.to, groups: plan.groups.length, failback: plan.failback },
      `failover: ${plan.groups.length} groups selected`,
    );
  const { from, to, groups, failback } = plan;
  const onProgress = options.onProgress;
  const ports: GroupMovePorts = {
    ...options.ports,
    logger,
    ...(onProgress ? { onProgress } : {}),
    ...(plan.parallelGroups ? { concurrency: plan.parallelGroups } : {}),
    // The claim lost (its lease, etcd away for its TTL): stop at the next group, as when the caller goes.
    ...(options.signal || claim
      ? { signal: AbortSignal.any([options.signal, claim?.signal].filter((x) => x !== undefined)) }
      : {}),
  };
  const journal = operation?.journal;
  const withOperation = async (results: GroupFailoverResult[]): Promise<GroupFailoverResult[]> => {
    await operation?.finish(results);
    return results;
  };
  const operationFields = operation ? { operation: operation.id, isResumed: operation.isResumed } : {};
  const now = options.now ?? (() => new Date());
  const newOperation = options.newOperation ?? (() => crypto.randomUUID());

  /** Applies one move to `region`'s record; etcd failures become GEOMESH_COORD_UNAVAILABLE with the fix. */
  const record = async (
    region: string,
    other: string,
    moved: readonly string[],
    next: (current: RegionStateRecord | undefined, move: RegionStateMove) => RegionStateRecord | undefined,
    what: string,
  ): Promise<RegionStateChange> => {
    const signal = AbortSignal.timeout(etcdTimeoutMs);
    const move: RegionStateMove = { region, other, groups: moved, now: now().toISOString(), newOperation };
    try {
      const change = await (
        await states(signal)
      ).change(region, (current) => next(current, move), {
        signal,
      });
      if (change.isWritten) {
        logger.info(
          { region, state: change.record?.state, to: change.record?.to, groups: change.record?.groups },
          `region state recorded: ${region} ${change.record?.state ?? 'active'}`,
        );
      }
      return change;
    } catch (err) {
      if (
        isGeomeshError(err, 'GEOMESH_RPC_FAILED_PRECONDITION') ||
        isGeomeshError(err, 'GEOMESH_COORD_CONFLICT')
      )
        throw err;
      throw new GeomeshError(
        'GEOMESH_COORD_UNAVAILABLE',
        `cannot record ${region} as ${what} in etcd: ${(err as Error).message}`,
        { cause: err, details: { region } },
      );
    }
  };
  const nothingCommitted = (err: unknown): never => {
    if (isGeomeshError(err) && err.code === 'GEOMESH_COORD_UNAVAILABLE') {
      throw new GeomeshError(
        'GEOMESH_COORD_UNAVAILABLE',
        `${err.message}; nothing was committed: retry when etcd answers`,
        { cause: err, details: err.details },
      );
    }
    throw err;
  };

  try {
    if (failback === 'start') {
      const results = await moveGroups(plan, ports);
      const change = await record(to, from, groups, nextOnFailbackStart, 'failing back').catch(
        nothingCommitted,
      );
      return { groups: results, regionState: regionStateMessage(to, change.record), regionStateError: '' };
    }
    if (failback === '') {
      let change: RegionStateChange | undefined;
      const results = await moveGroups(
        plan,
        ports,
        async (moved) => {
          change = await record(from, to, moved, nextOnFailover, `failed over to ${to}`).catch(
            nothingCommitted,
          );
        },
        journal,
      ).then(withOperation);
      return {
        groups: results,
        regionState: change ? regionStateMessage(from, change.record) : null,
        regionStateError: '',
        ...operationFields,
      };
    }
    // finish
    let change: RegionStateChange | undefined;
    const results = await moveGroups(
      plan,
      ports,
      async (moved) => {
        change = await record(to, from, moved, nextOnFailbackStart, 'failing back').catch(nothingCommitted);
      },
      journal,
    ).then(withOperation);
    let regionStateError = '';
    const back = results.filter((r) => r.outcome === 'committed').map((r) => r.group);
    if (change && back.length > 0) {
      try {
        change = await record(to, from, back, nextOnFailbackFinish, 'active');
      } catch (err) {
        regionStateError =
          `the groups are back in ${to} but its region state could not be recorded: ` +
          `${(err as Error).message}; run the failback again to record it`;
        logger.warn({ err, region: to }, 'failback committed, region state not recorded');
      }
    }
    return {
      groups: results,
      regionState: change ? regionStateMessage(to, change.record) : null,
      regionStateError,
      ...operationFields,
    };
  } finally {
    await claim?.release();
    await connection
      ?.close()
      .catch((err: unknown) => logger.warn({ err }, 'closing the etcd connection failed'));
  }
}

/**
 * The groups `region`'s state records as moved to `other` (failed over or failing back); NOT_FOUND when it
 * records none, GEOMESH_COORD_UNAVAILABLE when etcd does not answer within `timeoutMs`.
 */
async function recordedGroups(
  region: string,
  other: string,
  timeoutMs: number,
  states: (signal: AbortSignal) => Promise<RegionStateConnection['states']>,
): Promise<readonly string[]> {
  let record: RegionStateRecord | undefined;
  try {
    const signal = AbortSignal.timeout(timeoutMs);
    record = (await (await states(signal)).get(region, { signal })).record;
  } catch (err) {
    throw new GeomeshError(
      'GEOMESH_COORD_UNAVAILABLE',
      `cannot read ${region}'s region state in etcd to find the groups to fail back: ` +
        `${(err as Error).message}; nothing was changed: retry when etcd answers, or name the groups`,
      { cause: err, details: { region } },
    );
  }
  if (!record || record.state === 'active' || record.to !== other || !record.groups?.length) {
    const state = !record ? 'active' : `${record.state}${record.to ? ` to ${record.to}` : ''}`;
    throw new GeomeshError(
      'GEOMESH_RPC_NOT_FOUND',
      `no group to fail back: ${region}'s region state in etcd (${state}) records no groups moved to ` +
        `${other}; name the groups to move back (--group)`,
      { details: { region } },
    );
  }
  return record.groups;
}
