/** The composition of one region's node: region node, gRPC server, peer clients. */
export {
  RegionSupervisor,
  type RegionSupervisorOptions,
  type RegionSupervisorState,
} from './region-supervisor.ts';
export { GEOMESH_VERSION } from './rpc-handlers.ts';
export { openEtcdSession } from './etcd-connection.ts';
export { runNodeProcess, type NodeProcessOptions, type NodeProcessOutcome } from './node-process.ts';
export { regionFingerprint, unrunnable } from './runnable-topology.ts';
