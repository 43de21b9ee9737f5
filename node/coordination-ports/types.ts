/**
 * The small interfaces the rest of geomesh uses to coordinate through etcd. Logic written against these can be
 * tested with fakes; the etcd adapter's `EtcdCoordinator` (node/coordination) is the real implementation. Keys are always relative to the mesh prefix
 * (`/geomesh/<mesh>/`); revisions are etcd's cluster-wide revisions (a safe integer in practice).
 */

/** One stored key with its etcd bookkeeping. */
export interface KeyValueEntry {
  /** Key relative to the mesh prefix, e.g. `regions/eu-west/state`. */
  readonly key: string;
  readonly value: Buffer;
  /** Revision of the last write to this key: the token for compare-and-swap. */
  readonly modRevision: number;
  /** Revision that created the key (since its last deletion): orders candidates, fences owners. */
  readonly createRevision: number;
  /** Number of writes since the key was created (1 after the first put). */
  readonly version: number;
  /** Lease the key is attached to, if any (decimal string, etcd's int64). */
  readonly leaseId: string | undefined;
}

/** A snapshot of several keys taken at one revision. */
export interface KeyRange {
  readonly entries: readonly KeyValueEntry[];
  /** The store revision the snapshot was read at: start a watch at `revision + 1` to miss nothing. */
  readonly revision: number;
}

/** Anything that can wait takes a signal; aborting rejects with the signal's reason. */
export interface SignalOptions {
  signal?: AbortSignal;
}

/** How a put is guarded. At most one of `expectedModRevision` and `mustNotExist`. */
export interface PutOptions extends SignalOptions {
  /** Write only if the key's current modRevision is exactly this. */
  expectedModRevision?: number;
  /** Write only if the key does not exist. */
  mustNotExist?: boolean;
  /** Attach the key to this lease: it is deleted when the lease ends. */
  lease?: CoordinationLease;
}

export interface DeleteOptions extends SignalOptions {
  /** Delete only if the key's current modRevision is exactly this. */
  expectedModRevision?: number;
}

/**
 * A versioned document store with compare-and-swap. A lost compare-and-swap rejects with
 * GEOMESH_COORD_CONFLICT whose details name the key and the revision found (`foundModRevision`, 0 = absent).
 */
export interface DocumentStore {
  /** The key's value and revisions, or undefined when it does not exist. */
  get(key: string, options?: SignalOptions): Promise<KeyValueEntry | undefined>;
  /** Every key under `prefix`, sorted by key, read at one revision. */
  list(prefix: string, options?: SignalOptions): Promise<KeyRange>;
  /** Writes the value; resolves to the new modRevision. */
  put(key: string, value: Buffer | string, options?: PutOptions): Promise<number>;
  /** Deletes the key; resolves to whether it existed. */
  delete(key: string, options?: DeleteOptions): Promise<boolean>;
}

/** One change seen by a watch, in revision order. */
export type WatchEvent =
  | {
      readonly type: 'put';
      readonly key: string;
      readonly value: Buffer;
      readonly modRevision: number;
      readonly createRevision: number;
      readonly version: number;
    }
  | {
      readonly type: 'delete';
      readonly key: string;
      /** The revision of the deletion. */
      readonly modRevision: number;
    };

export interface WatchOptions extends SignalOptions {
  /** Watch every key starting with `key` instead of the one key. */
  isPrefix?: boolean;
  /** Replay history from this revision (inclusive); default: only changes after the watch starts. */
  startRevision?: number;
  /** Most events held for a slow consumer before the watch fails with GEOMESH_COORD_WATCH_OVERFLOW; default 10,000. */
  maxBufferedEvents?: number;
}

/**
 * A running watch: an async iterator of events that survives etcd disconnects (it resumes after the last
 * delivered revision). It ends when closed or its signal aborts, and throws when it fails
 * (GEOMESH_COORD_COMPACTED, GEOMESH_COORD_WATCH_OVERFLOW, GEOMESH_COORD_CLOSED).
 */
export interface WatchStream extends AsyncIterable<WatchEvent> {
  /** Revision the next event will be at or after; resume a new watch from here. */
  readonly nextRevision: number;
  /** Whether the watch currently has a live stream to etcd. */
  readonly isConnected: boolean;
  /** Stops watching; idempotent. Iteration ends after buffered events are drained. */
  close(): Promise<void>;
  /** Settles when the watch has ended: resolves on close, rejects with the error that ended it. */
  readonly closed: Promise<void>;
}

