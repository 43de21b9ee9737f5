/**
 * Nodes follow the topology in etcd: `watchTopology` yields the current version first, then every version applied
 * after it, each compiled with the node's environment and diffed against the one before. The coordination watch
 * resumes by itself after etcd restarts or disconnects; a compacted revision makes this re-read the current key
 * and watch again; a version seen twice (after a re-read) is yielded once.
 */
import {
  diffTopologies,
  type EnvSource,
  type TopologyConfig,
  type TopologyDiff,
} from '../../topology/index.ts';
import type { WatchStream } from '../coordination-ports/index.ts';
import { isGeomeshError, type GeomeshError } from '../../base/index.ts';
import type { Logger } from '../log/index.ts';
import { compileStoredTopology } from './compile-stored-topology.ts';
import { NODE_DEFAULTS } from '../config/index.ts';
import { TOPOLOGY_CURRENT_KEY, decodeTopologyRecordV1 } from './topology-record.ts';
import type { TopologyCoordination } from './topology-store.ts';

/** One version of the topology, ready to run. */
export interface TopologyUpdate {
  readonly version: number;
  readonly hash: string;
  readonly appliedAt: string;
  /** Compiled with the node's environment (secrets resolved). */
  readonly config: TopologyConfig;
  /** From the previous update (or the baseline); null for the first update without a baseline. */
  readonly diff: TopologyDiff | null;
}

/** A version that was applied but cannot run here; the node keeps the topology it has. */
export interface TopologyRejection {
  readonly version: number;
  readonly hash: string | undefined;
  /** GEOMESH_TOPOLOGY_INVALID (e.g. a variable this node does not set) or GEOMESH_COORD_CORRUPT. */
  readonly error: GeomeshError;
}

export interface WatchTopologyOptions {
  /** A started coordination client in the mesh's namespace. */
  coordination: TopologyCoordination;
  /** The node's environment, for `${ENV}` references. */
  env: EnvSource;
  logger: Logger;
  /** Ends the iteration (without an error) when aborted. */
  signal?: AbortSignal;
  /** The topology the node runs now (e.g. from its file): the first update's diff is against it. */
  baseline?: TopologyConfig;
  /** Called for each version that cannot be compiled here; it is skipped. */
  onRejected?: (rejection: TopologyRejection) => void;
  /**
   * Longest pause between attempts to read the current version while etcd is unreachable; default
   * NODE_DEFAULTS.topologyWatchRetryMaxMs.
   */
  retryMaxMs?: number;
}

/**
 * The topology's versions as they are applied. Iteration ends when `signal` aborts (or the consumer breaks), and
 * throws only on a non-retryable coordination failure (the coordinator stopped, permission denied).
 */
export async function* watchTopology(options: WatchTopologyOptions): AsyncGenerator<TopologyUpdate, void> {
  const { coordination, env, signal } = options;
  const logger = options.logger.child({ component: 'topology-watch' });
  const retryMaxMs = options.retryMaxMs ?? NODE_DEFAULTS.topologyWatchRetryMaxMs;
  let previous: TopologyConfig | undefined = options.baseline;
  let lastVersion = 0;

  const accept = (value: Buffer): TopologyUpdate | undefined => {
    let record;
    try {
      record = decodeTopologyRecordV1(value, TOPOLOGY_CURRENT_KEY);
    } catch (err) {
      reject({ version: lastVersion, hash: undefined, error: err as GeomeshError });
      return undefined;
    }
    if (record.version <= lastVersion) return undefined;
    lastVersion = record.version;
    let config: TopologyConfig;
    try {
      config = compileStoredTopology(record, { env });
    } catch (err) {
      reject({ version: record.version, hash: record.hash, error: err as GeomeshError });
      return undefined;
    }
    const diff = previous ? diffTopologies(previous, config) : null;
    previous = config;
    logger.info({ version: record.version, hash: record.hash }, 'topology version received');
    return { version: record.version, hash: record.hash, appliedAt: record.appliedAt, config, diff };
  };
  const reject = (rejection: TopologyRejection): void => {
    logger.error(
      { version: rejection.version, hash: rejection.hash, err: rejection.error },
      'a topology version from etcd cannot be used here; keeping the current one',
    );
    options.onRejected?.(rejection);
  };

  const isAborted = (): boolean => signal?.aborted === true;
  let pauseMs = 100;
  while (!isAborted()) {
    let stream: WatchStream | undefined;
    try {
      const range = await coordination.list(TOPOLOGY_CURRENT_KEY, { ...(signal && { signal }) });
      pauseMs = 100;
      const entry = range.entries.find((e) => e.key === TOPOLOGY_CURRENT_KEY);
      if (entry) {
        const update = accept(entry.value);
        if (update) yield update;
      }
      stream = coordination.watch(TOPOLOGY_CURRENT_KEY, {
        startRevision: range.revision + 1,
        ...(signal && { signal }),
      });
      for await (const event of stream) {
        if (event.type === 'delete') {
          logger.warn('the current topology was deleted from etcd; keeping the one this node has');
          continue;
        }
        const update = accept(event.value);
        if (update) yield update;
      }
      return;
    } catch (err) {
      if (isAborted()) return;
      if (isGeomeshError(err, 'GEOMESH_COORD_COMPACTED')) {
        logger.warn('topology watch fell behind etcd compaction; reading the current version again');
        continue;
      }
      if (!isGeomeshError(err) || !err.retryable) throw err;
      logger.warn({ err, retryInMs: pauseMs }, 'cannot read the topology from etcd; retrying');
      await pause(pauseMs, signal);
      pauseMs = Math.min(retryMaxMs, pauseMs * 2);
    } finally {
      await stream?.close();
    }
  }
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
