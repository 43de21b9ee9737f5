/**
 * Keeps one node instance registered in etcd (`nodes/<region>/<id>` on its own lease, see
 * docs/coordination.md) for as long as the node runs, without ever holding replication up: `start()` returns
 * at once and the registration is made in the background; when etcd cannot be reached, refuses the
 * registration or the lease is lost, it logs and tries again every `retryMs`. It uses the process's etcd
 * session (waiting for it while it connects) and never opens a connection of its own. `stop()` deregisters
 * (revokes the lease, so the key goes at once); the session stays open for its owner to close.
 *
 * States (logged on every change):
 *   idle → connecting → registered ⇄ retrying → stopped
 *   connecting (the session not connected yet; reported `retrying` once it failed to connect) → retrying
 *   (registration refused or failed); any → stopped
 */
import type {
  CoordinationSession,
  DocumentStore,
  MemberInfo,
  MemberRecord,
  MemberRegistration,
  MemberRegistry,
} from '../coordination-ports/index.ts';
import { NODE_DEFAULTS } from '../config/index.ts';
import { hostname } from 'node:os';
import type { Logger } from '../log/index.ts';
import { delay } from '../lifecycle/index.ts';

export type RegistrationState = 'idle' | 'connecting' | 'registered' | 'retrying' | 'stopped';

export interface NodeRegistrationOptions {
  member: MemberInfo;
  /** The process's etcd session. */
  session: CoordinationSession;
  logger: Logger;
  /** Pause between failed attempts; default NODE_DEFAULTS.etcdRetryMs. */
  retryMs?: number;
}

/**
 * The default instance id, `<host>-<pid>`, made a valid etcd name (lowercase letters, digits, `.`, `_`, `-`,
 * at most 63 characters). The pid makes a restarted process a new instance, so it never waits for its
 * previous registration's lease to expire.
 */
export function defaultInstanceId(host: string = hostname(), pid: number = process.pid): string {
  const suffix = `-${pid}`;
  const name = host
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 63 - suffix.length)
    .replace(/[^a-z0-9]+$/, '');
  return `${name || 'node'}${suffix}`;
}

/** `host:port` others can dial: a wildcard listen host (0.0.0.0, ::) is replaced by this machine's name. */
export function advertisedAddress(bound: string, host: string = hostname()): string {
  const match = /^(.*):(\d+)$/.exec(bound);
  if (!match) return bound;
  const listen = match[1]!;
  return ['0.0.0.0', '::', '[::]', ''].includes(listen) ? `${host}:${match[2]!}` : bound;
}

export class NodeRegistration {
  readonly #options: NodeRegistrationOptions;
  readonly #logger: Logger;
  readonly #stop = new AbortController();
  #state: RegistrationState = 'idle';
  #registration: MemberRegistration | undefined;
  #loop: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;
  #lastError: string | undefined;

  constructor(options: NodeRegistrationOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'registration', instance: options.member.id });
  }

  /** The state; `connecting` reads `retrying` once the etcd session failed to connect (etcd unreachable). */
  get state(): RegistrationState {
    const isUnreachable = this.#state === 'connecting' && this.#options.session.lastError !== undefined;
    return isUnreachable ? 'retrying' : this.#state;
  }

  get member(): MemberInfo {
    return this.#options.member;
  }

  /** Why the last attempt failed, while retrying; while connecting, why the session is not connected yet. */
  get lastError(): string | undefined {
    return this.#lastError ?? (this.#state === 'connecting' ? this.#options.session.lastError : undefined);
  }

  /** Starts registering in the background; returns at once. */
  start(): void {
    if (this.#state !== 'idle') return;
    this.#setState('connecting');
    this.#loop = this.#run();
  }

  /** The mesh's registered members, through the etcd session; rejects while it is not connected. */
  async listMembers(signal?: AbortSignal): Promise<MemberRecord[]> {
    return (await this.documents().listMembers(signal ? { signal } : {})).members;
  }

  /** The etcd session's documents (and members); throws while it is not connected. */
  documents(): DocumentStore & Pick<MemberRegistry, 'listMembers'> {
    const coordination = this.#options.session.current();
    if (!coordination) {
      const why = this.#options.session.lastError;
      throw new Error(why ? `not connected to etcd: ${why}` : 'not connected to etcd yet');
    }
    return coordination;
  }

  /** Deregisters; idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#stop.abort();
      await this.#loop;
      const registration = this.#registration;
      this.#registration = undefined;
      await registration
        ?.deregister()
        .catch((err: unknown) =>
          this.#logger.warn({ err }, 'deregistration failed; the key goes when its lease expires'),
        );
      this.#setState('stopped');
    })();
    return this.#stopping;
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    const retryMs = this.#options.retryMs ?? NODE_DEFAULTS.etcdRetryMs;
    let failures = 0;
    while (!signal.aborted) {
      try {
        const coordination = await this.#options.session.ready(signal);
        const registration = await coordination.register(this.#options.member, { signal });
        this.#registration = registration;
        this.#lastError = undefined;
        failures = 0;
        this.#setState('registered');
        await new Promise<void>((resolve) => {
          const done = () => resolve();
          if (signal.aborted || registration.lease.signal.aborted) return resolve();
          signal.addEventListener('abort', done, { once: true });
          registration.lease.signal.addEventListener('abort', done, { once: true });
        });
        if (signal.aborted) break;
        this.#registration = undefined;
        this.#lastError = 'the registration lease was lost';
        this.#setState('retrying');
        this.#logger.warn('registration lease lost (etcd unreachable for a TTL?): registering again');
      } catch (err) {
        if (signal.aborted) break;
        this.#lastError = err instanceof Error ? err.message : String(err);
        this.#setState('retrying');
        // The first failure of a streak is a warning; repeats are debug, so an absent etcd does not flood.
        if (failures++ === 0)
          this.#logger.warn(
            { err, retryMs },
            'cannot register this instance in etcd; replication goes on, retrying',
          );
        else this.#logger.debug({ err, failures }, 'registration attempt failed');
        await delay(retryMs, signal);
      }
    }
  }

  #setState(state: RegistrationState): void {
    if (state === this.#state) return;
    this.#logger.info({ from: this.#state, to: state }, 'registration state');
    this.#state = state;
  }
}
