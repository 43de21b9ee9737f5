/**
 * The node's runtime defaults, declared once (NODE_DEFAULTS): constants only, with no import, so that the
 * data path (a worker thread above all) reads them without loading the topology's schema and parser, which
 * node/config compiles a region's configuration with (~9 MiB of heap in each thread that loads them).
 */
export { NODE_DEFAULTS, deepFreeze, type DeepReadonly, type NodeDefaults } from './node-defaults.ts';
