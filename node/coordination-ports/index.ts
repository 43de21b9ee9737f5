/**
 * The ports of coordination: the small interfaces the node codes against (documents, watches, leases,
 * membership, the process's session) and the name rule. No etcd3 here: the etcd adapter (node/coordination)
 * implements these, and logic written against them is tested with fakes.
 */
export { isValidName } from './names.ts';
export type * from './types.ts';
export type * from './session.ts';
