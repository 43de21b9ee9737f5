/**
 * Coordination through etcd: the only folder that imports etcd3. The rest of geomesh depends on the
 * interfaces in types.ts; `EtcdCoordinator` implements them.
 */
export { EtcdCoordinator, type CoordinatorState } from './etcd-coordinator.ts';
export {
  COORDINATION_DEFAULTS,
  resolveCoordinationConfig,
  type CoordinationConfig,
  type CoordinationOptions,
  type CoordinationTlsOptions,
  type PemSource,
} from './coordination-options.ts';
export { checkKey, isValidName, memberKey, membersPrefix, meshPrefix, parseMemberKey } from './key-layout.ts';
export { decodeMemberV1, encodeMemberV1 } from './member-codec.ts';
export { Membership, memberFromEntry, type MembershipInit } from './membership.ts';
export type * from './types.ts';
