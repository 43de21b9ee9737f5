/**
 * The lifecycle every long-lived component of geomesh shares (STYLE.md, "Lifecycles"):
 *
 * - `start(signal)` resolves when the component is ready; aborting `signal` abandons a start that waits.
 * - `stop()` drains (stop intake, finish in-flight, flush, release) and is idempotent: concurrent and later
 *   callers share one promise. A stop during start waits for the start to settle first.
 * - `state` moves idle → starting → running → stopping → stopped, or starting → failed (the start threw) and
 *   running → failed (a fatal error); every change is logged.
 * - `closed` resolves once the component is stopped or failed: with the fatal error, or undefined.
 *
 * `Lifecycle` is the part components embed: it holds the state, logs its changes, shares the stop promise and
 * settles `closed`; the component supplies what starting and stopping do.
 */
import type { Logger } from '../log/index.ts';

export type LifecycleState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

/** What every long-lived component offers its owner. */
export interface Component {
  readonly state: LifecycleState;
  start(signal?: AbortSignal): Promise<void>;
  stop(): Promise<void>;
  /** Settles once stopped or failed: with the fatal error, or undefined after a clean stop. */
  readonly closed: Promise<Error | undefined>;
}

export class Lifecycle {
  readonly #logger: Logger;
  readonly #name: string;
  #state: LifecycleState = 'idle';
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;
  #settle!: (error: Error | undefined) => void;
  readonly closed: Promise<Error | undefined>;

  /** `name` is logged with every state change (e.g. `region node`). */
  constructor(name: string, logger: Logger) {
    this.#name = name;
    this.#logger = logger;
    this.closed = new Promise((resolve) => (this.#settle = resolve));
  }

  get state(): LifecycleState {
    return this.#state;
  }

  /** True from the start until a stop begins (or it failed). */
  get isActive(): boolean {
    return this.#state === 'starting' || this.#state === 'running';
  }

  /**
   * Runs `body` once as the start (later calls share it). On a throw the state is `failed`, `cleanup` runs
   * (what the start had opened), `closed` settles with the error and the error is rethrown.
   */
  start(body: () => Promise<void> | void, cleanup?: () => Promise<void> | void): Promise<void> {
    this.#starting ??= (async () => {
      if (this.#state !== 'idle') throw new Error(`${this.#name} cannot start: it is ${this.#state}`);
      this.#move('starting');
      try {
        await body();
      } catch (err) {
        this.#move('failed');
        await Promise.resolve()
          .then(cleanup)
          .catch((e: unknown) =>
            this.#logger.warn({ err: e }, `${this.#name}: cleanup after a failed start failed`),
          );
        const error = err instanceof Error ? err : new Error(String(err));
        this.#settle(error);
        throw error;
      }
      // A stop asked for during the start has moved the state on already.
      if ((this.#state as LifecycleState) === 'starting') this.#move('running');
    })();
    return this.#starting;
  }

  /**
   * Runs `body` once as the stop; every caller shares its promise. A stop before any start only marks the
   * component stopped; a stop during the start waits for it to settle (a failed start needs no stop).
   */
  stop(body: () => Promise<void> | void): Promise<void> {
    this.#stopping ??= (async () => {
      if (this.#state === 'idle') {
        this.#move('stopped');
        this.#settle(undefined);
        return;
      }
      await this.#starting?.catch(() => undefined);
      if (this.#state === 'failed') return;
      this.#move('stopping');
      try {
        await body();
      } finally {
        this.#move('stopped');
        this.#settle(undefined);
      }
    })();
    return this.#stopping;
  }

  /** A fatal error while running: the state is `failed` and `closed` settles with the error. */
  fail(error: Error): void {
    if (this.#state === 'stopped' || this.#state === 'failed') return;
    this.#move('failed');
    this.#logger.error({ err: error }, `${this.#name} failed`);
    this.#settle(error);
  }

  #move(state: LifecycleState): void {
    this.#state = state;
    this.#logger.info({ state }, `${this.#name} state`);
  }
}