export interface KeyWatcher {
  watch(key: string, options?: WatchOptions): WatchStream;
}

/**
 * Lease states: `alive` → `lost` (not renewed within its TTL, or etcd said it is gone) or `revoked` (by us,
 * on purpose) or `released` (keepalive stopped on purpose; etcd deletes the keys when the TTL runs out).
 */
export type LeaseState = 'alive' | 'lost' | 'revoked' | 'released';

/** A granted lease, kept alive until revoked, released or lost. */
export interface CoordinationLease {
  /** etcd's lease id (decimal string of an int64). */
  readonly id: string;
  /** The TTL etcd granted, in ms (etcd may raise a small TTL to its minimum). */
  readonly ttlMs: number;
  readonly state: LeaseState;
  /**
   * Aborts when the lease ends: lost (reason GEOMESH_COORD_LEASE_LOST) or revoked / released by us (reason
   * GEOMESH_COORD_CLOSED). Loss is detected conservatively: as soon as a full TTL has passed since the last
   * renewal etcd confirmed, so work fenced by it stops before etcd could have handed it to someone else.
   */
  readonly signal: AbortSignal;
  /**
   * How much longer the lease is certainly alive in etcd, in ms: the TTL counted from when the last renewal
   * etcd confirmed was sent, minus the time since (0 once it ended). Work fenced by the lease checks it right
   * before each step that must not happen after the lease could have expired.
   */
  validForMs(): number;
  /** Calls `listener` once if the lease is lost; returns an unsubscribe function. */
  onLost(listener: (err: Error) => void): () => void;
  /** Ends the lease now: etcd deletes its keys. Idempotent. */
  revoke(): Promise<void>;
  /** Stops renewing and lets etcd expire the lease after its TTL. Idempotent. */
  release(): void;
}

export interface LeaseOptions extends SignalOptions {
  /** Lease time-to-live in ms, rounded up to whole seconds; at least 1,000. */
  ttlMs: number;
}

export interface LeaseGranter {
  grantLease(options: LeaseOptions): Promise<CoordinationLease>;
}

/** What a node instance announces about itself under `nodes/<region>/<id>`. */
export interface MemberInfo {
  readonly region: string;
  readonly id: string;
  /** `host:port` of its gRPC endpoint. */
  readonly address: string;
  /** `host:port` of its HTTP endpoint (/metrics, /status), when it serves one. */
  readonly httpAddress?: string;
  /** geomesh version it runs. */
  readonly version: string;
  /** ISO-8601 time the instance started. */
  readonly startedAt: string;
  /** Id of the provenance key it tags with (a fingerprint, never the key), when it says. */
  readonly provenanceKeyId?: string;
  /** Ids of the provenance keys it verifies with, sorted, when it says. */
  readonly acceptedKeyIds?: readonly string[];
}

/** A member as read back from etcd. */
export interface MemberRecord extends MemberInfo {
  readonly modRevision: number;
  readonly createRevision: number;
}

/** A live registration; the key vanishes when deregistered or when the lease is lost. */
export interface MemberRegistration {
  readonly member: MemberInfo;
  readonly key: string;
  readonly lease: CoordinationLease;
  /** Deletes the registration (revokes its lease). Idempotent. */
  deregister(): Promise<void>;
}

export type MembershipEvent =
  | { readonly type: 'joined' | 'updated'; readonly member: MemberRecord; readonly revision: number }
  | { readonly type: 'left'; readonly region: string; readonly id: string; readonly revision: number };

export interface MembershipWatchOptions extends SignalOptions {
  /** Only members of this region. */
  region?: string;
  startRevision?: number;
}

export interface RegisterOptions extends SignalOptions {
  /** Lease TTL in ms; default the coordinator's `leaseTtlMs`. */
  ttlMs?: number;
}

export interface MemberRegistry {
  /**
   * Registers an instance under a fresh lease. Refused with GEOMESH_COORD_CONFLICT if the same region and id
   * are already registered (another live instance, or this one before a restart until its lease expires).
   */
  register(member: MemberInfo, options?: RegisterOptions): Promise<MemberRegistration>;
  /** Registered members, sorted by region then id, read at one revision. */
  listMembers(options?: SignalOptions & { region?: string }): Promise<{
    members: MemberRecord[];
    revision: number;
  }>;
  /** Join, update and leave events; start at `listMembers().revision + 1` to follow a snapshot. */
  watchMembers(options?: MembershipWatchOptions): AsyncIterable<MembershipEvent> & {
    close(): Promise<void>;
  };
}
