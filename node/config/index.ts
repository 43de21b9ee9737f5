/** The node's configuration: its runtime defaults, declared once, and the compiled configuration of a region. */
export { NODE_DEFAULTS, type NodeDefaults } from '../defaults/index.ts';
export {
  compileNodeConfig,
  compileLink,
  applyNodeOverrides,
  type NodeConfig,
  type NodeSettings,
  type NodeOverrides,
  type InboundLinkConfig,
  type InboundLinkSpec,
} from './compile-node-config.ts';
