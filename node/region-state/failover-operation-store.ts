/**
 * Failover operations in etcd (failover-operation-record.ts), through the coordination interfaces only (a
 * fake `DocumentStore` in unit tests): list them, open one (resume the running one of the same command, or
 * start a new one), record groups' progress, and end it. Each operation's header is written by
 * compare-and-swap; each group's record by the one call running the operation.
 *
 * At most `keepDone` done operations are kept: opening a new one deletes the oldest done ones beyond that.
 */
import type { DocumentStore, SignalOptions } from '../coordination-ports/index.ts';
import {
  FAILOVER_OPERATIONS_PREFIX,
  decodeGroupRecord,
  decodeOperation,
  encodeGroupRecord,
  encodeOperation,
  finishedOperation,
  newOperationId,
  operationGroupKey,
  operationKey,
  parseOperationKey,
  runningOperation,
  type FailoverOperationAsk,
  type FailoverOperationKind,
  type FailoverOperationRecord,
  type OperationGroupRecord,
} from './failover-operation-record.ts';

/** An operation as listed: its header, its groups' records, and the keys that could not be decoded. */
export interface ListedOperation {
  readonly operation: FailoverOperationRecord;
  readonly groups: ReadonlyMap<string, OperationGroupRecord>;
  readonly modRevision: number;
}

export interface OperationListing {
  readonly operations: readonly ListedOperation[];
  /** Keys under the prefix that could not be decoded, with why. */
  readonly errors: readonly string[];
}

/** An operation opened by a call: new, or resumed with the groups' records so far. */
export interface OpenedOperation extends ListedOperation {
  readonly isResumed: boolean;
}

export interface FailoverOperationStoreOptions {
  store: Pick<DocumentStore, 'get' | 'put' | 'list' | 'delete'>;
  /** Done operations kept; default 20. */
  keepDone?: number;
  now?: () => Date;
}

export class FailoverOperationStore {
  readonly #store: FailoverOperationStoreOptions['store'];
  readonly #keepDone: number;
  readonly #now: () => Date;

  constructor(options: FailoverOperationStoreOptions) {
    this.#store = options.store;
    this.#keepDone = options.keepDone ?? 20;
    this.#now = options.now ?? (() => new Date());
  }

  /** Every operation, oldest first, with its groups' records. */
  async list(options: SignalOptions = {}): Promise<OperationListing> {
    const range = await this.#store.list(FAILOVER_OPERATIONS_PREFIX, options);
    const headers = new Map<string, { operation: FailoverOperationRecord; modRevision: number }>();
    const groups = new Map<string, Map<string, OperationGroupRecord>>();
    const errors: string[] = [];
    for (const entry of range.entries) {
      const parsed = parseOperationKey(entry.key);
      if (!parsed) continue;
      try {
        if (parsed.group === undefined) {
          headers.set(parsed.id, {
            operation: decodeOperation(entry.value, entry.key),
            modRevision: entry.modRevision,
          });
        } else {
          const record = decodeGroupRecord(entry.value, entry.key);
          if (!groups.has(parsed.id)) groups.set(parsed.id, new Map());
          groups.get(parsed.id)!.set(record.group, record);
        }
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    const operations = [...headers.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([id, h]) => ({ ...h, groups: groups.get(id) ?? new Map<string, OperationGroupRecord>() }));
    return { operations, errors };
  }

  /**
   * The running operation of `kind` from → to when its command asked `ask` (resumed), else a new one
   * moving `selectGroups()`'s groups (called only then). Refused (GEOMESH_RPC_FAILED_PRECONDITION) while
   * another command's operation of that kind and regions is running.
   */
  async open(
    start: { kind: FailoverOperationKind; from: string; to: string; ask: FailoverOperationAsk },
    selectGroups: () => Promise<readonly string[]>,
    options: SignalOptions = {},
  ): Promise<OpenedOperation> {
    const listing = await this.list(options);
    const running = runningOperation(
      listing.operations.map((o) => o.operation),
      start.kind,
      start.from,
      start.to,
      start.ask,
    );
    if (running) {
      const listed = listing.operations.find((o) => o.operation.id === running.id)!;
      return { ...listed, isResumed: true };
    }
    const groups = await selectGroups();
    const now = this.#now();
    const operation: FailoverOperationRecord = {
      id: newOperationId(now),
      ...start,
      groups: [...groups],
      state: 'running',
      startedAt: now.toISOString(),
    };
    const modRevision = await this.#store.put(operationKey(operation.id), encodeOperation(operation), {
      mustNotExist: true,
      ...options,
    });
    await this.#prune(listing.operations, options);
    return { operation, groups: new Map(), modRevision, isResumed: false };
  }

  /** Records one group's progress in operation `id`. */
  async recordGroup(id: string, record: OperationGroupRecord, options: SignalOptions = {}): Promise<void> {
    await this.#store.put(operationGroupKey(id, record.group), encodeGroupRecord(record), options);
  }

  /** Records `opened` done with its counts (compare-and-swap on the header as opened). */
  async finish(
    opened: Pick<ListedOperation, 'operation' | 'modRevision'>,
    counts: { committed: number; refused: number },
    options: SignalOptions = {},
  ): Promise<FailoverOperationRecord> {
    const done = finishedOperation(opened.operation, counts, this.#now().toISOString());
    await this.#store.put(operationKey(done.id), encodeOperation(done), {
      expectedModRevision: opened.modRevision,
      ...options,
    });
    return done;
  }

  async #prune(operations: readonly ListedOperation[], options: SignalOptions): Promise<void> {
    const done = operations.filter((o) => o.operation.state === 'done');
    for (const old of done.slice(0, Math.max(0, done.length - this.#keepDone + 1))) {
      for (const group of old.groups.keys())
        await this.#store.delete(operationGroupKey(old.operation.id, group), options);
      await this.#store.delete(operationKey(old.operation.id), options);
    }
  }
}
