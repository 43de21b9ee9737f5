/**
 * The plan of one Failover call: which groups move, from which region, into which, and which step of a
 * failback it is. `planFailover` checks a request against the mesh before anything is read or written
 * (pure: no sockets, no etcd): every problem is GEOMESH_RPC_INVALID_ARGUMENT (bad values),
 * GEOMESH_RPC_NOT_FOUND (an unknown region) or GEOMESH_RPC_FAILED_PRECONDITION (the call reached a node that
 * does not serve the target region), with the value and the fix in the message.
 *
 * Group selection lives here: today the request names the groups; selecting them by pattern (every group the
 * link's `groups` select) is a further way to fill `groups`.
 */
import { GeomeshError } from '../../base/index.ts';
import type { FailoverRequest } from '../rpc/index.ts';

/** Most groups one Failover call moves (each is a translation and a commit). */
export const MAX_FAILOVER_GROUPS = 1_000;

/**
 * The step of a failback a call is: `''` a failover (`from` recorded failed over to `to`), `'start'` (`to`
 * recorded failing back; nothing committed), `'finish'` (the groups moved back; `to` recorded active).
 */
export type FailbackStep = '' | 'start' | 'finish';

const FAILBACK_STEPS: readonly string[] = ['', 'start', 'finish'];

/** A checked Failover request. */
export interface FailoverPlan {
  readonly from: string;
  readonly to: string;
  /** The groups to move, in the order given, each named once. */
  readonly groups: readonly string[];
  /** Translate and report only (always true for a failback `start`). */
  readonly isDryRun: boolean;
  readonly failback: FailbackStep;
}

/** The mesh a plan is checked against: its regions, and the region of the node serving the call. */
export interface PlanScope {
  readonly regions: readonly string[];
  readonly region: string;
}

function invalid(message: string, details?: Record<string, string>): GeomeshError {
  return new GeomeshError('GEOMESH_RPC_INVALID_ARGUMENT', message, details ? { details } : {});
}

function requireRegion(scope: PlanScope, region: string, field: string): void {
  if (!region) throw invalid(`${field} names no region`, { field });
  if (!scope.regions.includes(region)) {
    throw new GeomeshError(
      'GEOMESH_RPC_NOT_FOUND',
      `${field}: unknown region "${region}"; the mesh has ${scope.regions.join(', ')}`,
      { details: { region } },
    );
  }
}

/** Checks `request` against `scope`; throws the first problem found (see the file comment). */
export function planFailover(request: FailoverRequest, scope: PlanScope): FailoverPlan {
  const { fromRegion: from, toRegion: to, groups, failback } = request;
  if (!FAILBACK_STEPS.includes(failback)) {
    throw invalid(`failback is ${JSON.stringify(failback)}; expected "" (a failover), "start" or "finish"`, {
      field: 'failback',
      value: failback,
    });
  }
  requireRegion(scope, from, 'from');
  requireRegion(scope, to, 'to');
  if (to !== scope.region) {
    throw new GeomeshError(
      'GEOMESH_RPC_FAILED_PRECONDITION',
      `failover into ${to} is served by the node of ${to}; this is the node of ${scope.region}`,
      { details: { region: to } },
    );
  }
  if (from === to) throw invalid(`from and to are both ${from}: name two different regions`);
  if (groups.length === 0) throw invalid('name at least one group');
  if (groups.length > MAX_FAILOVER_GROUPS)
    throw invalid(`${groups.length} groups in one call; at most ${MAX_FAILOVER_GROUPS}: split the call`);
  const empty = groups.findIndex((g) => !g);
  if (empty >= 0) throw invalid(`group ${empty + 1} of ${groups.length} is empty: name every group`);
  return {
    from,
    to,
    groups: [...new Set(groups)],
    isDryRun: request.dryRun || failback === 'start',
    failback: failback as FailbackStep,
  };
}
