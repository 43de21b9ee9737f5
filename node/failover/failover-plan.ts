/**
 * The plan of one Failover call: which groups move, from which region, into which, and which step of a
 * failback it is. `planFailover` checks a request against the mesh before anything is read or written
 * (pure: no sockets, no etcd): every problem is GEOMESH_RPC_INVALID_ARGUMENT (bad values),
 * GEOMESH_RPC_NOT_FOUND (an unknown region) or GEOMESH_RPC_FAILED_PRECONDITION (the call reached a node that
 * does not serve the target region), with the value and the fix in the message.
 *
 * A request names its groups, or names none and has them selected (group-selection.ts: the source region's
 * groups the link selects, narrowed by patterns); the plan then carries the patterns and `groups` is filled
 * once the source region's groups are listed (`withGroups`).
 */
import { GeomeshError } from '../../base/index.ts';
import type { FailoverRequest } from '../rpc/index.ts';
import { compileGroupPatterns, excludeNamedGroups, type GroupPatterns } from './group-selection.ts';

/** Most groups a call may ask to be translated at once (`parallel_groups`). */
export const MAX_PARALLEL_GROUPS = 256;

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
  /** The groups to move, in the order given, each named once (less the excluded ones). */
  readonly groups: readonly string[];
  /** When the request names no group: the patterns its selection is narrowed by; null otherwise. */
  readonly selection: GroupPatterns | null;
  /** Translate and report only (always true for a failback `start`). */
  readonly isDryRun: boolean;
  readonly failback: FailbackStep;
  /** Groups translated (then committed) at once; undefined: NODE_DEFAULTS.failoverConcurrency. */
  readonly parallelGroups: number | undefined;
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
  const include = request.groupPatterns ?? [];
  const exclude = request.excludeGroupPatterns ?? [];
  const parallel = request.parallelGroups ?? 0;
  if (!Number.isInteger(parallel) || parallel < 0 || parallel > MAX_PARALLEL_GROUPS)
    throw invalid(
      `parallel_groups is ${parallel}; expected 1 to ${MAX_PARALLEL_GROUPS}, or 0 for the default`,
      {
        field: 'parallel_groups',
      },
    );
  const common = {
    parallelGroups: parallel === 0 ? undefined : parallel,
    from,
    to,
    isDryRun: request.dryRun || failback === 'start',
    failback: failback as FailbackStep,
  };
  if (groups.length === 0) {
    compileGroupPatterns(include, 'include');
    compileGroupPatterns(exclude, 'exclude');
    return { ...common, groups: [], selection: { include, exclude } };
  }
  if (include.length > 0)
    throw invalid('name groups or select them with patterns (group_patterns), not both', {
      field: 'group_patterns',
    });
  if (groups.length > MAX_FAILOVER_GROUPS)
    throw invalid(`${groups.length} groups in one call; at most ${MAX_FAILOVER_GROUPS}: split the call`);
  const empty = groups.findIndex((g) => !g);
  if (empty >= 0) throw invalid(`group ${empty + 1} of ${groups.length} is empty: name every group`);
  return { ...common, groups: excludeNamedGroups([...new Set(groups)], exclude), selection: null };
}

/** The plan with its selected groups; more than MAX_FAILOVER_GROUPS is INVALID_ARGUMENT. */
export function withGroups(plan: FailoverPlan, groups: readonly string[]): FailoverPlan {
  if (groups.length > MAX_FAILOVER_GROUPS) {
    throw invalid(
      `the selection holds ${groups.length} groups; at most ${MAX_FAILOVER_GROUPS} per call: narrow it ` +
        '(--group / --exclude-group patterns) and run one call per part',
    );
  }
  return { ...plan, groups: [...groups] };
}
