/**
 * A watch on a key or prefix as an async iterator, on top of etcd3's Watcher.
 *
 * etcd3 re-opens a broken watch stream by itself and resumes from `request.start_revision`, which it bumps to
 * `header.revision + 1` on every response. That header is the store's revision, not the last event sent: when
 * etcd replays history in batches, or on the `created` answer of a watch that starts in the past, resuming from
 * it would skip events. So we keep our own resume point — one past the last event delivered, or a progress
 * notification's revision (etcd only sends those once the watcher has caught up) — write it back after etcd3's
 * own handlers run, and drop events we already delivered if a resume overlaps.
 *
 * States: `open` (connected or reconnecting) → `closed` (close(), abort, client stop) | `failed` (compacted
 * start revision, watch cancelled by etcd, consumer overflow). Iteration drains buffered events, then ends
 * (closed) or throws (failed).
 */
import type { IWatchResponse, Namespace, Watcher } from 'etcd3';
import { GeomeshError } from '../../base/index.ts';
import type { Logger } from '../log/index.ts';
import { toSafeInteger } from './abortable.ts';
import { isCompactedError, translateEtcdError } from './etcd-errors.ts';
import type { WatchEvent, WatchOptions, WatchStream } from '../coordination-ports/index.ts';

const DEFAULT_MAX_BUFFERED_EVENTS = 10_000;

export interface EtcdWatchInit extends WatchOptions {
  namespace: Namespace;
  key: string;
  logger: Logger;
  /** Bound on how long close() waits for etcd to confirm the cancel. */
  closeTimeoutMs: number;
  /** Called once when the watch ends, so the owner can forget it. */
  onEnd?: () => void;
}

export class EtcdWatch implements WatchStream {
  readonly #init: EtcdWatchInit;
  readonly #watcher: Watcher;
  readonly #logger: Logger;
  readonly #maxBuffered: number;
  readonly #buffer: WatchEvent[] = [];
  /** Resume point towards etcd: the first revision not yet received. 0 until known. */
  #receivedNext: number;
  /** The first revision not yet handed to the consumer. */
  #deliveredNext: number;
  #isConnected = false;
  #state: 'open' | 'closed' | 'failed' = 'open';
  #error: GeomeshError | undefined;
  #wake: (() => void) | undefined;
  #closing: Promise<void> | undefined;
  readonly closed: Promise<void>;
  #settle!: (err?: GeomeshError) => void;

