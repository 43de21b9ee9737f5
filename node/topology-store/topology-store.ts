/**
 * The topology's source of truth in etcd: the current version and an immutable history (key layout and record
 * format in topology-record.ts). Works through the coordination interfaces only, so it runs against any
 * `DocumentStore` (the etcd adapter in production, a fake in unit tests).
 *
 * `apply` is a compare-and-swap on `topology/current`: it writes only if the current version is still the one it
 * read (or, with `expectedVersion`, the one the operator reviewed), so of two concurrent applies exactly one wins and
 * the other is refused with GEOMESH_TOPOLOGY_CONFLICT. History keys are written after the swap, with
 * `mustNotExist`; one missed by a crash is written by the next apply before it replaces that version.
 */
import {
  diffTopologies,
  type EnvSource,
  type TopologyConfig,
  type TopologyDiff,
} from '../../topology/index.ts';
import type { DocumentStore, KeyWatcher, SignalOptions } from '../coordination-ports/index.ts';
import { GeomeshError, isGeomeshError } from '../../base/index.ts';
import type { Logger } from '../log/index.ts';
import { compileStoredTopology } from './compile-stored-topology.ts';
import {
  TOPOLOGY_CURRENT_KEY,
  TOPOLOGY_VERSIONS_PREFIX,
  decodeTopologyRecordV1,
  encodeTopologyRecordV1,
  parseTopologyVersionKey,
  topologyVersionKey,
  type TopologyRecord,
} from './topology-record.ts';

/** What the store needs of coordination: documents with compare-and-swap, and watches (for `watchTopology`). */
export type TopologyCoordination = DocumentStore & KeyWatcher;

export interface TopologyStoreOptions {
  /** A started coordination client working in the mesh's namespace (`/geomesh/<mesh>/`). */
  coordination: TopologyCoordination;
  /** The mesh that namespace belongs to: a topology of another mesh is refused. */
  mesh: string;
  logger: Logger;
  /** Clock for `appliedAt`; default `() => new Date()`. */
  now?: () => Date;
}

/** A record as read from etcd, with the revision to compare-and-swap against. */
export interface StoredTopology extends TopologyRecord {
  /** modRevision of the key it was read from. */
  readonly modRevision: number;
}

export interface ApplyTopologyOptions extends SignalOptions {
  /**
   * Apply only if this is the current version (0 = etcd has none yet): the version the operator reviewed. Default:
   * whatever version is current when `apply` reads it (a concurrent apply between that read and the write still
   * makes this one fail).
   */
  expectedVersion?: number;
  /** Compute and return the outcome and diff, write nothing. */
  dryRun?: boolean;
  /** Variables used to compile the previous version for the diff; unset ones get placeholders. Default: none. */
  env?: EnvSource;
}

/**
 * `applied`: written as `version`. `unchanged`: etcd's current version already has this content (same hash),
 * nothing written. `dry-run`: would be written as `version`, nothing written.
 */
export type ApplyOutcome = 'applied' | 'unchanged' | 'dry-run';

export interface ApplyTopologyResult {
  readonly outcome: ApplyOutcome;
  readonly mesh: string;
  /** The version current after the call (for a dry run: the version it would have become). */
  readonly version: number;
  readonly hash: string;
  /** The version replaced (or that would be), null when etcd had none. */
  readonly previousVersion: number | null;
  readonly previousHash: string | null;
  /** Changes from the previous version; null when there was none or it could not be compiled (see `diffError`). */
  readonly diff: TopologyDiff | null;
  /** Why `diff` is null although a previous version exists. */
  readonly diffError: string | null;
  /** When the now-current version was applied (ISO-8601); null for a dry run. */
  readonly appliedAt: string | null;
}

/** The refusal of an apply that expected another version; details carry both versions. */
export function topologyConflict(
  currentVersion: number,
  expectedVersion: number,
  cause?: unknown,
): GeomeshError {
  const current =
    currentVersion === 0 ? 'no topology is in etcd' : `topology version ${currentVersion} is current in etcd`;
  const expected =
    expectedVersion === 0 ? 'this apply expected none' : `this apply expected ${expectedVersion}`;
  return new GeomeshError(
    'GEOMESH_TOPOLOGY_CONFLICT',
    `${current} but ${expected}: re-run \`geomesh topology apply\` after reviewing \`geomesh topology diff\``,
    { ...(cause !== undefined && { cause }), details: { currentVersion, expectedVersion } },
  );
}

export class TopologyStore {
  readonly mesh: string;
  readonly #coordination: TopologyCoordination;
  readonly #logger: Logger;
  readonly #now: () => Date;

  constructor(options: TopologyStoreOptions) {
    this.mesh = options.mesh;
    this.#coordination = options.coordination;
    this.#logger = options.logger.child({ component: 'topology-store', mesh: options.mesh });
    this.#now = options.now ?? (() => new Date());
  }

  /** The current version, or undefined when no topology was ever applied. Throws GEOMESH_COORD_CORRUPT on a bad record. */
  async current(options: SignalOptions = {}): Promise<StoredTopology | undefined> {
    const entry = await this.#coordination.get(TOPOLOGY_CURRENT_KEY, options);
    if (!entry) return undefined;
    return { ...decodeTopologyRecordV1(entry.value, TOPOLOGY_CURRENT_KEY), modRevision: entry.modRevision };
  }

