/**
 * The etcd sessions of a node process, one per distinct `etcd` section: the process's topology and the
 * topology its supervisor runs name the same etcd (one session) unless a topology version moves it. A
 * topology reload asks for the session of its section and gets the open one when the section is unchanged;
 * sessions no topology in use names any more are stopped once their users stopped (`keepOnly`), the rest on
 * `stop()`, each exactly once.
 */
import type { TopologyConfig } from '../../topology/index.ts';
import type { CoordinationSession } from '../coordination-ports/index.ts';

/** A session its owner starts and stops. */
export interface OwnedSession extends CoordinationSession {
  start(): void;
  stop(): Promise<void>;
}

export interface EtcdSessionsOptions {
  /** Makes a session (not started) for a topology's etcd section. */
  open(config: TopologyConfig): OwnedSession;
  /** What tells two etcd sections apart (etcdSectionKey). */
  key(config: TopologyConfig): string;
}

export class EtcdSessions {
  readonly #options: EtcdSessionsOptions;
  /** By section key, in the order they were opened. */
  readonly #open = new Map<string, OwnedSession>();
  #isStopped = false;

  constructor(options: EtcdSessionsOptions) {
    this.#options = options;
  }

  /** How many sessions are open. */
  get size(): number {
    return this.#open.size;
  }

  /** The started session of `config`'s etcd section: the open one when there is one. */
  for(config: TopologyConfig): OwnedSession {
    if (this.#isStopped) throw new Error('the etcd sessions are stopped');
    const key = this.#options.key(config);
    let session = this.#open.get(key);
    if (!session) {
      session = this.#options.open(config);
      this.#open.set(key, session);
      session.start();
    }
    return session;
  }

  /** Stops the sessions of sections none of `configs` names (their users have stopped). */
  async keepOnly(configs: readonly TopologyConfig[]): Promise<void> {
    const kept = new Set(configs.map((c) => this.#options.key(c)));
    const unused = [...this.#open].filter(([key]) => !kept.has(key));
    for (const [key] of unused) this.#open.delete(key);
    await Promise.all(unused.map(([, session]) => session.stop()));
  }

  /** Stops every session, newest first; idempotent. */
  async stop(): Promise<void> {
    this.#isStopped = true;
    const sessions = [...this.#open.values()].reverse();
    this.#open.clear();
    for (const session of sessions) await session.stop();
  }
}
