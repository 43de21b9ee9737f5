/**
 * What the Operator service accepts, per RPC, in one place: `OPERATOR_CHECKS` checks each field of a
 * decoded request (field-checks.ts) and throws the first problem (INVALID_ARGUMENT, or NOT_FOUND for a
 * region the mesh does not have). Failover's rules between fields (the failback step, the serving region,
 * groups or patterns) are its plan's (node/failover `planFailover`), checked before anything is read or
 * written. `checkedOperatorHandlers` runs the checks before each handler. Pure: no I/O.
 */
import { MAX_FAILOVER_GROUPS, MAX_PROGRESS_ID_LENGTH } from '../failover/index.ts';
import type {
  FailoverRequest,
  GetFailoverProgressRequest,
  GetStatusRequest,
  OperatorHandlers,
  TranslateOffsetsRequest,
} from '../rpc/index.ts';
import {
  checkedHandlers,
  invalid,
  requireAtMost,
  requireGroup,
  requireRegion,
  requireText,
  requireTopics,
  RPC_LIMITS,
  shown,
} from './field-checks.ts';

/** The mesh as the serving node sees it. */
export interface OperatorScope {
  /** Every region of the topology. */
  readonly regions: readonly string[];
}

function checkPatterns(patterns: readonly string[], field: string): void {
  requireAtMost(patterns, RPC_LIMITS.maxPatterns, field, 'patterns');
  patterns.forEach((p, i) => requireText(p, `${field}[${i}]`, RPC_LIMITS.maxPatternLength));
}

function checkProgressId(id: string, isEmptyAllowed: boolean): void {
  if (id === '' && isEmptyAllowed) return;
  requireText(id, 'progress_id', MAX_PROGRESS_ID_LENGTH);
}

/** The check of each Operator RPC's request, by handler method. */
export const OPERATOR_CHECKS: {
  readonly [K in keyof OperatorHandlers]: (
    request: Parameters<OperatorHandlers[K]>[0],
    scope: OperatorScope,
  ) => void;
} = Object.freeze({
  translateOffsets: (req: TranslateOffsetsRequest, scope: OperatorScope) => {
    requireGroup(req.group, 'group');
    requireRegion(req.fromRegion, 'from_region', scope.regions);
    requireRegion(req.toRegion, 'to_region', scope.regions);
    if (req.fromRegion === req.toRegion)
      throw invalid(
        'to_region',
        `from_region and to_region are both ${shown(req.fromRegion)}: name two regions`,
      );
    requireTopics(req.topics, 'topics');
  },
  // No fields: a newer caller's unknown fields are ignored.
  getStatus: (_req: GetStatusRequest) => undefined,
  failover: (req: FailoverRequest, scope: OperatorScope) => {
    requireRegion(req.fromRegion, 'from_region', scope.regions);
    requireRegion(req.toRegion, 'to_region', scope.regions);
    requireAtMost(req.groups, MAX_FAILOVER_GROUPS, 'groups', 'groups');
    req.groups.forEach((g, i) => requireGroup(g, `groups[${i}]`));
    checkPatterns(req.groupPatterns ?? [], 'group_patterns');
    checkPatterns(req.excludeGroupPatterns ?? [], 'exclude_group_patterns');
    checkProgressId(req.progressId ?? '', true);
  },
  getFailoverProgress: (req: GetFailoverProgressRequest) => checkProgressId(req.progressId, false),
});

/** `handlers` with each request checked by OPERATOR_CHECKS against `scope()` (read at each call) first. */
export function checkedOperatorHandlers(
  handlers: OperatorHandlers,
  scope: () => OperatorScope,
): OperatorHandlers {
  return checkedHandlers(handlers, OPERATOR_CHECKS, scope);
}