  /** One version from the history, or undefined when it was never applied. */
  async version(version: number, options: SignalOptions = {}): Promise<StoredTopology | undefined> {
    const key = topologyVersionKey(version);
    const entry = await this.#coordination.get(key, options);
    if (!entry) return undefined;
    return { ...decodeTopologyRecordV1(entry.value, key), modRevision: entry.modRevision };
  }

  /** Every version in the history, oldest first. Unreadable records are skipped with a warning. */
  async history(options: SignalOptions = {}): Promise<StoredTopology[]> {
    const range = await this.#coordination.list(TOPOLOGY_VERSIONS_PREFIX, options);
    const out: StoredTopology[] = [];
    for (const entry of range.entries) {
      if (parseTopologyVersionKey(entry.key) === undefined) continue;
      try {
        out.push({ ...decodeTopologyRecordV1(entry.value, entry.key), modRevision: entry.modRevision });
      } catch (err) {
        this.#logger.warn({ key: entry.key, err }, 'skipping an unreadable topology history record');
      }
    }
    return out.sort((a, b) => a.version - b.version);
  }

  /** The latest version whose content hash is `hash`, if one was ever applied. */
  async findVersionByHash(hash: string, options: SignalOptions = {}): Promise<StoredTopology | undefined> {
    const current = await this.current(options);
    if (current?.hash === hash) return current;
    return (await this.history(options)).reverse().find((r) => r.hash === hash);
  }

  /**
   * Makes `config` the current topology (see the class comment). Refused with GEOMESH_TOPOLOGY_CONFLICT when the
   * current version is not `expectedVersion`, or another apply got in first; GEOMESH_CONFIG_INVALID when the
   * topology names another mesh. Secrets never reach etcd: only the canonical form (references) is stored.
   */
  async apply(config: TopologyConfig, options: ApplyTopologyOptions = {}): Promise<ApplyTopologyResult> {
    const { signal } = options;
    if (config.mesh !== this.mesh) {
      throw new GeomeshError(
        'GEOMESH_CONFIG_INVALID',
        `the topology is for mesh "${config.mesh}" but this store holds mesh "${this.mesh}"`,
        { details: { mesh: config.mesh } },
      );
    }
    const current = await this.current({ signal });
    const currentVersion = current?.version ?? 0;
    if (options.expectedVersion !== undefined && options.expectedVersion !== currentVersion) {
      throw topologyConflict(currentVersion, options.expectedVersion);
    }
    const { diff, diffError } = this.#diff(current, config, options.env ?? {});
    const base = {
      mesh: this.mesh,
      hash: config.hash,
      previousVersion: current?.version ?? null,
      previousHash: current?.hash ?? null,
      diff,
      diffError,
    };
    if (current && current.hash === config.hash) {
      return { ...base, outcome: 'unchanged', version: current.version, appliedAt: current.appliedAt };
    }
    const version = current ? current.version + 1 : (await this.#latestHistoryVersion({ signal })) + 1;
    if (options.dryRun === true) return { ...base, outcome: 'dry-run', version, appliedAt: null };

    if (current) await this.#writeHistory(current, { signal });
    const record: TopologyRecord = {
      version,
      hash: config.hash,
      appliedAt: this.#now().toISOString(),
      canonical: config.toCanonicalJSON(),
    };
    try {
      await this.#coordination.put(
        TOPOLOGY_CURRENT_KEY,
        encodeTopologyRecordV1(record),
        current ? { expectedModRevision: current.modRevision, signal } : { mustNotExist: true, signal },
      );
    } catch (err) {
      if (!isGeomeshError(err, 'GEOMESH_COORD_CONFLICT')) throw err;
      const winner = await this.current({ signal }).catch(() => undefined);
      throw topologyConflict(winner?.version ?? currentVersion + 1, currentVersion, err);
    }
    this.#logger.info({ version, hash: record.hash, previousVersion: current?.version }, 'topology applied');
    try {
      await this.#writeHistory(record, { signal });
    } catch (err) {
      // The apply stands (the current key is the truth); the next apply writes this history record.
      this.#logger.warn({ version, err }, 'topology applied but its history record was not written');
    }
    return { ...base, outcome: 'applied', version, appliedAt: record.appliedAt };
  }

  #diff(
    current: StoredTopology | undefined,
    config: TopologyConfig,
    env: EnvSource,
  ): { diff: TopologyDiff | null; diffError: string | null } {
    if (!current) return { diff: null, diffError: null };
    try {
      const previous = compileStoredTopology(current, { env, isForDiffOnly: true });
      return { diff: diffTopologies(previous, config), diffError: null };
    } catch (err) {
      return { diff: null, diffError: (err as Error).message };
    }
  }

  async #latestHistoryVersion(options: SignalOptions): Promise<number> {
    const range = await this.#coordination.list(TOPOLOGY_VERSIONS_PREFIX, options);
    let latest = 0;
    for (const entry of range.entries) latest = Math.max(latest, parseTopologyVersionKey(entry.key) ?? 0);
    return latest;
  }

  /** Writes the history record of `record.version` unless it exists (history is never rewritten). */
  async #writeHistory(record: TopologyRecord, options: SignalOptions): Promise<void> {
    const key = topologyVersionKey(record.version);
    try {
      await this.#coordination.put(key, encodeTopologyRecordV1(record), { mustNotExist: true, ...options });
    } catch (err) {
      if (!isGeomeshError(err, 'GEOMESH_COORD_CONFLICT')) throw err;
    }
  }
}
