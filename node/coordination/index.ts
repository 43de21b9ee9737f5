/**
 * Coordination through etcd: the only folder that imports etcd3. The rest of geomesh codes against the ports
 * in node/coordination-ports (no etcd3 there); `EtcdCoordinator` implements them. Only the composition roots
 * (node/supervisor, node/cli) import this folder.
 */
export { EtcdCoordinator, type CoordinatorState } from './etcd-coordinator.ts';
export { EtcdSession, connectCoordinator, type EtcdSessionOptions } from './etcd-session.ts';
export {
  COORDINATION_DEFAULTS,
  resolveCoordinationConfig,
  type CoordinationConfig,
  type CoordinationOptions,
  type CoordinationTlsOptions,
  type PemSource,
} from './coordination-options.ts';
export { coordinationOptionsFor } from './topology-options.ts';
export { checkKey, memberKey, membersPrefix, meshPrefix, parseMemberKey } from './key-layout.ts';
export { decodeMemberV1, encodeMemberV1 } from './member-codec.ts';
export { Membership, memberFromEntry, type MembershipInit } from './membership.ts';
