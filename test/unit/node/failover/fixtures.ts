/** Region states as a node answers them in these tests (the clock and operation id the tests fix), and etcd in memory. */
import { GeomeshError } from '../../../../base/index.ts';
import type { KeyValueEntry, PutOptions } from '../../../../node/coordination-ports/index.ts';
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

/** An in-memory document store with compare-and-swap; `isDown` makes every call fail as etcd would. */
export class MemoryStore {
  readonly entries = new Map<string, KeyValueEntry>();
  isDown = false;
  #revision = 1;
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
      leaseId: undefined,
    });
    return Promise.resolve(modRevision);
  }
  delete(key: string) {
    this.#check();
    return Promise.resolve(this.entries.delete(key));
  }
}
