/**
 * Worker threads: a node's data path spread over cores, each worker owning a share of the region's target
 * partitions (docs/work-sharing.md, "Worker threads").
 */
export { fnv1a, heldBy, ownedBy, workerOf, type Placement } from './worker-assignment.ts';
export {
  checkPlacementPolicy,
  PlacementDecider,
  type PlacementPolicy,
  type PlacementSample,
} from './worker-placement.ts';
export { cgroupCores, coresOfCpuMax, coresOfQuota, cpuBudget } from './cpu-budget.ts';
export { InstanceShare, type InstanceShareOptions } from './instance-share.ts';
export { LeaseDeadline } from './lease-deadline.ts';
export {
  AckedOrigins,
  decodeAckedRun,
  decodeMainMessage,
  decodeWorkerMessage,
  encodeAckedRun,
  MAX_LATENCIES_PER_MESSAGE,
  ObserverRecorder,
  replayObserved,
  type AckedMessage,
  type LinkReadingSnapshot,
  type LinkStatsSnapshot,
  type LinkTuning,
  type MainMessage,
  type ObservedMessage,
  type PartitionThrough,
  type WorkerLinkSpec,
  type WorkerMessage,
  type WorkerStart,
} from './worker-messages.ts';
export { shrinkMainHeap, workerResourceLimits } from './worker-heap.ts';
export { mergeLinkStats, readingOf, snapshotLinkStats } from './worker-stats.ts';
export {
  PeerBoard,
  peerStateOf,
  STREAM_RELAY_WINDOW_BATCHES,
  StreamRelayClient,
  StreamRelayHost,
  type PeerState,
} from './stream-relay.ts';
export {
  MAX_RESTARTS_IN_WINDOW,
  RESTART_WINDOW_MS,
  WorkerPool,
  type WorkerPoolHost,
  type WorkerPoolOptions,
} from './worker-pool.ts';
