/**
 * The process's one etcd connection (the `CoordinationSession` port), and the one way to open a coordinator.
 *
 * `connectCoordinator` makes an `EtcdCoordinator` and starts it, stopping it again when the start fails: the
 * CLI's short-lived verbs use it directly. `EtcdSession` is what a node process opens once: `start()` (or the
 * first `ready()`) returns at once and connects in the background, trying again every `retryMs` while etcd cannot be reached (each
 * attempt bounded by the coordinator's dialTimeoutMs). Once connected it stays connected until stopped: the
 * coordinator's requests fail retryably while etcd is away, and its watches and leases reconnect by themselves,
 * so no user reconnects. `stop()` closes the coordinator (revoking what it still holds); idempotent.
 *
 * States (logged on every change): idle → connecting → connected → stopped; idle | connecting → stopped.
 */
import { GeomeshError } from '../../base/index.ts';
import type {
  Coordination,
  CoordinationSession,
  CoordinationSessionState,
} from '../coordination-ports/index.ts';
import type { Logger } from '../log/index.ts';
import { delay } from '../lifecycle/index.ts';
import { resolveCoordinationConfig, type CoordinationOptions } from './coordination-options.ts';
import { EtcdCoordinator } from './etcd-coordinator.ts';

/** Starts a coordinator; when it cannot reach etcd (dialTimeoutMs) or `signal` aborts, stops it and rejects. */
export async function connectCoordinator(
  options: CoordinationOptions,
  signal?: AbortSignal,
): Promise<EtcdCoordinator> {
  const coordinator = new EtcdCoordinator(options);
  try {
    await coordinator.start(signal);
    return coordinator;
  } catch (err) {
    await coordinator.stop().catch(() => undefined);
    throw err;
  }
}

/** What a session connects with: a coordinator started, or a rejection (tests pass a fake). */
type Connect = (signal: AbortSignal) => Promise<Coordination & { stop(): Promise<void> }>;

export interface EtcdSessionOptions {
  /** Where etcd is and how to talk to it; validated at construction (throws GEOMESH_CONFIG_INVALID). */
  coordination: CoordinationOptions;
  /** Pause between failed connection attempts, in ms. */
  retryMs: number;
  /** Default: `connectCoordinator` with `coordination`. */
  connect?: Connect;
}

export class EtcdSession implements CoordinationSession {
  readonly #logger: Logger;
  readonly #retryMs: number;
  readonly #connect: Connect;
  readonly #stop = new AbortController();
  #state: CoordinationSessionState = 'idle';
  #coordination: (Coordination & { stop(): Promise<void> }) | undefined;
  #lastError: string | undefined;
  #loop: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;
  readonly #waiters = new Set<() => void>();

  constructor(options: EtcdSessionOptions) {
    this.#logger = options.coordination.logger.child({ component: 'etcd-session' });
    this.#retryMs = options.retryMs;
    if (options.connect) this.#connect = options.connect;
    else {
      // Validates now, so a bad etcd section fails before anything starts.
      resolveCoordinationConfig(options.coordination);
      this.#connect = (signal) => connectCoordinator(options.coordination, signal);
    }
  }

  get state(): CoordinationSessionState {
    return this.#state;
  }

  get lastError(): string | undefined {
    return this.#lastError;
  }

  current(): Coordination | undefined {
    return this.#coordination;
  }

  /** Starts connecting in the background; returns at once. Only the first call does anything. */
  start(): void {
    if (this.#state !== 'idle') return;
    this.#setState('connecting');
    this.#loop = this.#run();
  }

  /** As the port says; the first call starts the session when nobody has (a session nothing uses never connects). */
  ready(signal?: AbortSignal): Promise<Coordination> {
    if (this.#coordination) return Promise.resolve(this.#coordination);
    this.start();
    if (this.#state === 'stopped') return Promise.reject(this.#closedError());
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<Coordination>((resolve, reject) => {
      const settle = () => {
        this.#waiters.delete(settle);
        signal?.removeEventListener('abort', settle);
        if (this.#coordination) resolve(this.#coordination);
        else if (signal?.aborted) reject(signal.reason as Error);
        else reject(this.#closedError());
      };
      this.#waiters.add(settle);
      signal?.addEventListener('abort', settle, { once: true });
    });
  }

  /** Stops connecting, closes the coordinator; idempotent, concurrent callers share one promise. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#stop.abort();
      await this.#loop;
      const coordination = this.#coordination;
      this.#coordination = undefined;
      this.#setState('stopped');
      this.#wake();
      await coordination
        ?.stop()
        .catch((err: unknown) => this.#logger.warn({ err }, 'closing the etcd connection failed'));
    })();
    return this.#stopping;
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    let failures = 0;
    while (!signal.aborted) {
      try {
        const coordination = await this.#connect(signal);
        if (signal.aborted) {
          await coordination.stop().catch(() => undefined);
          return;
        }
        this.#coordination = coordination;
        this.#lastError = undefined;
        this.#setState('connected');
        this.#wake();
        return;
      } catch (err) {
        if (signal.aborted) return;
        this.#lastError = err instanceof Error ? err.message : String(err);
        // The first failure of a streak is a warning; repeats are debug, so an absent etcd does not flood.
        if (failures++ === 0)
          this.#logger.warn(
            { err, retryMs: this.#retryMs },
            'cannot reach etcd; replication goes on, retrying',
          );
        else this.#logger.debug({ err, failures }, 'etcd connection attempt failed');
        await delay(this.#retryMs, signal);
      }
    }
  }

  #wake(): void {
    for (const settle of [...this.#waiters]) settle();
  }

  #closedError(): GeomeshError {
    return new GeomeshError('GEOMESH_COORD_CLOSED', `the etcd session is ${this.#state}`);
  }

  #setState(state: CoordinationSessionState): void {
    if (state === this.#state) return;
    this.#logger.info({ from: this.#state, to: state }, 'etcd session state');
    this.#state = state;
  }
}
