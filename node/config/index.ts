/** The node's runtime defaults, declared once (node-defaults.ts). */
export { NODE_DEFAULTS, type NodeDefaults } from './node-defaults.ts';
