/**
 * Leader election on etcd, with the layout and algorithm of etcd's concurrency package (and etcd3's Election):
 * each candidate puts `election/<name>/<leaseId>` on its own lease; the candidate whose key has the lowest
 * create revision leads; the others each wait for the deletion of the key created just before theirs.
 *
 * Why not etcd3's `Campaign` and `ElectionObserver` directly: a Campaign hides its lease, so a leader could not
 * fence its work on it and would learn of a lost lease only after 2×TTL (etcd3's keepalive rule), while etcd
 * may elect someone else after 1×TTL; and an ElectionObserver stops for good when one re-read fails (e.g. while
 * etcd restarts). Here the candidate key rides on an `EtcdLease` (loss detected within one TTL) and observers
 * are built on the resumable `EtcdWatch`.
 *
 * Leadership states: `leading` → `ended` (resigned, lease lost, proclaim found the key gone, client stopped).
 */
import type { Namespace } from 'etcd3';
import { GeomeshError } from '../../base/index.ts';
import type { Logger } from '../log/index.ts';
import { abortable, toSafeInteger } from './abortable.ts';
import { translateEtcdError } from './etcd-errors.ts';
import type { EtcdLease } from './etcd-lease.ts';
import { EtcdWatch } from './etcd-watch.ts';
import { electionPrefix } from './key-layout.ts';
import type { Leadership, LeaderObserver, SignalOptions } from './types.ts';

export interface ElectionContext {
  namespace: Namespace;
  logger: Logger;
  requestTimeoutMs: number;
}

/** Leadership held through a candidate key on `lease`. */
export class EtcdLeadership implements Leadership {
  readonly election: string;
  readonly fencingRevision: number;
  readonly lease: EtcdLease;
  readonly #key: string;
  readonly #context: ElectionContext;
  readonly #controller = new AbortController();
  readonly signal: AbortSignal;
  #resigning: Promise<void> | undefined;

  constructor(
    election: string,
    key: string,
    fencingRevision: number,
    lease: EtcdLease,
    context: ElectionContext,
  ) {
    this.election = election;
    this.#key = key;
    this.fencingRevision = fencingRevision;
    this.lease = lease;
    this.#context = context;
    this.signal = AbortSignal.any([this.#controller.signal, lease.signal]);
  }

  get isLeader(): boolean {
    return !this.signal.aborted;
  }

  async proclaim(value: string, options: SignalOptions = {}): Promise<void> {
    if (!this.isLeader) throw this.#notLeader();
    const ns = this.#context.namespace;
    let succeeded: boolean;
    try {
      const result = await abortable(
        ns
          .if(this.#key, 'Create', '==', this.fencingRevision)
          .then(ns.put(this.#key).value(value).lease(this.lease.id))
          .commit(),
        options.signal,
      );
      succeeded = result.succeeded;
    } catch (err) {
      if (options.signal?.aborted) throw err;
      throw translateEtcdError(err, `proclaim in election ${this.election}`, { election: this.election });
    }
    if (!succeeded) {
      const err = this.#notLeader('its candidate key is gone');
      this.#controller.abort(err);
      void this.lease.revoke().catch(() => undefined);
      throw err;
    }
  }

  resign(): Promise<void> {
    this.#resigning ??= (async () => {
      if (!this.#controller.signal.aborted) {
        this.#controller.abort(
          new GeomeshError('GEOMESH_COORD_CLOSED', `resigned from election ${this.election}`),
        );
      }
      await this.lease.revoke();
      this.#context.logger.info({ election: this.election }, 'resigned');
    })();
    return this.#resigning;
  }

  #notLeader(why = 'leadership ended'): GeomeshError {
    return new GeomeshError(
      'GEOMESH_COORD_LEASE_LOST',
      `not the leader of election ${this.election}: ${why}`,
      {
        details: { election: this.election, fencingRevision: this.fencingRevision },
      },
    );
  }
}

/**
 * Puts our candidate key on `lease` and resolves once it leads. On abort or lease loss the lease is revoked
 * (withdrawing the candidacy) and the promise rejects.
 */
export async function campaign(
  name: string,
  value: string,
  lease: EtcdLease,
  context: ElectionContext,
  signal?: AbortSignal,
): Promise<EtcdLeadership> {
  const prefix = electionPrefix(name);
  const key = `${prefix}${lease.id}`;
  const ns = context.namespace;
  const stop = signal ? AbortSignal.any([signal, lease.signal]) : lease.signal;
  try {
    const created = await abortable(
      ns.if(key, 'Create', '==', 0).then(ns.put(key).value(value).lease(lease.id)).else(ns.get(key)).commit(),
      stop,
    );
    const existing = created.succeeded ? undefined : created.responses[0]?.response_range?.kvs[0];
    const fencingRevision = toSafeInteger(
      existing ? existing.create_revision : created.header.revision,
      'create_revision',
    );
    // Wait for every earlier candidate to go, one at a time (the newest earlier one first).
    for (;;) {
      const earlier = await abortable(
        ns
          .getAll()
          .prefix(prefix)
          .maxCreateRevision(String(fencingRevision - 1))
          .sort('Create', 'Descend')
          .limit(1)
          .exec(),
        stop,
      );
      const blocker = earlier.kvs[0];
      if (!blocker) break;
      context.logger.debug(
        { election: name, waitingFor: blocker.key.toString() },
        'waiting for earlier candidate',
      );
      await waitForDelete(
        ns,
        blocker.key.toString(),
        toSafeInteger(earlier.header.revision, 'revision') + 1,
        context,
        stop,
      );
    }
    context.logger.info({ election: name, fencingRevision }, 'elected');
    return new EtcdLeadership(name, key, fencingRevision, lease, context);
  } catch (err) {
    void lease.revoke().catch(() => undefined);
    if (signal?.aborted) throw signal.reason as Error;
    if (lease.signal.aborted) throw lease.signal.reason as Error;
    throw translateEtcdError(err, `campaign in election ${name}`, { election: name });
  }
}

async function waitForDelete(
  ns: Namespace,
  key: string,
  fromRevision: number,
  context: ElectionContext,
  signal: AbortSignal,
): Promise<void> {
  const watch = new EtcdWatch({
    namespace: ns,
    key,
    startRevision: fromRevision,
    signal,
    logger: context.logger,
    closeTimeoutMs: context.requestTimeoutMs,
  });
  try {
    for await (const event of watch) if (event.type === 'delete') return;
    // The iterator ended without a delete: only an abort does that.
    throw signal.reason as Error;
  } finally {
    await watch.close();
  }
}

/** The current leader's value: the candidate with the lowest create revision. */
export async function currentLeader(
  name: string,
  context: ElectionContext,
  signal?: AbortSignal,
): Promise<string | undefined> {
  try {
    const res = await abortable(
      context.namespace.getAll().prefix(electionPrefix(name)).sort('Create', 'Ascend').limit(1).exec(),
      signal,
    );
    return res.kvs[0]?.value.toString('utf8');
  } catch (err) {
    if (signal?.aborted) throw err;
    throw translateEtcdError(err, `read leader of election ${name}`, { election: name });
  }
}

/**
 * Follows an election: reads the candidates once, then applies the prefix's changes from the next revision,
 * keeping every candidate so the successor is known without another read when the leader leaves.
 */
export class EtcdLeaderObserver implements LeaderObserver {
  readonly #candidates = new Map<string, { createRevision: number; value: string }>();
  readonly #listeners = new Set<(leader: string | undefined) => void>();
  readonly #watch: EtcdWatch;
  readonly #logger: Logger;
  #leader: string | undefined;
  #leaderKey: string | undefined;

