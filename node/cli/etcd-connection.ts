/** The etcd connection a topology file declares, for CLI verbs and the node (built by the supervisor). */
export { coordinationOptionsFor } from '../supervisor/index.ts';
