/**
 * Region states in etcd, through the coordination interfaces only (a fake `DocumentStore` in unit tests).
 *
 * Every change is a compare-and-swap: `change` reads the record and its modRevision, computes the next record
 * with a pure move (region-state-record.ts), and writes it only if the key still has that revision
 * (`expectedModRevision`, or `mustNotExist` for an absent key). When another writer got in between, the move is
 * computed again from what that writer left, so no change is silently overwritten: the move either builds on
 * it or refuses (GEOMESH_RPC_FAILED_PRECONDITION). After `maxAttempts` lost swaps in a row the change fails
 * with GEOMESH_COORD_CONFLICT.
 */
import { isGeomeshError, GeomeshError } from '../../base/index.ts';
import type { DocumentStore, SignalOptions } from '../coordination-ports/index.ts';
import {
  REGION_STATES_PREFIX,
  decodeRegionStateV1,
  encodeRegionStateV1,
  parseRegionStateKey,
  regionStateKey,
  type RegionStateRecord,
} from './region-state-record.ts';

/** A record as read, with the revision to compare-and-swap against (0: absent). */
export interface StoredRegionState {
  readonly region: string;
  /** Undefined when the key is absent: the region is active. */
  readonly record: RegionStateRecord | undefined;
  readonly modRevision: number;
}

/** One entry of a listing: the record, or why it could not be decoded. */
export type ListedRegionState =
  | { readonly region: string; readonly record: RegionStateRecord; readonly error?: undefined }
  | { readonly region: string; readonly record?: undefined; readonly error: string };

/** The outcome of `change`: the record now in etcd, and whether this call wrote it. */
export interface RegionStateChange {
  readonly region: string;
  readonly record: RegionStateRecord | undefined;
  readonly isWritten: boolean;
}

export interface RegionStateStoreOptions {
  /** A started coordination client working in the mesh's namespace. */
  store: Pick<DocumentStore, 'get' | 'put' | 'list'>;
  /** Lost compare-and-swaps tolerated in a row before giving up; default 5. */
  maxAttempts?: number;
}

export class RegionStateStore {
  readonly #store: RegionStateStoreOptions['store'];
  readonly #maxAttempts: number;

  constructor(options: RegionStateStoreOptions) {
    this.#store = options.store;
    this.#maxAttempts = options.maxAttempts ?? 5;
  }

  /** A region's record and revision; throws GEOMESH_COORD_CORRUPT on a value it cannot decode. */
  async get(region: string, options: SignalOptions = {}): Promise<StoredRegionState> {
    const key = regionStateKey(region);
    const entry = await this.#store.get(key, options);
    return entry
      ? { region, record: decodeRegionStateV1(entry.value, key), modRevision: entry.modRevision }
      : { region, record: undefined, modRevision: 0 };
  }

  /** Every recorded region, sorted by region; a record that cannot be decoded is listed with its error. */
  async list(options: SignalOptions = {}): Promise<ListedRegionState[]> {
    const range = await this.#store.list(REGION_STATES_PREFIX, options);
    const out: ListedRegionState[] = [];
    for (const entry of range.entries) {
      const region = parseRegionStateKey(entry.key);
      if (region === undefined) continue;
      try {
        out.push({ region, record: decodeRegionStateV1(entry.value, entry.key) });
      } catch (err) {
        out.push({ region, error: (err as Error).message });
      }
    }
    return out.sort((a, b) => (a.region < b.region ? -1 : a.region > b.region ? 1 : 0));
  }

  /**
   * Applies `move` (current record → next, or undefined for no change; it may throw to refuse) by
   * compare-and-swap, recomputing from the new record when another writer got in first.
   */
  async change(
    region: string,
    move: (current: RegionStateRecord | undefined) => RegionStateRecord | undefined,
    options: SignalOptions = {},
  ): Promise<RegionStateChange> {
    const key = regionStateKey(region);
    for (let attempt = 1; ; attempt++) {
      const current = await this.get(region, options);
      const next = move(current.record);
      if (next === undefined) return { region, record: current.record, isWritten: false };
      try {
        await this.#store.put(key, encodeRegionStateV1(next), {
          ...(current.modRevision === 0
            ? { mustNotExist: true }
            : { expectedModRevision: current.modRevision }),
          ...(options.signal && { signal: options.signal }),
        });
        return { region, record: next, isWritten: true };
      } catch (err) {
        if (!isGeomeshError(err, 'GEOMESH_COORD_CONFLICT')) throw err;
        if (attempt >= this.#maxAttempts) {
          throw new GeomeshError(
            'GEOMESH_COORD_CONFLICT',
            `region state ${key} changed under each of ${attempt} attempts to update it: ` +
              'another operator is changing it; retry when they are done',
            { cause: err, details: { key, region } },
          );
        }
      }
    }
  }
}
