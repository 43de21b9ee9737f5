/** Region states as a node answers them in these tests (the clock and operation id the tests fix), and etcd in memory. */
import { GeomeshError } from '../../../../base/index.ts';
import type {
  CoordinationLease,
  KeyValueEntry,
  LeaseOptions,
  PutOptions,
} from '../../../../node/coordination-ports/index.ts';
import type { RegionState } from '../../../../node/rpc/index.ts';

/** `east` recorded `state` at 2026-01-01T00:00:00.000Z in operation op-1; `over` changes any field. */
export function recordedState(state: string, over: Partial<RegionState> = {}): RegionState {
  return {
    region: 'east',
    state,
    toRegion: '',
    groups: [],
    since: '2026-01-01T00:00:00.000Z',
    operation: 'op-1',
    ...over,
  };
}

/**
 * An in-memory document store with compare-and-swap and leases (revoking or losing one deletes its keys, as
 * etcd does); `isDown` makes every call fail as etcd would.
 */
export class MemoryStore {
  readonly entries = new Map<string, KeyValueEntry>();
  isDown = false;
  #revision = 1;
  #leases = 0;
  /** Leases granted and not ended, by id: `lose(id)` ends one as a lapsed TTL would. */
  readonly leases = new Map<string, { lose(): void }>();
  grantLease(options: LeaseOptions): Promise<CoordinationLease> {
    this.#check();
    const id = String(++this.#leases);
    const controller = new AbortController();
    const lost = new Set<(err: Error) => void>();
    let state: CoordinationLease['state'] = 'alive';
    const end = (next: CoordinationLease['state']) => {
      if (state !== 'alive') return;
      state = next;
      this.leases.delete(id);
      for (const [key, e] of this.entries) if (e.leaseId === id) this.entries.delete(key);
      const reason =
        next === 'lost'
          ? new GeomeshError('GEOMESH_COORD_LEASE_LOST', `lease ${id} lost`)
          : new GeomeshError('GEOMESH_COORD_CLOSED', `lease ${id} ended`);
      if (next === 'lost') for (const listener of lost) listener(reason);
      controller.abort(reason);
    };
    this.leases.set(id, { lose: () => end('lost') });
    const lease: CoordinationLease = {
      id,
      ttlMs: options.ttlMs,
      get state() {
        return state;
      },
      signal: controller.signal,
      validForMs: () => (state === 'alive' ? options.ttlMs : 0),
      onLost: (listener) => {
        lost.add(listener);
        return () => lost.delete(listener);
      },
      revoke: () => Promise.resolve(end('revoked')),
      release: () => end('released'),
    };
    return Promise.resolve(lease);
  }
  #check(): void {
    if (this.isDown) throw new GeomeshError('GEOMESH_COORD_UNAVAILABLE', 'etcd: connection refused');
  }
  get(key: string) {
    this.#check();
    return Promise.resolve(this.entries.get(key));
  }
  list(prefix: string) {
    this.#check();
    return Promise.resolve({
      entries: [...this.entries.values()].filter((e) => e.key.startsWith(prefix)),
      revision: this.#revision,
    });
  }
  put(key: string, value: Buffer | string, options: PutOptions = {}) {
    this.#check();
    const found = this.entries.get(key)?.modRevision ?? 0;
    if ((options.mustNotExist && found) || (options.expectedModRevision ?? found) !== found) {
      return Promise.reject(new GeomeshError('GEOMESH_COORD_CONFLICT', 'changed', { details: { key } }));
    }
    const modRevision = ++this.#revision;
    this.entries.set(key, {
      key,
      value: Buffer.from(value),
      modRevision,
      createRevision: modRevision,
      version: 1,
      leaseId: options.lease?.id,
    });
    return Promise.resolve(modRevision);
  }
  delete(key: string) {
    this.#check();
    return Promise.resolve(this.entries.delete(key));
  }
}
