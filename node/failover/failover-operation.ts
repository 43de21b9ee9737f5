/**
 * A Failover call as an operation recorded in etcd (node/region-state, failover-operation-record.ts): the
 * call opens the operation (resuming the running one of the same command, whose groups and progress it takes
 * over, or starting one with the groups it selects), hands the move a journal of each group's progress, and
 * ends the operation once every group is committed or refused. A call that is interrupted (the caller gone,
 * the node killed) leaves the operation running; the same command run again completes it.
 *
 * etcd failures before the first commit fail the call with GEOMESH_COORD_UNAVAILABLE (nothing committed);
 * after it, they are logged: a commit not recorded is committed again, with the same translation, by the
 * call that completes the operation.
 *
 * `OperationTurns` keeps two calls of one node from running the same regions' operation at once: the second
 * waits for the first to end (an interrupted one stops at its next group). `claimOperations` does the same
 * mesh-wide (two instances of a region, work sharing): a call claims its kind and regions in etcd before it
 * opens the operation, waiting while another call holds them, and stops at its next group if it loses the
 * claim (its lease lost).
 */
import { GeomeshError, isGeomeshError } from '../../base/index.ts';
import { delay } from '../lifecycle/index.ts';
import type { Logger } from '../log/index.ts';
import type {
  FailoverOperationClaims,
  FailoverOperationKind,
  FailoverOperationStore,
  HeldClaim,
  OpenedOperation,
} from '../region-state/index.ts';
import type { Translation } from '../translation-service/index.ts';
import type { FailoverPlan } from './failover-plan.ts';
import { forEachBounded, type GroupFailoverResult, type MoveJournal } from './move-groups.ts';

/** What a call needs of the operation store. */
export type OperationStore = Pick<FailoverOperationStore, 'open' | 'recordGroup' | 'finish'>;

/** What a call needs to claim its operations mesh-wide. */
export type OperationClaims = Pick<FailoverOperationClaims, 'take'>;

/** An operation a call runs: its groups, the journal for the move, and how to end it. */
export interface RunningOperation {
  readonly id: string;
  readonly isResumed: boolean;
  readonly groups: readonly string[];
  readonly journal: MoveJournal;
  /** Records the operation done when every group ended committed or refused; logs when etcd fails. */
  finish(results: readonly GroupFailoverResult[]): Promise<void>;
}

/** Most group records written to etcd at once. */
const RECORD_WRITES_AT_ONCE = 16;

function unavailable(what: string, err: unknown): GeomeshError {
  if (isGeomeshError(err, 'GEOMESH_RPC_FAILED_PRECONDITION')) return err;
  return new GeomeshError(
    'GEOMESH_COORD_UNAVAILABLE',
    `cannot ${what} in etcd: ${(err as Error).message}; nothing was committed: retry when etcd answers`,
    { cause: err },
  );
}

/**
 * Opens the operation of `plan` (a failover, or a failback's finish; never a dry run): see the file comment.
 * `select` gives the groups of a new operation (the plan's, or those its patterns select).
 */
