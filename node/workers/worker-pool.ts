/**
 * The main thread's side of a node's worker threads (docs/work-sharing.md, "Worker threads"): starts one
 * thread per `WorkerStart`, hands what they send to its host (index runs, unsure partitions, resync requests,
 * observer calls, link counters), sends them what the main thread decides (topics, key agreement, lag
 * refresh), and stops them: each drains and says `stopped`; one that has not within `stopGraceMs` is
 * terminated (its writes not yet acknowledged are rebuilt from the target's log at the next start).
 *
 * States: idle → starting → running → stopping → stopped; starting → failed (a worker failed to start; the
 * others are stopped). A worker that ends while running is restarted in its slot from the start the host's
 * `restart` gives, or, without one or when that fails, reported to the host (`failed`).
 */
import type { EventLoopUtilization } from 'node:perf_hooks';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { Logger } from '../log/index.ts';
import type { HighwaterEntry, LinkObserver, TopicPartition } from '../replication/index.ts';
import type { StreamRelayHost } from './stream-relay.ts';
import {
  decodeAckedRun,
  type AckedOrigins,
  decodeWorkerMessage,
  replayObserved,
  type LinkStatsSnapshot,
  type MainMessage,
  type PartitionThrough,
  type WorkerMessage,
  type WorkerStart,
} from './worker-messages.ts';

/** What the main thread does with what its workers send. */
export interface WorkerPoolHost {
  /** A write's index run (in the order the worker wrote them, per partition). */
  acked(topic: string, partition: number, baseOffset: number, origins: AckedOrigins): void;
  /** A write failed: its records may have landed from `through`. */
  unsure(topic: string, partition: number, through: number): void;
  /** A worker lowered a mark (its source partition was re-created). */
  rewound(topic: string, partition: number, origin: string, offset: number): void;
  /** Re-reads a partition's tail; the marks it raised and the `through` it then has go back to the worker. */
  resync(topic: string, partition: number): Promise<{ marks: HighwaterEntry[]; through: number }>;
  /** The real observer of the link from `from` (metrics). */
  observerOf(from: string): LinkObserver | undefined;
  /** A worker's latest counters of every link. */
  stats(worker: number, links: readonly LinkStatsSnapshot[]): void;
  /** Work sharing: a worker refused `count` writes by fencing. */
  fenced(count: number): void;
  /**
   * A worker ended on its own while running: the start of its replacement (its partitions' tails re-read,
   * so its marks hold what the ended one wrote) and messages to send it first. Absent, or rejecting: the
   * worker is not restarted and `failed` is called.
   */
  restart?(worker: number): Promise<{ start: WorkerStart; first: MainMessage[] }>;
  /** A worker ended or failed while the pool was running (and was not restarted). */
  failed(worker: number, err: Error): void;
}

export interface WorkerPoolOptions {
  /** One per worker, in worker order. */
  starts: readonly WorkerStart[];
  /** How often workers report their counters and metrics. */
  reportMs: number;
  /** How long a stop waits for a worker to drain before it is terminated. */
  stopGraceMs: number;
  host: WorkerPoolHost;
  logger: Logger;
  /** The worker's entry; default worker-main.ts next to this file (tests may give another). */
  entry?: URL;
  /** Each worker's V8 heap limits (worker-heap.ts); default V8's, or the process's flags. */
  resourceLimits?: ResourceLimits;
  /** The record streams workers open through the main thread (stream-relay.ts); started and stopped with the pool. */
  streams?: StreamRelayHost;
}

type PoolState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

interface Thread {
  worker: Worker;
  running: PromiseWithResolvers<void>;
  ended: Promise<number>;
  isStopped: boolean;
  /** Drops and placements sent and not yet answered: id → resolve. */
  drops: Map<number, () => void>;
  /** Its event loop's utilisation at the last `busyShares` (undefined: not read yet). */
  elu: EventLoopUtilization | undefined;
}

