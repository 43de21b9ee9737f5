/**
 * Failover: moving consumer groups between regions, and failing them back. The plan (which groups, from
 * where, into where, checked before anything is read or written), its execution against translation (each
 * group translated, then committed in the target region's cluster), the region states recorded in etcd around
 * it, and the operator's side (the calls of `geomesh failover` / `geomesh failback`, the report and its
 * exit). A node serves it through `failoverWithState` (Operator.Failover); the CLI through `runFailover` and
 * `runFailback`. See docs/offset-translation.md.
 */
export {
  MAX_FAILOVER_GROUPS,
  planFailover,
  type FailbackStep,
  type FailoverPlan,
  type PlanScope,
} from './failover-plan.ts';
export { moveGroups, type GroupFailoverResult, type GroupMovePorts } from './move-groups.ts';
export {
  failoverWithState,
  regionStateMessage,
  type FailoverOutcome,
  type FailoverWithStateOptions,
  type RegionStateConnection,
} from './failover-with-state.ts';
export {
  callErrorExit,
  describeRegionState,
  failoverExit,
  renderFailover,
  type FailoverExit,
} from './failover-report.ts';
export {
  isCaughtUp,
  runFailback,
  runFailover,
  type FailbackClock,
  type FailbackRequest,
  type FailoverCalls,
  type FailoverRun,
} from './operator-calls.ts';
