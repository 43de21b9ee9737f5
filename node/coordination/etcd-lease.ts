/**
 * A lease kept alive by etcd3's keepalive stream, with a conservative loss detector of our own.
 *
 * States: `alive` → `lost` | `revoked` | `released` (all final).
 * - `lost`: etcd said the lease is gone, or no renewal was confirmed for a full TTL. etcd3 alone would only
 *   report loss after 2×TTL without contact; by then etcd may have expired the lease and someone else may own
 *   what it fenced. We measure from the moment the last confirmed keepalive was *sent* (etcd restarted the TTL
 *   no earlier than that) and declare loss once a TTL has passed.
 * - `revoked`: `revoke()` asked etcd to end it (its keys are deleted).
 * - `released`: `release()` stopped the keepalives; etcd deletes the keys once the TTL runs out.
 */
import type { Lease as EtcdLeaseHandle, Namespace } from 'etcd3';
import { GeomeshError } from '../../base/index.ts';
import type { Logger } from '../log/index.ts';
import { abortable } from './abortable.ts';
import { translateEtcdError } from './etcd-errors.ts';
import type { CoordinationLease, LeaseState } from '../coordination-ports/index.ts';

export interface EtcdLeaseGrant {
  namespace: Namespace;
  ttlMs: number;
  logger: Logger;
  signal?: AbortSignal;
}

export class EtcdLease implements CoordinationLease {
  readonly id: string;
  readonly #lease: EtcdLeaseHandle;
  readonly #logger: Logger;
  readonly #controller = new AbortController();
  readonly #lostListeners = new Set<(err: Error) => void>();
  #ttlMs: number;
  #state: LeaseState = 'alive';
  /** Send times of keepalives not yet answered on the current stream, oldest first. */
  #pendingSends: number[] = [];
  /**
   * When the last renewal etcd confirmed was sent (or the grant was requested), on the monotonic clock: a
   * wall-clock step must not stretch how long the lease is believed alive.
   */
  #renewedAt: number;
  #watchdog: NodeJS.Timeout | undefined;
  #revoking: Promise<void> | undefined;

  private constructor(
    lease: EtcdLeaseHandle,
    id: string,
    ttlMs: number,
    requestedAt: number,
    logger: Logger,
  ) {
    this.#lease = lease;
    this.id = id;
    this.#ttlMs = ttlMs;
    this.#renewedAt = requestedAt;
    this.#logger = logger.child({ leaseId: id });
    lease.on('keepaliveEstablished', () => (this.#pendingSends = []));
    lease.on('keepaliveFired', () => this.#pendingSends.push(performance.now()));
    lease.on('keepaliveSucceeded', (res) => {
      const sentAt = this.#pendingSends.shift();
      if (sentAt !== undefined && sentAt > this.#renewedAt) this.#renewedAt = sentAt;
      // etcd may grant more than asked (its minimum TTL); the keepalive answer carries the real TTL.
      const grantedMs = Number(res.TTL) * 1_000;
      if (Number.isSafeInteger(grantedMs) && grantedMs > this.#ttlMs) this.#ttlMs = grantedMs;
    });
    lease.on('lost', (err) => this.#markLost(translateEtcdError(err, `lease ${id} lost`, { leaseId: id })));
    const checkEveryMs = Math.min(1_000, Math.max(100, Math.floor(ttlMs / 10)));
    this.#watchdog = setInterval(() => this.#check(), checkEveryMs);
    this.#watchdog.unref();
  }

  /** Grants a lease of `ttlMs` (rounded up to whole seconds) and starts keeping it alive. */
  static async grant(options: EtcdLeaseGrant): Promise<EtcdLease> {
    const ttlSeconds = Math.ceil(options.ttlMs / 1_000);
    if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1) {
      throw new GeomeshError(
        'GEOMESH_CONFIG_INVALID',
        `lease TTL must be at least 1,000 ms, got ${options.ttlMs}`,
      );
    }
    const requestedAt = performance.now();
    const lease = options.namespace.lease(ttlSeconds);
    // etcd3 also reports a failed grant as 'lost'; the rejection of grant() below is what we act on.
    const swallow = () => undefined;
    lease.on('lost', swallow);
    let id: string;
    try {
      id = await abortable(lease.grant(), options.signal);
    } catch (err) {
      lease.release();
      // If the grant succeeds after an abort, give the lease back instead of leaving it to expire.
      lease
        .grant()
        .then(() => lease.revoke(), swallow)
        .catch(swallow);
      if (options.signal?.aborted) throw err;
      throw translateEtcdError(err, `grant lease (TTL ${ttlSeconds} s)`);
    }
    lease.off('lost', swallow);
    return new EtcdLease(lease, id, ttlSeconds * 1_000, requestedAt, options.logger);
  }

  get ttlMs(): number {
    return this.#ttlMs;
  }

  get state(): LeaseState {
    return this.#state;
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  validForMs(): number {
    if (this.#state !== 'alive') return 0;
    return Math.max(0, this.#renewedAt + this.#ttlMs - performance.now());
  }

  onLost(listener: (err: Error) => void): () => void {
    if (this.#state === 'lost') {
      queueMicrotask(() => listener(this.#controller.signal.reason as Error));
      return () => undefined;
    }
    this.#lostListeners.add(listener);
    return () => this.#lostListeners.delete(listener);
  }

  revoke(): Promise<void> {
    if (this.#revoking) return this.#revoking;
    if (this.#state !== 'alive') return (this.#revoking = Promise.resolve());
    this.#end('revoked', new GeomeshError('GEOMESH_COORD_CLOSED', `lease ${this.id} was revoked`));
    this.#revoking = this.#lease.revoke().catch((err: unknown) => {
      // etcd deletes the keys when the TTL runs out anyway; the caller decides whether that is good enough.
      throw translateEtcdError(err, `revoke lease ${this.id}`, { leaseId: this.id });
    });
    return this.#revoking;
  }

  release(): void {
    if (this.#state !== 'alive') return;
    this.#end('released', new GeomeshError('GEOMESH_COORD_CLOSED', `lease ${this.id} was released`));
    this.#lease.release();
  }

  #check(): void {
    const silentMs = performance.now() - this.#renewedAt;
    if (silentMs >= this.#ttlMs) {
      this.#markLost(
        new GeomeshError(
          'GEOMESH_COORD_LEASE_LOST',
          `lease ${this.id}: no renewal confirmed by etcd for ${silentMs} ms (TTL ${this.#ttlMs} ms); ` +
            'treating it as expired',
          { details: { leaseId: this.id, ttlMs: this.#ttlMs } },
        ),
      );
    }
  }

  #markLost(err: GeomeshError): void {
    if (this.#state !== 'alive') return;
    const lostErr =
      err.code === 'GEOMESH_COORD_LEASE_LOST'
        ? err
        : new GeomeshError('GEOMESH_COORD_LEASE_LOST', `lease ${this.id} lost: ${err.message}`, {
            cause: err,
            details: { leaseId: this.id },
          });
    this.#logger.warn({ err: lostErr.toJSON() }, 'lease lost');
    this.#end('lost', lostErr);
    this.#lease.release();
    for (const listener of this.#lostListeners) {
      try {
        listener(lostErr);
      } catch (listenerErr) {
        this.#logger.error({ err: listenerErr }, 'lease-lost listener threw');
      }
    }
    this.#lostListeners.clear();
  }

  #end(state: LeaseState, reason: GeomeshError): void {
    this.#state = state;
    clearInterval(this.#watchdog);
    this.#watchdog = undefined;
    this.#controller.abort(reason);
    this.#logger.debug({ state }, 'lease state');
  }
}
