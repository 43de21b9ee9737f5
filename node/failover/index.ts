/**
 * Failover: moving consumer groups between regions, and failing them back. The plan (which groups, from
 * where, into where, checked before anything is read or written), its execution against translation (each
 * group translated, then committed in the target region's cluster), the region states recorded in etcd around
 * it, and the operator's side (the calls of `geomesh failover` / `geomesh failback`, the report and its
 * exit). A node serves it through `failoverWithState` (Operator.Failover); the CLI through `runFailover` and
 * `runFailback`. See docs/offset-translation.md.
 *
 * Where each part grows: selecting groups (by the link's `groups` patterns instead of by name) and other kinds
 * of move (a planned switchover) are the plan's (failover-plan.ts); translating groups in parallel, batching
 * commits and per-group progress are the move's (move-groups.ts); the operation recorded in etcd, so that an
 * interrupted failover completes when run again, is failover-operation.ts (its records: node/region-state);
 * waiting for a node that is still starting, progress lines and new report columns are the operator's side
 * (operator-calls.ts, failover-report.ts). The replication gap (records of the source after the groups'
 * frontiers the target lacks) is summed and shown by replication-gap.ts; waiting for it to close before
 * committing (`--wait-for-replication`) is replication-wait.ts.
 */
export {
  MAX_FAILOVER_GROUPS,
  MAX_PARALLEL_GROUPS,
  planFailover,
  withGroups,
  type FailbackStep,
  type FailoverPlan,
  type PlanScope,
} from './failover-plan.ts';
export {
  forEachBounded,
  moveGroups,
  type EarlierGroup,
  type GroupFailoverResult,
  type GroupMovePorts,
  type MoveJournal,
} from './move-groups.ts';
export {
  OperationTurns,
  claimOperations,
  openOperation,
  type OperationClaims,
  type OperationStore,
  type RunningOperation,
} from './failover-operation.ts';
export {
  compileGroupPatterns,
  selectGroups,
  type GroupListing,
  type GroupPatterns,
  type LinkGroupSelection,
} from './group-selection.ts';
export {
  FailoverProgressBoard,
  MAX_FOLLOWED_CALLS,
  MAX_PROGRESS_ID_LENGTH,
  PROGRESS_KEPT_MS,
  type FailoverPhase,
  type FailoverProgressCounts,
  type ProgressListener,
} from './failover-progress.ts';
export {
  failoverWithState,
  type FailoverOutcome,
  type FailoverWithStateOptions,
  type RegionStateConnection,
} from './failover-with-state.ts';
export {
  callErrorExit,
  describeProgress,
  describeRegionState,
  describeSummary,
  summarizeFailover,
  type FailoverSummary,
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
  type ProgressWatch,
} from './operator-calls.ts';
export {
  describeGap,
  gapLines,
  gapOfResponse,
  gapOfTranslation,
  type ReplicationGap,
} from './replication-gap.ts';
export {
  parseDuration,
  plannedCheck,
  runFailoverAfterReplication,
  type WaitClock,
} from './replication-wait.ts';
export { patientCalls, type Patience } from './patient-calls.ts';
export { renderOperations, summarizeOperation, type OperationSummary } from './operation-report.ts';
export { silentSourceReads, type SourceReads } from './silent-source.ts';
