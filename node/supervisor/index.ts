/** The composition of one region's node: region node, gRPC server, peer clients. */
export {
  GEOMESH_VERSION,
  RegionSupervisor,
  type RegionSupervisorOptions,
  type RegionSupervisorState,
} from './region-supervisor.ts';
export { coordinationOptionsFor } from './etcd-registry.ts';
export {
  DEFAULT_STOP_DEADLINE_MS,
  runNodeProcess,
  type NodeProcessOptions,
  type NodeProcessOutcome,
} from './node-process.ts';
export { regionFingerprint, unrunnable } from './runnable-topology.ts';