  private constructor(
    watch: EtcdWatch,
    initial: { key: string; createRevision: number; value: string }[],
    logger: Logger,
  ) {
    this.#watch = watch;
    this.#logger = logger;
    for (const c of initial)
      this.#candidates.set(c.key, { createRevision: c.createRevision, value: c.value });
    this.#recompute(false);
    void this.#follow();
  }

  static async start(
    name: string,
    context: ElectionContext,
    signal?: AbortSignal,
  ): Promise<EtcdLeaderObserver> {
    const prefix = electionPrefix(name);
    let snapshot;
    try {
      snapshot = await abortable(context.namespace.getAll().prefix(prefix).exec(), signal);
    } catch (err) {
      if (signal?.aborted) throw err;
      throw translateEtcdError(err, `observe election ${name}`, { election: name });
    }
    const watch = new EtcdWatch({
      namespace: context.namespace,
      key: prefix,
      isPrefix: true,
      startRevision: toSafeInteger(snapshot.header.revision, 'revision') + 1,
      logger: context.logger,
      closeTimeoutMs: context.requestTimeoutMs,
    });
    const initial = snapshot.kvs.map((kv) => ({
      key: kv.key.toString('utf8'),
      createRevision: toSafeInteger(kv.create_revision, 'create_revision'),
      value: kv.value.toString('utf8'),
    }));
    return new EtcdLeaderObserver(watch, initial, context.logger.child({ election: name }));
  }

  get leader(): string | undefined {
    return this.#leader;
  }

  onChange(listener: (leader: string | undefined) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): Promise<void> {
    return this.#watch.close();
  }

  async #follow(): Promise<void> {
    try {
      for await (const event of this.#watch) {
        if (event.type === 'put') {
          this.#candidates.set(event.key, {
            createRevision: event.createRevision,
            value: event.value.toString('utf8'),
          });
        } else {
          this.#candidates.delete(event.key);
        }
        this.#recompute(true);
      }
    } catch (err) {
      this.#logger.error({ err }, 'election observer stopped');
    }
  }

  #recompute(shouldNotify: boolean): void {
    let best: [string, { createRevision: number; value: string }] | undefined;
    for (const entry of this.#candidates)
      if (!best || entry[1].createRevision < best[1].createRevision) best = entry;
    const leader = best?.[1].value;
    const leaderKey = best?.[0];
    if (leader === this.#leader && leaderKey === this.#leaderKey) return;
    this.#leader = leader;
    this.#leaderKey = leaderKey;
    if (!shouldNotify) return;
    for (const listener of this.#listeners) {
      try {
        listener(leader);
      } catch (err) {
        this.#logger.error({ err }, 'leader listener threw');
      }
    }
  }
}
