/**
 * Shares the target partitions of a region among its live instances through etcd, with fencing
 * (docs/work-sharing.md). Each instance holds one lease; under it
 *
 *   work/<region>/instances/<id>           it announces itself as a worker (once its node runs), and
 *   work/<region>/owners/<topic>/<p>       it owns a target partition (created only if absent).
 *
 * Every `reconcileMs` it reads both prefixes, computes the assignment of every partition among the workers
 * from who holds what (`assignPartitions`, balanced and sticky, the same on every instance), gives up what
 * is no longer its own (writes stop, in-flight writes finish, the index is flushed, then the key is deleted)
 * and takes what is its own and free (key created, index loaded and tail scanned, then reading starts). A
 * partition whose key another instance still holds is waited for: the key goes when that instance hands it
 * over or its lease expires. So at most one instance holds a partition's key at any revision, and an
 * instance writes only while it holds the key **and** its lease is certainly alive (`isLeaseValid`, checked
 * by the region node right before each produce) — a frozen or cut-off instance stops writing before etcd can
 * give its partitions to anyone else.
 *
 * States: idle → running → stopping → stopped.
 */
import { isGeomeshError } from '../../base/index.ts';
import type { Logger } from '../log/index.ts';
import type { CoordinationLease, DocumentStore, LeaseGranter } from '../coordination-ports/index.ts';
import { assignPartitions, compareTopicPartitions, type TopicPartition } from './assignment.ts';
import { NODE_DEFAULTS } from '../config/index.ts';

/** What the ownership drives: the region node. */
export interface OwnershipHost {
  /** Every target partition to share (empty while the node is not running). */
  targetPartitions(): Promise<TopicPartition[]>;
  /** Starts reading and writing these partitions (their keys are held). */
  acquirePartitions(tps: readonly TopicPartition[]): Promise<void>;
  /** Stops reading and writing them; `isHandover`: the keys are still held, so flush for the next owner. */
  releasePartitions(tps: readonly TopicPartition[], isHandover: boolean): Promise<void>;
}

export interface PartitionOwnershipOptions {
  coordination: DocumentStore & LeaseGranter;
  region: string;
  instanceId: string;
  host: OwnershipHost;
  logger: Logger;
  /** TTL of the lease fencing every owner key (the region's `node.workSharing.leaseTtlMs`). */
  leaseTtlMs: number;
  /** How often the assignment is compared with the keys; default NODE_DEFAULTS.workReconcileMs. */
  reconcileMs?: number;
  /**
   * Deadline of each etcd request, in ms; default a quarter of the TTL, so that a renewal round or a key
   * write etcd cannot answer fails while the lease still holds. (The etcd session's own request deadline
   * bounds each request too.)
   */
  requestTimeoutMs?: number;
  /**
   * Writes stop when the lease has less than this left for certain; default a fifth of the TTL, at least
   * 1,000 ms. It covers the time between the check and the records leaving the process.
   */
  safetyMarginMs?: number;
}

export type OwnershipState = 'idle' | 'running' | 'stopping' | 'stopped';

export function ownersPrefix(region: string): string {
  return `work/${region}/owners/`;
}

export function ownerKey(region: string, tp: TopicPartition): string {
  return `${ownersPrefix(region)}${tp.topic}/${tp.partition}`;
}

function instancesPrefix(region: string): string {
  return `work/${region}/instances/`;
}

function keyOf(tp: TopicPartition): string {
  return `${tp.topic}\u0000${tp.partition}`;
}

/** The value of an owner key, version 1. */
interface OwnerRecordV1 {
  v: 1;
  instance: string;
  acquiredAt: string;
}

function parseOwner(value: Buffer): OwnerRecordV1 | undefined {
  try {
    const parsed = JSON.parse(value.toString('utf8')) as Partial<OwnerRecordV1>;
    return parsed.v === 1 && typeof parsed.instance === 'string' ? (parsed as OwnerRecordV1) : undefined;
  } catch {
    return undefined;
  }
}

export class PartitionOwnership {
  readonly #options: PartitionOwnershipOptions;
  readonly #logger: Logger;
  readonly #stop = new AbortController();
  #state: OwnershipState = 'idle';
  #lease: CoordinationLease | undefined;
  /** Owned partitions → the modRevision of their owner key. */
  readonly #owned = new Map<string, { tp: TopicPartition; modRevision: number }>();
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #lastError: string | undefined;
  /** The workers of the region as last read. */
  #workers: string[] = [];
  /** Owner key → the instance holding it, as the last round read the owner keys. */
  #holders = new Map<string, string | undefined>();
  /** The lease this instance's worker key was written under (written once per lease). */
  #announcedUnder: string | undefined;

