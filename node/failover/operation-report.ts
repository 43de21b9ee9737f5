/**
 * Failover operations as `geomesh status` shows them (failover-operation.ts records them in etcd): per
 * operation its kind, regions, state, groups committed so far of its total, and the command that completes
 * it while it is not done; a running one also says which node instance runs it now (its claim), or that
 * none does (interrupted). Pure.
 */
import {
  describeAsk,
  operationClaimKey,
  type ClaimHolder,
  type ListedOperation,
} from '../region-state/index.ts';

/** One operation as status shows it (--json: as is). */
export interface OperationSummary {
  id: string;
  kind: string;
  fromRegion: string;
  toRegion: string;
  /** `running` (started, interrupted or still going) or `done`. */
  state: string;
  groups: number;
  /** Groups committed so far (running) or at the end (done). */
  committed: number;
  /** done: groups refused; running: null. */
  refused: number | null;
  startedAt: string;
  endedAt: string | null;
  /** running: the command that completes it; done: null. */
  completeWith: string | null;
  /** running: the node instance whose call runs it now (`<region>/<instance>`), null when none (interrupted). */
  runningOn: string | null;
}

/** `claims`: the claims held now (listClaims), by key. */
export function summarizeOperation(
  listed: ListedOperation,
  claims: ReadonlyMap<string, ClaimHolder> = new Map(),
): OperationSummary {
  const op = listed.operation;
  const isDone = op.state === 'done';
  const claim = isDone
    ? undefined
    : claims.get(operationClaimKey({ kind: op.kind, from: op.from, to: op.to }));
  return {
    id: op.id,
    kind: op.kind,
    fromRegion: op.from,
    toRegion: op.to,
    state: op.state,
    groups: op.groups.length,
    committed: isDone
      ? (op.committed ?? 0)
      : [...listed.groups.values()].filter((g) => g.status === 'committed').length,
    refused: isDone ? (op.refused ?? 0) : null,
    startedAt: op.startedAt,
    endedAt: op.endedAt ?? null,
    completeWith: isDone ? null : describeAsk(op),
    runningOn: claim ? claim.holder : null,
  };
}

/** The text section: the running operations first, then the last `doneShown` done ones, newest first. */
export function renderOperations(
  operations: readonly OperationSummary[] | null,
  error: string | null,
  doneShown = 5,
): string {
  if (error !== null) return `\nFailover operations: etcd could not be read: ${error}\n`;
  if (!operations || operations.length === 0) return '';
  const running = operations.filter((o) => o.state === 'running');
  const done = operations
    .filter((o) => o.state === 'done')
    .slice(-doneShown)
    .reverse();
  const lines = ['', 'Failover operations:'];
  for (const o of running) {
    lines.push(
      `  ${o.id}  ${o.kind} ${o.fromRegion} → ${o.toRegion}  RUNNING  ${o.committed}/${o.groups} groups ` +
        `committed, started ${o.startedAt}`,
      o.runningOn
        ? `    running now on ${o.runningOn}; if it is interrupted, complete it with: ${o.completeWith}`
        : `    interrupted (no call runs it now): complete it with: ${o.completeWith}`,
    );
  }
  for (const o of done) {
    lines.push(
      `  ${o.id}  ${o.kind} ${o.fromRegion} → ${o.toRegion}  done  ${o.committed}/${o.groups} committed` +
        `${o.refused ? `, ${o.refused} refused` : ''}, ended ${o.endedAt}`,
    );
  }
  return lines.join('\n') + '\n';
}