/** A worker is restarted at most this many times within RESTART_WINDOW_MS; once more, the pool fails. */
export const MAX_RESTARTS_IN_WINDOW = 3;
export const RESTART_WINDOW_MS = 60_000;

/** A message for a worker being restarted, and a drop's answer. */
interface Waiting {
  message: MainMessage;
  dropped?: () => void;
}

export class WorkerPool {
  readonly #options: WorkerPoolOptions;
  readonly #threads: Thread[] = [];
  #state: PoolState = 'idle';
  #stopping: Promise<void> | undefined;
  #nextDrop = 0;
  #restarts = 0;
  /** When the recent restarts began (monotonic ms). */
  #restartTimes: number[] = [];
  /** Slots whose worker is being restarted → what was sent to them meanwhile. */
  readonly #restarting = new Map<number, Waiting[]>();

  constructor(options: WorkerPoolOptions) {
    this.#options = options;
  }

  get state(): PoolState {
    return this.#state;
  }

  get size(): number {
    return this.#options.starts.length;
  }

  /** Starts every worker; resolves once all run, rejects (the others stopped) if one fails to. */
  async start(): Promise<void> {
    this.#move('starting');
    this.#options.streams?.start();
    for (const [i, start] of this.#options.starts.entries()) this.#spawn(i, start);
    try {
      await Promise.all(this.#threads.map((t) => t.running.promise));
      this.#move('running');
    } catch (err) {
      this.#move('failed');
      await this.#drain();
      this.#options.streams?.stop();
      throw err;
    }
  }

  /** Starts worker `i` from `start` in slot `i` (replacing an ended one). */
  #spawn(i: number, start: WorkerStart): Thread {
    const entry = this.#options.entry ?? new URL('./worker-main.ts', import.meta.url);
    const worker = new Worker(entry, {
      workerData: { ...start, reportMs: this.#options.reportMs },
      name: `geomesh-worker-${i}`,
      ...(this.#options.resourceLimits && { resourceLimits: this.#options.resourceLimits }),
    });
    const running = Promise.withResolvers<void>();
    // Rejected when the thread fails before it runs; nobody may be waiting (a replacement's start).
    running.promise.catch(() => undefined);
    const thread: Thread = {
      worker,
      running,
      ended: new Promise((resolve) => worker.once('exit', resolve)),
      isStopped: false,
      drops: new Map(),
      elu: undefined,
    };
    this.#threads[i] = thread;
    worker.on('message', (value: unknown) => this.#onMessage(i, thread, value));
    worker.on('error', (err: Error) => {
      this.#options.logger.error({ worker: i, err }, 'worker thread failed');
      running.reject(err);
    });
    worker.once('exit', (code) => {
      this.#dropsDone(thread);
      // Its streams have no reader any more (a replacement opens its own).
      if (this.#threads[i] === thread) this.#options.streams?.closeWorker(i);
      const err = new Error(`worker thread ${i} ended (exit code ${code}) before it was stopped`);
      running.reject(err);
      if (!thread.isStopped && this.#state === 'running') void this.#replace(i, thread, err);
    });
    return thread;
  }

  /**
   * Worker `i` ended on its own while the pool ran: with the host's `restart`, a replacement starts in its
   * slot from the start the host gives (its partitions' tails re-read); what is sent to the slot meanwhile
   * waits for it. Without `restart`, or when the replacement cannot start, the host is told it failed.
   */
  async #replace(i: number, ended: Thread, err: Error): Promise<void> {
    const { host, logger } = this.#options;
    ended.isStopped = true;
    const now = performance.now();
    this.#restartTimes = this.#restartTimes.filter((t) => now - t < RESTART_WINDOW_MS);
    if (!host.restart) return host.failed(i, err);
    // A worker that keeps ending is not restarted for ever: the node fails and says so.
    if (this.#restartTimes.length >= MAX_RESTARTS_IN_WINDOW)
      return host.failed(
        i,
        new Error(
          `${err.message}; not restarted again: ${this.#restartTimes.length} restarts in the last ${RESTART_WINDOW_MS / 1_000} s`,
          { cause: err },
        ),
      );
    this.#restartTimes.push(now);
    const waiting: Waiting[] = [];
    this.#restarting.set(i, waiting);
    logger.warn({ worker: i, err }, 'worker thread ended on its own; restarting it in place');
    try {
      const { start, first } = await host.restart(i);
      if (this.#state !== 'running') return;
      const thread = this.#spawn(i, start);
      for (const message of first) thread.worker.postMessage(message);
      this.#restarting.delete(i);
      for (const w of waiting.splice(0)) this.#post(thread, w.message, w.dropped);
      await thread.running.promise;
      this.#restarts++;
      logger.info({ worker: i, restarts: this.#restarts }, 'worker thread restarted');
    } catch (cause) {
      if (this.#state === 'running')
        host.failed(i, new Error(`worker thread ${i} could not be restarted: ${String(cause)}`, { cause }));
    } finally {
      // Not restarted (stopping, or failed): nothing of this slot writes any more.
      this.#restarting.delete(i);
      for (const w of waiting.splice(0)) w.dropped?.();
    }
  }

  /** How many workers were restarted after ending on their own. */
  get restarts(): number {
    return this.#restarts;
  }

  /**
   * Fault injection: ends worker `i` abruptly, as a crash of the thread would (terminated, its writes in
   * flight abandoned); the pool then restarts it or fails as for any worker that ends on its own.
   */
  async crash(i: number): Promise<void> {
    await this.#threads[i]?.worker.terminate();
  }

  /** Sends `message` to every worker (to a worker being restarted once it is). */
  broadcast(message: MainMessage): void {
    for (const [i, t] of this.#threads.entries()) {
      const waiting = this.#restarting.get(i);
      if (waiting) waiting.push({ message });
      else if (!t.isStopped) t.worker.postMessage(message);
    }
  }

  /** Posts `message` to a thread; a drop's `dropped` is called when the thread answers or ends. */
  #post(thread: Thread, message: MainMessage, dropped?: () => void): void {
    if (thread.isStopped) return dropped?.();
    if (dropped && (message.kind === 'drop' || message.kind === 'place'))
      thread.drops.set(message.id, dropped);
    thread.worker.postMessage(message);
  }

  /**
   * Work sharing: every worker gives up its part of `tps` at once; resolves when each has stopped reading
   * them and its writes into them settled (their index runs have arrived before), or has ended.
   */
  drop(tps: readonly TopicPartition[]): Promise<void> {
    return this.#ask({ v: 1, kind: 'drop', id: this.#nextDrop++, tps: [...tps] });
  }

  /** Sends a drop or a placement to every worker; resolves when each has answered it or has ended. */
  #ask(message: MainMessage & { kind: 'drop' | 'place' }): Promise<void> {
    return Promise.all(
      this.#threads.map(
        (t, i) =>
          new Promise<void>((resolve) => {
            // A worker being restarted may own them once it runs: the answer waits for it.
            const waiting = this.#restarting.get(i);
            if (waiting) waiting.push({ message, dropped: resolve });
            else this.#post(t, message, resolve);
          }),
      ),
    ).then(() => undefined);
  }

  /**
   * Worker placement: sends one phase of a move to every worker; resolves when each has answered (a release:
   * its writes into what it gave up settled, their index runs arrived before) or has ended.
   */
  place(
    phase: 'release' | 'acquire',
    active: number,
    body: { tps: TopicPartition[]; marks: HighwaterEntry[]; throughs: PartitionThrough[] },
  ): Promise<void> {
    return this.#ask({ v: 1, kind: 'place', id: this.#nextDrop++, phase, active, ...body });
  }

  /**
   * How busy each worker's event loop was (0–1) since the last call (since it started, the first time); a
   * worker being restarted or stopped counts as idle.
   */
  busyShares(): number[] {
    return this.#threads.map((t) => {
      if (t.isStopped) return 0;
      const now = t.worker.performance.eventLoopUtilization();
      const share = t.elu
        ? t.worker.performance.eventLoopUtilization(now, t.elu).utilization
        : now.utilization;
      t.elu = now;
      return share;
    });
  }

  /** Drains every worker (idempotent; concurrent callers share one promise). */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      if (this.#state !== 'failed') this.#move('stopping');
      await this.#drain();
      this.#options.streams?.stop();
      if (this.#state !== 'failed') this.#move('stopped');
    })();
    return this.#stopping;
  }

  async #drain(): Promise<void> {
    const grace = this.#options.stopGraceMs;
    await Promise.all(
      this.#threads.map(async (t, i) => {
        t.worker.postMessage({ v: 1, kind: 'stop' } satisfies MainMessage);
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), grace)));
        const outcome = await Promise.race([t.ended, late]);
        clearTimeout(timer);
        t.isStopped = true;
        if (outcome === 'late') {
          this.#options.logger.warn(
            { worker: i, graceMs: grace },
            'worker thread did not drain in time; terminating it (the next start rebuilds its unacknowledged writes from the log)',
          );
          await t.worker.terminate();
        }
      }),
    );
  }

  #onMessage(i: number, thread: Thread, value: unknown): void {
    const host = this.#options.host;
    let message: WorkerMessage;
    try {
      message = decodeWorkerMessage(value);
    } catch (err) {
      this.#options.logger.error(
        { worker: i, err },
        'worker thread sent a message this version does not know',
      );
      return;
    }
    switch (message.kind) {
      case 'running':
        thread.running.resolve();
        return;
      case 'acked': {
        const run = decodeAckedRun(message);
        host.acked(run.topic, run.partition, run.baseOffset, run.origins);
        return;
      }
      case 'unsure':
        host.unsure(message.topic, message.partition, message.through);
        return;
      case 'rewound':
        host.rewound(message.topic, message.partition, message.origin, message.offset);
        return;
      case 'resync': {
        const { id, topic, partition } = message;
        host.resync(topic, partition).then(
          ({ marks, through }) =>
            this.#reply(thread, { v: 1, kind: 'resynced', id, marks, through, error: null }),
          (err: unknown) =>
            this.#reply(thread, {
              v: 1,
              kind: 'resynced',
              id,
              marks: [],
              through: 0,
              error: err instanceof Error ? err.message : String(err),
            }),
        );
        return;
      }
      case 'observed':
        replayObserved(message, (from) => host.observerOf(from));
        return;
      case 'stats':
        host.stats(i, message.links);
        return;
      case 'failed':
        thread.running.reject(new Error(`worker thread ${i} failed to start: ${message.message}`));
        return;
      case 'fenced':
        host.fenced(message.count);
        return;
      case 'dropped':
      case 'placed':
        thread.drops.get(message.id)?.();
        thread.drops.delete(message.id);
        return;
      case 'stream-open':
        if (this.#options.streams)
          this.#options.streams.open(i, message, (m, transfer) => this.#reply(thread, m, transfer));
        else
          this.#reply(thread, {
            v: 1,
            kind: 'stream-end',
            id: message.id,
            error: 'this node relays no streams',
          });
        return;
      case 'stream-taken':
        this.#options.streams?.taken(i, message.id);
        return;
      case 'stream-close':
        this.#options.streams?.close(i, message.id);
        return;
      case 'stopped':
        thread.isStopped = true;
        this.#dropsDone(thread);
        return;
    }
  }

  /** A thread that stopped or ended writes nothing more: its drops are done. */
  #dropsDone(thread: Thread): void {
    for (const resolve of thread.drops.values()) resolve();
    thread.drops.clear();
  }

  #reply(thread: Thread, message: MainMessage, transfer?: ArrayBuffer[]): void {
    if (!thread.isStopped) thread.worker.postMessage(message, transfer);
  }

  #move(state: PoolState): void {
    this.#state = state;
    this.#options.logger.info({ state, workers: this.size }, 'worker pool state');
  }
}
