/** An in-memory DocumentStore with etcd's revision rules, for unit tests of code that uses the interface. */
import type {
  DeleteOptions,
  DocumentStore,
  KeyRange,
  KeyValueEntry,
  KeyWatcher,
  PutOptions,
  WatchStream,
} from '../../../../node/coordination-ports/index.ts';
import { GeomeshError } from '../../../../base/index.ts';

export class FakeDocuments implements DocumentStore, KeyWatcher {
  revision = 1;
  readonly entries = new Map<string, KeyValueEntry>();
  /** Keys written, in order. */
  readonly writes: string[] = [];
  /** Called before each put, e.g. to simulate a concurrent writer. */
  beforePut: ((key: string) => void) | undefined;

  get(key: string): Promise<KeyValueEntry | undefined> {
    return Promise.resolve(this.entries.get(key));
  }

  list(prefix: string): Promise<KeyRange> {
    const entries = [...this.entries.values()]
      .filter((e) => e.key.startsWith(prefix))
      .sort((a, b) => (a.key < b.key ? -1 : 1));
    return Promise.resolve({ entries, revision: this.revision });
  }

  put(key: string, value: Buffer | string, options: PutOptions = {}): Promise<number> {
    const hook = this.beforePut;
    this.beforePut = undefined;
    hook?.(key);
    const existing = this.entries.get(key);
    const found = existing?.modRevision ?? 0;
    if (
      (options.mustNotExist === true && existing) ||
      (options.expectedModRevision !== undefined && options.expectedModRevision !== found)
    ) {
      return Promise.reject(
        new GeomeshError('GEOMESH_COORD_CONFLICT', `conflict on ${key}`, {
          details: { key, foundModRevision: found },
        }),
      );
    }
    this.revision += 1;
    this.entries.set(key, {
      key,
      value: Buffer.from(value),
      modRevision: this.revision,
      createRevision: existing?.createRevision ?? this.revision,
      version: (existing?.version ?? 0) + 1,
      leaseId: undefined,
    });
    this.writes.push(key);
    return Promise.resolve(this.revision);
  }

  delete(key: string, _options?: DeleteOptions): Promise<boolean> {
    const existed = this.entries.delete(key);
    if (existed) this.revision += 1;
    return Promise.resolve(existed);
  }

  watch(): WatchStream {
    throw new Error('the fake does not watch');
  }
}
