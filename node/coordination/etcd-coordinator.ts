/**
 * The coordination adapter: geomesh's one etcd client. It connects from validated options, works inside the
 * mesh's namespace `/geomesh/<mesh>/`, and offers the `Coordination` interfaces: a compare-and-swap document
 * store, resumable watches, leases and node membership.
 *
 * Lifecycle (states are logged on every change):
 *   idle → starting → ready → stopping → stopped
 *            └→ failed (etcd not reachable within dialTimeoutMs, or start aborted)
 * `start(signal)` resolves once etcd answered; `stop()` closes watches, revokes leases (each bounded by requestTimeoutMs) and closes the client; it is idempotent and concurrent
 * callers share one promise. `closed` resolves after stop, or rejects with the error that made start fail.
 *
 * While etcd is unreachable every request fails with a retryable GEOMESH_COORD_UNAVAILABLE within a bounded
 * time (each attempt has a deadline of requestTimeoutMs; etcd3 makes up to 3 attempts, and after 3 consecutive
 * failures its circuit breaker fails calls at once for 5 s). Watches and lease keepalives reconnect by
 * themselves.
 */
import etcd3 from 'etcd3';
import type { Namespace, Etcd3 as Etcd3Client } from 'etcd3';
import { GeomeshError } from '../../base/index.ts';
import type { Logger } from '../log/index.ts';
import { abortable, toSafeInteger } from './abortable.ts';
import { delay } from '../lifecycle/index.ts';
import {
  resolveCoordinationConfig,
  type CoordinationConfig,
  type CoordinationOptions,
} from './coordination-options.ts';
import { translateEtcdError } from './etcd-errors.ts';
import { EtcdLease } from './etcd-lease.ts';
import { EtcdWatch } from './etcd-watch.ts';
import { checkPutOptions, etcd3OptionsFor, toEntry } from './etcd3-options.ts';
import { checkKey, checkPrefix } from './key-layout.ts';
import { Membership } from './membership.ts';
import type {
  Coordination,
  CoordinationLease,
  DeleteOptions,
  KeyRange,
  KeyValueEntry,
  LeaseOptions,
  MemberInfo,
  MemberRecord,
  MemberRegistration,
  MembershipEvent,
  MembershipWatchOptions,
  PutOptions,
  RegisterOptions,
  SignalOptions,
  WatchOptions,
  WatchStream,
} from '../coordination-ports/index.ts';

const { Etcd3 } = etcd3;

export type CoordinatorState = 'idle' | 'starting' | 'ready' | 'stopping' | 'stopped' | 'failed';

/** Anything the coordinator must end on stop. */
interface Closable {
  close(): Promise<void>;
}

export class EtcdCoordinator implements Coordination {
  readonly config: CoordinationConfig;
  readonly closed: Promise<void>;
  readonly #logger: Logger;
  #state: CoordinatorState = 'idle';
  #client: Etcd3Client | undefined;
  #namespace: Namespace | undefined;
  #membership: Membership | undefined;
  readonly #owned = new Set<Closable>();
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;
  #settleClosed!: (err?: Error) => void;

  /** Validates options (throws GEOMESH_CONFIG_INVALID); does not connect. */
  constructor(options: CoordinationOptions) {
    this.config = resolveCoordinationConfig(options);
    this.#logger = options.logger.child({ component: 'coordination', mesh: this.config.mesh });
    this.closed = new Promise<void>((resolve, reject) => {
      this.#settleClosed = (err) => (err ? reject(err) : resolve());
    });
    this.closed.catch(() => undefined);
  }

  get state(): CoordinatorState {
    return this.#state;
  }

  /** Connects and waits until etcd answers, retrying for up to dialTimeoutMs. */
  start(signal?: AbortSignal): Promise<void> {
    this.#starting ??= this.#start(signal);
    return this.#starting;
  }

