/**
 * Region states in etcd (`regions/<region>/state`): whether a region serves its own consumer groups
 * (`active`), runs them in another region (`failed-over`) or is taking them back (`failing-back`). The codec
 * and the moves between states are pure; `RegionStateStore` applies them by compare-and-swap through the
 * coordination interfaces. See docs/offset-translation.md, "Region state".
 */
export {
  REGION_STATES_PREFIX,
  decodeRegionStateV1,
  encodeRegionStateV1,
  nextOnFailbackFinish,
  nextOnFailbackStart,
  nextOnFailover,
  parseRegionStateKey,
  regionStateKey,
  type RegionStateMove,
  type RegionStateName,
  type RegionStateRecord,
} from './region-state-record.ts';
export {
  RegionStateStore,
  type ListedRegionState,
  type RegionStateChange,
  type RegionStateStoreOptions,
  type StoredRegionState,
} from './region-state-store.ts';
export {
  FAILOVER_OPERATIONS_PREFIX,
  describeAsk,
  groupStep,
  isSameAsk,
  newOperationId,
  operationGroupKey,
  operationKey,
  parseOperationKey,
  runningOperation,
  type FailoverOperationAsk,
  type FailoverOperationKind,
  type FailoverOperationRecord,
  type FailoverOperationState,
  type GroupStep,
  type OperationGroupRecord,
} from './failover-operation-record.ts';
export {
  FailoverOperationStore,
  type FailoverOperationStoreOptions,
  type ListedOperation,
  type OpenedOperation,
  type OperationListing,
} from './failover-operation-store.ts';
export {
  FAILOVER_CLAIMS_PREFIX,
  FailoverOperationClaims,
  listClaims,
  operationClaimKey,
  type ClaimHolder,
  type ClaimScope,
  type FailoverOperationClaimsOptions,
  type HeldClaim,
} from './failover-operation-claims.ts';