  constructor(init: EtcdWatchInit) {
    this.#init = init;
    this.#logger = init.logger.child({ watch: init.key, isPrefix: init.isPrefix === true });
    this.#maxBuffered = init.maxBufferedEvents ?? DEFAULT_MAX_BUFFERED_EVENTS;
    this.#receivedNext = init.startRevision ?? 0;
    this.#deliveredNext = this.#receivedNext;
    this.closed = new Promise<void>((resolve, reject) => {
      this.#settle = (err) => (err ? reject(err) : resolve());
    });
    this.closed.catch(() => undefined);

    const builder = init.namespace.watch();
    if (init.isPrefix) builder.prefix(init.key);
    else builder.key(init.key);
    if (init.startRevision !== undefined) builder.startRevision(String(init.startRevision));
    // watcher() attaches at once, before any answer can arrive, so no response is emitted before our listeners.
    this.#watcher = builder.watcher();
    this.#watcher.on('connected', (res) => this.#onConnected(res));
    this.#watcher.on('data', (res) => this.#onData(res));
    this.#watcher.on('disconnected', (err) => {
      if (this.#isConnected) this.#logger.info({ err: err.message }, 'watch disconnected; etcd3 reconnects');
      this.#isConnected = false;
    });
    this.#watcher.on('error', (err) => void this.#onError(err));
    if (init.signal) {
      if (init.signal.aborted) void this.close();
      else init.signal.addEventListener('abort', () => void this.close(), { once: true });
    }
  }

  get nextRevision(): number {
    return this.#deliveredNext;
  }

  get isConnected(): boolean {
    return this.#isConnected;
  }

  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    const wasOpen = this.#state === 'open';
    if (wasOpen) this.#state = 'closed';
    this.#notify();
    const cancel = Promise.race([
      this.#watcher.cancel().catch(() => undefined),
      // etcd3 waits for etcd to confirm the cancel; a frozen etcd must not hold a shutdown forever.
      new Promise<void>((resolve) => setTimeout(resolve, this.#init.closeTimeoutMs).unref()),
    ]);
    this.#closing = cancel.then(() => {
      this.#finish();
    });
    return this.#closing;
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchEvent> {
    return {
      next: async (): Promise<IteratorResult<WatchEvent>> => {
        for (;;) {
          const event = this.#buffer.shift();
          if (event) {
            this.#deliveredNext = event.modRevision + 1;
            return { value: event, done: false };
          }
          if (this.#state === 'failed') throw this.#error!;
          if (this.#state === 'closed') return { value: undefined, done: true };
          await new Promise<void>((resolve) => (this.#wake = resolve));
        }
      },
      return: async (): Promise<IteratorResult<WatchEvent>> => {
        await this.close();
        return { value: undefined, done: true };
      },
    };
  }

  #onConnected(res: IWatchResponse): void {
    this.#isConnected = true;
    if (this.#receivedNext === 0) {
      // A watch without a start revision begins right after the store revision it was created at.
      this.#receivedNext = toSafeInteger(res.header.revision, 'watch revision') + 1;
      if (this.#deliveredNext === 0) this.#deliveredNext = this.#receivedNext;
    }
    this.#pinResumeRevision();
  }

  #onData(res: IWatchResponse): void {
    if (this.#state !== 'open') return;
    if (res.events.length === 0) {
      // A progress notification: everything up to header.revision has been sent.
      const progressed = toSafeInteger(res.header.revision, 'watch revision') + 1;
      if (progressed > this.#receivedNext) {
        this.#receivedNext = progressed;
        if (this.#buffer.length === 0 && progressed > this.#deliveredNext) this.#deliveredNext = progressed;
      }
    }
    for (const event of res.events) {
      const kv = event.kv;
      const modRevision = toSafeInteger(kv.mod_revision, 'mod_revision');
      if (modRevision < this.#receivedNext) continue; // replayed after a resume: already delivered
      this.#receivedNext = modRevision + 1;
      const key = kv.key.toString('utf8');
      this.#buffer.push(
        event.type === 'Put'
          ? {
              type: 'put',
              key,
              value: kv.value,
              modRevision,
              createRevision: toSafeInteger(kv.create_revision, 'create_revision'),
              version: toSafeInteger(kv.version, 'version'),
            }
          : { type: 'delete', key, modRevision },
      );
    }
    this.#pinResumeRevision();
    if (this.#buffer.length > this.#maxBuffered) {
      this.#fail(
        new GeomeshError(
          'GEOMESH_COORD_WATCH_OVERFLOW',
          `watch ${this.#init.key}: consumer is more than ${this.#maxBuffered} events behind; ` +
            `re-read and watch again from revision ${this.#deliveredNext}`,
          { details: { key: this.#init.key, nextRevision: this.#deliveredNext } },
        ),
      );
      return;
    }
    this.#notify();
  }

  /** Runs after etcd3's own handlers (registered first), undoing their jump to the header revision. */
  #pinResumeRevision(): void {
    if (this.#receivedNext > 0) this.#watcher.request.start_revision = String(this.#receivedNext);
  }

  async #onError(err: Error): Promise<void> {
    if (this.#state !== 'open') return;
    let translated = translateEtcdError(err, `watch ${this.#init.key}`, { key: this.#init.key });
    // etcd cancels a watch whose start revision was compacted without saying why; ask a range at that revision.
    if (this.#receivedNext > 0 && translated.code !== 'GEOMESH_COORD_COMPACTED') {
      try {
        await this.#init.namespace.get(this.#init.key).revision(String(this.#receivedNext)).exec();
      } catch (probeErr) {
        if (isCompactedError(probeErr)) {
          translated = new GeomeshError(
            'GEOMESH_COORD_COMPACTED',
            `watch ${this.#init.key}: revision ${this.#receivedNext} has been compacted; re-read the current ` +
              'state and watch from its revision',
            { cause: err, details: { key: this.#init.key, startRevision: this.#receivedNext } },
          );
        }
      }
    }
    this.#fail(translated);
  }

  #fail(err: GeomeshError): void {
    if (this.#state !== 'open') return;
    this.#state = 'failed';
    this.#error = err;
    this.#logger.warn({ err: err.toJSON() }, 'watch failed');
    this.#notify();
    void this.#watcher.cancel().catch(() => undefined);
    this.#finish();
  }

  #finish(): void {
    this.#isConnected = false;
    if (this.#state === 'failed') this.#settle(this.#error);
    else this.#settle();
    const onEnd = this.#init.onEnd;
    this.#init.onEnd = undefined;
    onEnd?.();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