export async function openOperation(options: {
  plan: FailoverPlan;
  ask: {
    groups: readonly string[];
    groupPatterns: readonly string[];
    excludeGroupPatterns: readonly string[];
  };
  store: OperationStore;
  select: () => Promise<readonly string[]>;
  etcdTimeoutMs: number;
  logger: Logger;
}): Promise<RunningOperation> {
  const { plan, store, etcdTimeoutMs, logger } = options;
  const kind: FailoverOperationKind = plan.failback === '' ? 'failover' : 'failback';
  const bounded = () => ({ signal: AbortSignal.timeout(etcdTimeoutMs) });
  let opened: OpenedOperation;
  try {
    opened = await store.open(
      { kind, from: plan.from, to: plan.to, ask: options.ask },
      options.select,
      bounded(),
    );
  } catch (err) {
    // The call's own refusals (another command's operation is running, a pattern that matches nothing) and
    // a record that cannot be read stand as they are; anything else is etcd not answering.
    if (
      isGeomeshError(err) &&
      (!err.code.startsWith('GEOMESH_COORD') || err.code === 'GEOMESH_COORD_CORRUPT')
    )
      throw err;
    throw unavailable(`open the ${kind} operation ${plan.from} → ${plan.to}`, err);
  }
  const { operation } = opened;
  const done = [...opened.groups.values()].filter((g) => g.status === 'committed').length;
  logger.info(
    { operation: operation.id, kind, from: plan.from, to: plan.to, groups: operation.groups.length, done },
    opened.isResumed
      ? `failover: resuming operation ${operation.id} (${done} of ${operation.groups.length} groups committed earlier)`
      : `failover: operation ${operation.id} started`,
  );
  const record = (group: string, status: 'translated' | 'committed', translation: Translation) =>
    store.recordGroup(operation.id, { group, status, translation }, bounded());
  return {
    id: operation.id,
    isResumed: opened.isResumed,
    groups: operation.groups,
    journal: {
      earlier: opened.groups,
      translated: async (groups) => {
        try {
          await forEachBounded(groups, RECORD_WRITES_AT_ONCE, (g) =>
            record(g.group, 'translated', g.translation),
          );
        } catch (err) {
          throw unavailable(`record the translations of operation ${operation.id}`, err);
        }
      },
      committed: (group, translation) => record(group, 'committed', translation),
    },
    finish: async (results) => {
      const committed = results.filter((r) => r.outcome === 'committed').length;
      const refused = results.length - committed;
      try {
        await store.finish(opened, { committed, refused }, bounded());
        logger.info(
          { operation: operation.id, committed, refused },
          `failover: operation ${operation.id} done`,
        );
      } catch (err) {
        logger.warn(
          { err, operation: operation.id },
          'failover: operation not recorded done in etcd (the same command run again records it)',
        );
      }
    },
  };
}

/** One call at a time per key (kind and regions) on this node; see the file comment. */
export class OperationTurns {
  readonly #last = new Map<string, Promise<unknown>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const before = this.#last.get(key) ?? Promise.resolve();
    const mine = before.catch(() => undefined).then(work);
    this.#last.set(key, mine);
    try {
      return await mine;
    } finally {
      if (this.#last.get(key) === mine) this.#last.delete(key);
    }
  }
}

/**
 * Claims `plan`'s kind and regions for this call (see the file comment): while another call holds them, tries
 * again every `pollMs` for up to `waitMs`, then refuses with GEOMESH_RPC_FAILED_PRECONDITION naming the
 * holder. etcd not answering is GEOMESH_COORD_UNAVAILABLE (nothing committed).
 */
export async function claimOperations(
  claims: OperationClaims,
  plan: FailoverPlan,
  options: {
    waitMs: number;
    pollMs: number;
    etcdTimeoutMs: number;
    logger: Logger;
    signal?: AbortSignal;
    sleep?: (ms: number, signal?: AbortSignal) => Promise<unknown>;
  },
): Promise<HeldClaim> {
  const kind: FailoverOperationKind = plan.failback === '' ? 'failover' : 'failback';
  const scope = { kind, from: plan.from, to: plan.to };
  const sleep = options.sleep ?? delay;
  const startedAt = performance.now();
  let isWaiting = false;
  for (;;) {
    try {
      return await claims.take(scope, { signal: AbortSignal.timeout(options.etcdTimeoutMs) });
    } catch (err) {
      if (!isGeomeshError(err, 'GEOMESH_COORD_CONFLICT'))
        throw unavailable(`claim the ${kind} ${plan.from} → ${plan.to}`, err);
      const waited = Math.round(performance.now() - startedAt);
      if (waited >= options.waitMs)
        throw new GeomeshError(
          'GEOMESH_RPC_FAILED_PRECONDITION',
          `${err.message}; waited ${waited} ms for it to end: run the command again once it has ` +
            '(`geomesh status` lists the operations in progress); nothing was committed by this call',
          { cause: err, details: err.details },
        );
      if (!isWaiting)
        options.logger.info({ ...err.details, waitMs: options.waitMs }, `failover: waiting: ${err.message}`);
      isWaiting = true;
      await sleep(options.pollMs, options.signal);
      options.signal?.throwIfAborted();
    }
  }
}
