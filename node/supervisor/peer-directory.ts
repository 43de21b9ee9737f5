/**
 * Where to call each peer region's node: at a live instance the region registered in etcd (the oldest one,
 * so callers do not hop between instances), or at the region's `node.advertise` (else `node.grpc`) from the topology when etcd lists
 * no live instance of the region or cannot be read (docs/coordination.md, "Peer discovery").
 *
 * `MemberView` is the pure part: the registered members at one etcd revision, kept up to date by membership
 * events, and `choosePeerAddress` picks an address from it. `PeerDirectory` feeds a view from etcd: it lists
 * the members, watches from the list's revision (joins and leaves arrive as they happen), and lists again
 * every `refreshMs` — which both tells whether etcd can be read and heals the view should a watch miss
 * anything. It never holds anything up: `start()` returns at once and everything runs in the background on
 * the process's etcd session (waiting for it while it connects), retrying every `retryMs` while etcd cannot
 * be read.
 *
 * States of a PeerDirectory (logged on every change):
 *   idle → connecting → following ⇄ unreachable → stopped
 *   connecting (the session not connected yet) → unreachable (etcd cannot be read); any → stopped
 */
import type {
  CoordinationSession,
  MemberRecord,
  MemberRegistry,
  MembershipEvent,
} from '../coordination-ports/index.ts';
import { NODE_DEFAULTS } from '../config/index.ts';
import type { Logger } from '../log/index.ts';
import { delay } from '../lifecycle/index.ts';

/** `etcd`: a live instance registered by the region; `topology`: the region's `node.advertise`, else `node.grpc`. */
export type PeerAddressSource = 'etcd' | 'topology';

/** The address to call a region's node at, and where it comes from. */
export interface PeerAddress {
  readonly address: string;
  readonly source: PeerAddressSource;
  /** The registered instance's id (source `etcd`), else null. */
  readonly instance: string | null;
}

export type PeerDirectoryState = 'idle' | 'connecting' | 'following' | 'unreachable' | 'stopped';

const memberId = (region: string, id: string): string => `${region}/${id}`;

/**
 * The members registered in etcd as of `revision`. `replace` takes a listing, `apply` a watch event; either
 * is ignored when it is not newer than what the view already reflects, so a listing and a watch running side
 * by side never roll the view back.
 */
export class MemberView {
  readonly #members = new Map<string, MemberRecord>();
  #revision = 0;

  /** The etcd revision the view reflects; 0 before the first listing. */
  get revision(): number {
    return this.#revision;
  }