  constructor(options: PartitionOwnershipOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'work-sharing', instance: options.instanceId });
  }

  get state(): OwnershipState {
    return this.#state;
  }

  /** The partitions this instance owns now, sorted. */
  get owned(): TopicPartition[] {
    return [...this.#owned.values()].map((o) => o.tp).sort(compareTopicPartitions);
  }

  /** The live workers of the region as last read (sorted ids). */
  get workers(): readonly string[] {
    return this.#workers;
  }

  /** The instance that held the owner key of `tp` when the last round read the keys, or undefined. */
  ownerOf(tp: TopicPartition): string | undefined {
    return this.#holders.get(ownerKey(this.#options.region, tp));
  }

  get lastError(): string | undefined {
    return this.#lastError;
  }

  get #ttlMs(): number {
    return this.#options.leaseTtlMs;
  }

  get #marginMs(): number {
    return this.#options.safetyMarginMs ?? Math.max(1_000, Math.floor(this.#ttlMs / 5));
  }

  /** True while the lease behind the owner keys is certainly alive for more than the safety margin. */
  isLeaseValid(): boolean {
    return this.leaseCertainForMs() > 0;
  }

  /** How much longer (ms) the lease is certainly alive beyond the safety margin; 0 once it is not. */
  leaseCertainForMs(): number {
    const lease = this.#lease;
    if (lease === undefined || lease.state !== 'alive') return 0;
    return Math.max(0, lease.validForMs() - this.#marginMs);
  }

  start(): void {
    if (this.#state !== 'idle') return;
    this.#state = 'running';
    this.#loop = this.#run();
  }

  /** Hands every partition over (flushed, keys deleted), then revokes the lease. */
  async stop(): Promise<void> {
    if (this.#state === 'stopped' || this.#state === 'stopping') return this.#loop;
    this.#state = 'stopping';
    this.#stop.abort();
    this.#wake?.();
    await this.#loop;
    const owned = [...this.#owned.values()];
    if (owned.length > 0) {
      const isHandover = this.isLeaseValid();
      await this.#options.host.releasePartitions(
        owned.map((o) => o.tp),
        isHandover,
      );
      this.#owned.clear();
    }
    await this.#lease?.revoke().catch((err: unknown) => {
      this.#logger.warn({ err }, 'could not revoke the work lease; its keys go when its TTL runs out');
    });
    this.#state = 'stopped';
  }

  async #run(): Promise<void> {
    const every = this.#options.reconcileMs ?? NODE_DEFAULTS.workReconcileMs;
    while (this.#state === 'running') {
      try {
        await this.#reconcile();
        this.#lastError = undefined;
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        if (message !== this.#lastError) this.#logger.warn({ err }, 'work sharing round failed; will retry');
        this.#lastError = message;
      }
      if (this.#state !== 'running') break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, every);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }

  async #reconcile(): Promise<void> {
    const { coordination, region, instanceId, host } = this.#options;
    const lease = await this.#leaseNow();
    const partitions = await host.targetPartitions();
    if (partitions.length === 0 || this.#state !== 'running') return;
    if (this.#announcedUnder !== lease.id) {
      await coordination.put(
        `${instancesPrefix(region)}${instanceId}`,
        JSON.stringify({ v: 1, instance: instanceId, since: new Date().toISOString() }),
        { lease, signal: this.#request() },
      );
      this.#announcedUnder = lease.id;
    }
    const workers = (
      await coordination.list(instancesPrefix(region), { signal: this.#request() })
    ).entries.map((e) => e.key.slice(instancesPrefix(region).length));
    if (!workers.includes(instanceId)) workers.push(instanceId);
    this.#workers = [...workers].sort();
    const holders = new Map<
      string,
      { instance: string | undefined; modRevision: number; leaseId?: string }
    >();
    for (const entry of (await coordination.list(ownersPrefix(region), { signal: this.#request() }))
      .entries) {
      holders.set(entry.key, {
        instance: parseOwner(entry.value)?.instance,
        modRevision: entry.modRevision,
        ...(entry.leaseId ? { leaseId: entry.leaseId } : {}),
      });
    }

    this.#holders = new Map([...holders].map(([key, h]) => [key, h.instance]));

    // Sticky: each worker keeps what it holds up to its share, so a join or leave moves only what it must.
    const mine = new Map(
      (
        assignPartitions(partitions, workers, (tp) => holders.get(ownerKey(region, tp))?.instance).get(
          instanceId,
        ) ?? []
      ).map((tp) => [keyOf(tp), tp]),
    );

    // Owned partitions whose key is gone or not ours any more: lost (someone deleted the key), not handed over.
    const lost = [...this.#owned.entries()].filter(([, o]) => {
      const holder = holders.get(ownerKey(region, o.tp));
      return holder?.instance !== instanceId || holder.leaseId !== lease.id;
    });
    if (lost.length > 0) {
      this.#logger.warn(
        { partitions: lost.map(([, o]) => o.tp) },
        'owner keys gone; dropping the partitions',
      );
      for (const [key] of lost) this.#owned.delete(key);
      await host.releasePartitions(
        lost.map(([, o]) => o.tp),
        false,
      );
    }

    // Hand over what is no longer ours: stop, flush, then delete the key (guarded by its revision).
    const handOver = [...this.#owned.entries()].filter(([key]) => !mine.has(key));
    if (handOver.length > 0) {
      await host.releasePartitions(
        handOver.map(([, o]) => o.tp),
        this.isLeaseValid(),
      );
      for (const [key, o] of handOver) {
        this.#owned.delete(key);
        await coordination
          .delete(ownerKey(region, o.tp), { expectedModRevision: o.modRevision, signal: this.#request() })
          .catch((err: unknown) => {
            // Not ours any more, or etcd away: the key goes with the lease at the latest.
            this.#logger.warn({ err, partition: o.tp }, 'could not delete a handed-over owner key');
          });
      }
      this.#logger.info({ partitions: handOver.length, workers: workers.length }, 'partitions handed over');
    }

    // Take what is ours and free.
    const acquired: { key: string; tp: TopicPartition; modRevision: number }[] = [];
    for (const [key, tp] of mine) {
      if (this.#owned.has(key) || holders.has(ownerKey(region, tp))) continue;
      if (!this.isLeaseValid() || this.#state !== 'running') break;
      const value: OwnerRecordV1 = { v: 1, instance: instanceId, acquiredAt: new Date().toISOString() };
      try {
        const modRevision = await coordination.put(ownerKey(region, tp), JSON.stringify(value), {
          lease,
          mustNotExist: true,
          signal: this.#request(),
        });
        acquired.push({ key, tp, modRevision });
      } catch (err) {
        if (!isGeomeshError(err, 'GEOMESH_COORD_CONFLICT')) throw err;
      }
    }
    if (acquired.length === 0) return;
    // Owned (and so released on stop or loss) from the moment the keys are held.
    for (const a of acquired) this.#owned.set(a.key, { tp: a.tp, modRevision: a.modRevision });
    try {
      await host.acquirePartitions(acquired.map((a) => a.tp));
    } catch (err) {
      // Give them back so that they do not sit unread under a key: another round (or instance) retries.
      for (const a of acquired) this.#owned.delete(a.key);
      await host.releasePartitions(
        acquired.map((a) => a.tp),
        false,
      );
      for (const a of acquired) {
        await coordination
          .delete(ownerKey(region, a.tp), { expectedModRevision: a.modRevision, signal: this.#request() })
          .catch(() => undefined);
      }
      throw err;
    }
  }

  /** The signal of one etcd request: the stop, or the request deadline. */
  #request(): AbortSignal {
    const timeoutMs = this.#options.requestTimeoutMs ?? Math.floor(this.#ttlMs / 4);
    return AbortSignal.any([this.#stop.signal, AbortSignal.timeout(timeoutMs)]);
  }

  /** The live lease, granted anew (after dropping everything it fenced) when the last one ended. */
  async #leaseNow(): Promise<CoordinationLease> {
    const current = this.#lease;
    if (current?.state === 'alive') return current;
    if (this.#owned.size > 0) {
      const owned = [...this.#owned.values()].map((o) => o.tp);
      this.#owned.clear();
      this.#logger.warn(
        { partitions: owned.length },
        'work lease lost: stopped writing; partitions dropped until a new lease is granted',
      );
      await this.#options.host.releasePartitions(owned, false);
    }
    const lease = await this.#options.coordination.grantLease({
      ttlMs: this.#ttlMs,
      signal: this.#request(),
    });
    lease.onLost(() => this.#wake?.());
    this.#lease = lease;
    this.#logger.info({ leaseId: lease.id, ttlMs: lease.ttlMs }, 'work lease granted');
    return lease;
  }
}