  async #start(signal?: AbortSignal): Promise<void> {
    if (this.#state !== 'idle') throw this.#closedError('start');
    this.#setState('starting');
    const { endpoints, dialTimeoutMs, requestTimeoutMs } = this.config;
    this.#logger.info(
      { endpoints, isSecure: this.config.isSecure, username: this.config.auth?.username },
      'connecting to etcd',
    );
    const client = new Etcd3(etcd3OptionsFor(this.config));
    this.#client = client;
    this.#namespace = client.namespace(this.config.prefix);
    const deadline = Date.now() + dialTimeoutMs;
    const stop = signal
      ? AbortSignal.any([signal, AbortSignal.timeout(dialTimeoutMs)])
      : AbortSignal.timeout(dialTimeoutMs);
    let lastError: unknown;
    try {
      for (;;) {
        try {
          const remainingMs = Math.max(1, Math.min(requestTimeoutMs, deadline - Date.now()));
          await abortable(client.maintenance.status({ deadline: Date.now() + remainingMs }), stop);
          break;
        } catch (err) {
          if (stop.aborted) throw err;
          lastError = err;
          const translated = translateEtcdError(err, 'connect');
          if (!translated.retryable) throw translated;
          if (!(await delay(200, stop))) throw stop.reason as Error;
        }
      }
    } catch (err) {
      const failure =
        signal?.aborted && !(lastError && Date.now() >= deadline)
          ? (signal.reason as Error)
          : err instanceof GeomeshError && !err.retryable
            ? err
            : new GeomeshError(
                'GEOMESH_COORD_UNAVAILABLE',
                `cannot reach etcd at ${endpoints.join(', ')} within ${dialTimeoutMs} ms` +
                  (lastError ? `: ${(lastError as Error).message}` : ''),
                { cause: lastError ?? err, details: { endpoints: endpoints.join(',') } },
              );
      client.close();
      this.#client = undefined;
      this.#namespace = undefined;
      this.#setState('failed');
      this.#settleClosed(failure);
      throw failure;
    }
    this.#membership = new Membership({
      store: this,
      logger: this.#logger,
      defaultTtlMs: this.config.leaseTtlMs,
    });
    this.#setState('ready');
  }

  /** Ends everything this coordinator owns and closes the client; idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    if (this.#state === 'idle' || this.#state === 'failed') {
      if (this.#state === 'idle') this.#settleClosed();
      this.#setState(this.#state === 'idle' ? 'stopped' : 'failed');
      return;
    }
    if (this.#state === 'starting') await this.#starting?.catch(() => undefined);
    if (this.#state !== 'ready') return;
    this.#setState('stopping');
    const owned = [...this.#owned];
    this.#owned.clear();
    const results = await Promise.allSettled(
      owned.map(async (o) => {
        // Bounded, and the bound's timer cleared when the close wins: a stopped process must not wait for it.
        const bound = new AbortController();
        try {
          await Promise.race([
            o.close(),
            delay(this.config.requestTimeoutMs * 2, bound.signal).then((late) =>
              late ? Promise.reject(new Error('timed out')) : undefined,
            ),
          ]);
        } finally {
          bound.abort();
        }
      }),
    );
    for (const r of results) {
      if (r.status === 'rejected')
        this.#logger.warn({ err: (r.reason as Error).message }, 'could not release on stop');
    }
    this.#client?.close();
    this.#client = undefined;
    this.#namespace = undefined;
    this.#setState('stopped');
    this.#settleClosed();
  }

  // ---- DocumentStore ----

  async get(key: string, options: SignalOptions = {}): Promise<KeyValueEntry | undefined> {
    checkKey(key);
    const ns = this.#ready(`get ${key}`);
    try {
      const res = await abortable(ns.get(key).exec(), options.signal);
      const kv = res.kvs[0];
      return kv ? toEntry(kv, key) : undefined;
    } catch (err) {
      throw this.#translate(err, options.signal, `get ${key}`, { key });
    }
  }

  async list(prefix: string, options: SignalOptions = {}): Promise<KeyRange> {
    checkPrefix(prefix);
    const ns = this.#ready(`list ${prefix}`);
    try {
      const res = await abortable(ns.getAll().prefix(prefix).sort('Key', 'Ascend').exec(), options.signal);
      return {
        entries: res.kvs.map((kv) => toEntry(kv)),
        revision: toSafeInteger(res.header.revision, 'revision'),
      };
    } catch (err) {
      throw this.#translate(err, options.signal, `list ${prefix}`, { prefix });
    }
  }

  async put(key: string, value: Buffer | string, options: PutOptions = {}): Promise<number> {
    checkKey(key);
    const ns = this.#ready(`put ${key}`);
    const { expectedModRevision, mustNotExist, lease, signal } = options;
    checkPutOptions(key, options);
    const putOp = ns.put(key).value(value);
    if (lease) putOp.lease(lease.id);
    try {
      if (expectedModRevision === undefined && !mustNotExist) {
        const res = await abortable(putOp.exec(), signal);
        return toSafeInteger(res.header.revision, 'revision');
      }
      const guard = mustNotExist
        ? ns.if(key, 'Create', '==', 0)
        : ns.if(key, 'Mod', '==', expectedModRevision!);
      const res = await abortable(guard.then(putOp).else(ns.get(key)).commit(), signal);
      if (res.succeeded) return toSafeInteger(res.header.revision, 'revision');
      const found = res.responses[0]?.response_range?.kvs[0];
      const foundModRevision = found ? toSafeInteger(found.mod_revision, 'mod_revision') : 0;
      throw new GeomeshError(
        'GEOMESH_COORD_CONFLICT',
        mustNotExist
          ? `put ${key}: key already exists (modRevision ${foundModRevision}); nothing written`
          : `put ${key}: expected modRevision ${expectedModRevision} but found ` +
              (found ? `${foundModRevision}` : 'no key') +
              '; nothing written — re-read and retry',
        {
          details: {
            key,
            foundModRevision,
            ...(expectedModRevision !== undefined && { expectedModRevision }),
            ...(mustNotExist && { mustNotExist: true }),
          },
        },
      );
    } catch (err) {
      throw this.#translate(err, signal, `put ${key}`, { key, ...(lease && { leaseId: lease.id }) });
    }
  }

  async delete(key: string, options: DeleteOptions = {}): Promise<boolean> {
    checkKey(key);
    const ns = this.#ready(`delete ${key}`);
    const { expectedModRevision, signal } = options;
    try {
      if (expectedModRevision === undefined) {
        const res = await abortable(ns.delete().key(key).exec(), signal);
        return Number(res.deleted) > 0;
      }
      const res = await abortable(
        ns.if(key, 'Mod', '==', expectedModRevision).then(ns.delete().key(key)).else(ns.get(key)).commit(),
        signal,
      );
      if (res.succeeded) return Number(res.responses[0]?.response_delete_range?.deleted ?? 0) > 0;
      const found = res.responses[0]?.response_range?.kvs[0];
      const foundModRevision = found ? toSafeInteger(found.mod_revision, 'mod_revision') : 0;
      throw new GeomeshError(
        'GEOMESH_COORD_CONFLICT',
        `delete ${key}: expected modRevision ${expectedModRevision} but found ${found ? foundModRevision : 'no key'}; ` +
          'nothing deleted',
        { details: { key, foundModRevision, expectedModRevision } },
      );
    } catch (err) {
      throw this.#translate(err, signal, `delete ${key}`, { key });
    }
  }

  // ---- KeyWatcher ----

  watch(key: string, options: WatchOptions = {}): WatchStream {
    if (options.isPrefix) checkPrefix(key);
    else checkKey(key);
    const ns = this.#ready(`watch ${key}`);
    const watch: EtcdWatch = new EtcdWatch({
      ...options,
      namespace: ns,
      key,
      logger: this.#logger,
      closeTimeoutMs: this.config.requestTimeoutMs,
      onEnd: () => this.#owned.delete(watch),
    });
    this.#owned.add(watch);
    return watch;
  }

  // ---- LeaseGranter ----

  async grantLease(options: LeaseOptions): Promise<CoordinationLease> {
    const ns = this.#ready('grant lease');
    const lease = await EtcdLease.grant({
      namespace: ns,
      ttlMs: options.ttlMs,
      logger: this.#logger,
      ...(options.signal && { signal: options.signal }),
    });
    this.#own(lease, () => lease.revoke(), lease.signal);
    return lease;
  }

  // ---- MemberRegistry ----

  register(member: MemberInfo, options?: RegisterOptions): Promise<MemberRegistration> {
    return this.#members('register').register(member, options);
  }

  listMembers(
    options?: SignalOptions & { region?: string },
  ): Promise<{ members: MemberRecord[]; revision: number }> {
    return this.#members('list members').listMembers(options);
  }

  watchMembers(
    options?: MembershipWatchOptions,
  ): AsyncIterable<MembershipEvent> & { close(): Promise<void> } {
    return this.#members('watch members').watchMembers(options);
  }

  // ---- internals ----

  #members(what: string): Membership {
    this.#ready(what);
    return this.#membership!;
  }

  /** Tracks something to end on stop until it ends by itself (its signal aborts). */
  #own(thing: object, close: () => Promise<void>, ended: AbortSignal): void {
    const closable: Closable = { close };
    this.#owned.add(closable);
    ended.addEventListener('abort', () => this.#owned.delete(closable), { once: true });
    void thing;
  }

  #ready(what: string): Namespace {
    if (this.#state !== 'ready' || !this.#namespace) throw this.#closedError(what);
    return this.#namespace;
  }

  #closedError(what: string): GeomeshError {
    return new GeomeshError(
      'GEOMESH_COORD_CLOSED',
      `${what}: the coordination client is ${this.#state}${this.#state === 'idle' ? ' (call start() first)' : ''}`,
    );
  }

  #translate(
    err: unknown,
    signal: AbortSignal | undefined,
    context: string,
    details: Record<string, string>,
  ): Error {
    if (signal?.aborted && err === signal.reason) return err as Error;
    return translateEtcdError(err, context, details);
  }

  #setState(state: CoordinatorState): void {
    if (state === this.#state) return;
    this.#logger.info({ from: this.#state, to: state }, 'coordination state');
    this.#state = state;
  }
}