  /** Every member, in no particular order. */
  members(): MemberRecord[] {
    return [...this.#members.values()];
  }

  /** Takes a listing read at `revision`; returns false (and changes nothing) if the view is newer. */
  replace(members: readonly MemberRecord[], revision: number): boolean {
    if (revision < this.#revision) return false;
    this.#members.clear();
    for (const m of members) this.#members.set(memberId(m.region, m.id), m);
    this.#revision = revision;
    return true;
  }

  /** Applies a watch event; returns false (and changes nothing) if the view already reflects it. */
  apply(event: MembershipEvent): boolean {
    if (event.revision <= this.#revision) return false;
    if (event.type === 'left') this.#members.delete(memberId(event.region, event.id));
    else this.#members.set(memberId(event.member.region, event.member.id), event.member);
    this.#revision = event.revision;
    return true;
  }
}

/**
 * Where to call `region`'s node: its oldest live registered instance (lowest create revision: registered
 * first; ties, which etcd never makes, by id), or `fallback` (the topology's `nodeAddress`) when etcd cannot
 * be read or lists no instance of the region.
 */
export function choosePeerAddress(
  members: Iterable<MemberRecord>,
  region: string,
  fallback: string,
  isEtcdReadable: boolean,
): PeerAddress {
  let oldest: MemberRecord | undefined;
  if (isEtcdReadable) {
    for (const m of members) {
      if (m.region !== region || m.address === '') continue;
      if (
        !oldest ||
        m.createRevision < oldest.createRevision ||
        (m.createRevision === oldest.createRevision && m.id < oldest.id)
      )
        oldest = m;
    }
  }
  return oldest
    ? { address: oldest.address, source: 'etcd', instance: oldest.id }
    : { address: fallback, source: 'topology', instance: null };
}

export interface PeerDirectoryOptions {
  /** The process's etcd session. */
  session: CoordinationSession;
  logger: Logger;
  /** How often the members are listed again while the watch runs; default NODE_DEFAULTS.peerDirectory. */
  refreshMs?: number;
  /** Deadline of one listing (etcd counts as unreadable after it); default NODE_DEFAULTS.peerDirectory. */
  listTimeoutMs?: number;
  /** Pause before a failed watch is started again, at most `retryMs`; default NODE_DEFAULTS.peerDirectory. */
  watchRestartMs?: number;
  /** Pause after a failure before listing again; default NODE_DEFAULTS.etcdRetryMs. */
  retryMs?: number;
}

const DEFAULTS = NODE_DEFAULTS.peerDirectory;

export class PeerDirectory {
  readonly #options: PeerDirectoryOptions;
  readonly #logger: Logger;
  readonly #stop = new AbortController();
  readonly #view = new MemberView();
  #state: PeerDirectoryState = 'idle';
  #isReadable = false;
  #loop: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;
  #failures = 0;

  constructor(options: PeerDirectoryOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'peer-directory' });
  }

  get state(): PeerDirectoryState {
    return this.#state;
  }

  /** True while the last listing of etcd succeeded (the view is trusted). */
  get isEtcdReadable(): boolean {
    return this.#isReadable;
  }

  /** The live members as last seen (stale while etcd cannot be read). */
  members(): MemberRecord[] {
    return this.#view.members();
  }

  /** Where to call `region`'s node now; `fallback` is its topology address (`nodeAddress`). */
  address(region: string, fallback: string): PeerAddress {
    return choosePeerAddress(this.#view.members(), region, fallback, this.#isReadable);
  }

  /** Starts following etcd in the background; returns at once. */
  start(): void {
    if (this.#state !== 'idle') return;
    this.#setState('connecting');
    this.#loop = this.#run();
  }

  /** Stops following (the session stays open for its owner to close); idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#stop.abort();
      await this.#loop;
      this.#isReadable = false;
      this.#setState('stopped');
    })();
    return this.#stopping;
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    const retryMs = this.#options.retryMs ?? NODE_DEFAULTS.etcdRetryMs;
    while (!signal.aborted) {
      try {
        const registry = await this.#options.session.ready(signal);
        await this.#list(registry, signal);
        try {
          await this.#follow(registry, signal);
        } catch (err) {
          // A watch that failed (compacted start, overflow, closed client) says nothing of etcd's health:
          // the view stays trusted, and the next listing starts a new watch.
          if (signal.aborted) break;
          this.#logger.warn({ err }, 'the membership watch failed: listing the members again');
          await delay(Math.min(retryMs, this.#options.watchRestartMs ?? DEFAULTS.watchRestartMs), signal);
        }
      } catch (err) {
        if (signal.aborted) break;
        this.#unreadable(err);
        await delay(retryMs, signal);
      }
    }
  }

  /** Watches from the view's revision, listing again every `refreshMs`, until stopped or the watch fails. */
  async #follow(registry: MemberRegistry, signal: AbortSignal): Promise<void> {
    const watch = registry.watchMembers({ startRevision: this.#view.revision + 1, signal });
    let isListing = false;
    const refresh = setInterval(() => {
      if (isListing) return; // a frozen etcd: one listing at a time
      isListing = true;
      this.#list(registry, signal)
        .catch((err: unknown) => {
          if (!signal.aborted) this.#unreadable(err);
        })
        .finally(() => (isListing = false));
    }, this.#options.refreshMs ?? DEFAULTS.refreshMs);
    try {
      for await (const event of watch) {
        if (this.#view.apply(event)) this.#logEvent(event);
      }
    } finally {
      clearInterval(refresh);
      await watch.close().catch(() => undefined);
    }
    if (!signal.aborted) throw new Error('the membership watch ended');
  }

  /** Lists the members; the view takes the listing, and etcd counts as readable. Throws when it cannot. */
  async #list(registry: MemberRegistry, signal: AbortSignal): Promise<void> {
    const timeout = AbortSignal.timeout(this.#options.listTimeoutMs ?? DEFAULTS.listTimeoutMs);
    const { members, revision } = await registry.listMembers({ signal: AbortSignal.any([signal, timeout]) });
    if (signal.aborted) return;
    this.#view.replace(members, revision);
    this.#isReadable = true;
    if (this.#failures > 0) this.#logger.info({ failures: this.#failures }, 'etcd readable again');
    this.#failures = 0;
    this.#setState('following');
  }

  #unreadable(err: unknown): void {
    this.#isReadable = false;
    this.#setState('unreachable');
    // The first failure of a streak is a warning; repeats are debug, so an absent etcd does not flood.
    if (this.#failures++ === 0)
      this.#logger.warn(
        { err },
        'cannot read the members in etcd: peers are called at their topology addresses',
      );
    else this.#logger.debug({ err, failures: this.#failures }, 'reading the members in etcd failed');
  }

  #logEvent(event: MembershipEvent): void {
    if (event.type === 'left')
      this.#logger.info({ region: event.region, instance: event.id }, 'instance left');
    else
      this.#logger.info(
        { region: event.member.region, instance: event.member.id, address: event.member.address },
        event.type === 'joined' ? 'instance joined' : 'instance updated',
      );
  }

  #setState(state: PeerDirectoryState): void {
    if (state === this.#state) return;
    this.#logger.info({ from: this.#state, to: state }, 'peer directory state');
    this.#state = state;
  }
}
