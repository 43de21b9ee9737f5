/**
 * A stored topology record compiled back into a `TopologyConfig`. The canonical form is itself a valid topology
 * file, so this is the ordinary compiler run on it; only `${ENV}` references need values.
 */
import { compileTopology, type EnvSource, type TopologyConfig } from '../../topology/index.ts';
import type { TopologyRecord } from './topology-record.ts';

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
/** Stands in for variables the reader does not have; long enough for the provenance key rule. */
const PLACEHOLDER = 'geomesh-unset-variable-placeholder-value';

export interface CompileStoredOptions {
  /** Variables for `${ENV}` references (a node passes its own environment). */
  env: EnvSource;
  /**
   * Give variables that `env` lacks a placeholder value instead of failing: for comparing versions (diffs look at
   * references, never values), not for running one. Default false.
   */
  isForDiffOnly?: boolean;
}

/** Names in the diagnostics: `etcd:topology/versions/<n>`. */
export function storedTopologyName(record: Pick<TopologyRecord, 'version'>): string {
  return `etcd:topology/versions/${record.version}`;
}

/**
 * Compiles a stored record. Throws GEOMESH_TOPOLOGY_INVALID (naming `etcd:topology/versions/<n>` and each problem,
 * e.g. a variable this process does not set) when it cannot be compiled here.
 */
export function compileStoredTopology(record: TopologyRecord, options: CompileStoredOptions): TopologyConfig {
  let env = options.env;
  if (options.isForDiffOnly === true) {
    const filled: Record<string, string | undefined> = { ...options.env };
    for (const [, name] of record.canonical.matchAll(REFERENCE)) {
      if (name !== undefined && filled[name] === undefined) filled[name] = PLACEHOLDER;
    }
    env = filled;
  }
  return compileTopology(record.canonical, { file: storedTopologyName(record), env });
}
