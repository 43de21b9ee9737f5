/**
 * Record streams for links on worker threads (docs/work-sharing.md, "Worker threads"; docs/record-stream.md).
 * The node's peer channels live on the main thread, so a worker's streaming link (StreamRecordSource, as on
 * the main thread) opens Peer.StreamRecords through it: the worker asks (`stream-open`, its own partitions
 * only), the main thread opens the call on its channel to the source's node and hands each batch over as it
 * arrives (`stream-batch`, the records still compressed: the worker decompresses and decodes them), and the
 * end or the failure (`stream-end`). Flow control: the main thread hands over at most `windowBatches` batches
 * the worker has not taken yet (`stream-taken`); past that it stops reading the call, and gRPC's flow control
 * holds the serving node back, as for a link on the main thread. A worker's abort (`stream-close`) cancels the
 * call; a worker that ends has its calls cancelled.
 *
 * Whether the source's node is up (its heartbeats, on the main thread) reaches the workers through a
 * PeerBoard: one cell of shared memory per source region, published every `publishMs`, read synchronously.
 *
 * Bytes streamed are counted on the main thread, where they arrive (the link's path observer); the path a
 * link is on is each worker's part's, summed up by the main thread's view of the link (WorkerLink).
 */
import type { Logger } from '../log/index.ts';
import type { StreamRecordsBatch, StreamRecordsRequest } from '../rpc/index.ts';
import type { LinkPathObserver, PeerRecordStreams } from '../stream/index.ts';
import type { MainMessage, StreamOpenMessage, WorkerMessage } from './worker-messages.ts';

/** A source region's node as the board says: no channel to it, not heard yet, answering, not answering. */
export type PeerState = 'none' | 'unheard' | 'up' | 'down';
const STATES: readonly PeerState[] = ['none', 'unheard', 'up', 'down'];

/** Batches handed to a worker and not taken yet, per stream, before the main thread stops reading it. */
export const STREAM_RELAY_WINDOW_BATCHES = 4;
/** How often the main thread publishes its peers' states to the workers. */
const PEER_BOARD_PUBLISH_MS = 100;

/** The source regions' node states, in shared memory: the main thread writes, workers read. */
export class PeerBoard {
  readonly regions: readonly string[];
  readonly buffer: SharedArrayBuffer;
  readonly #cells: Int32Array;

  constructor(regions: readonly string[], buffer = new SharedArrayBuffer(4 * Math.max(1, regions.length))) {
    if (buffer.byteLength < 4 * regions.length)
      throw new RangeError(
        `a peer board of ${regions.length} regions needs ${4 * regions.length} bytes, got ${buffer.byteLength}`,
      );
    this.regions = [...regions];
    this.buffer = buffer;
    this.#cells = new Int32Array(buffer);
  }

  set(region: string, state: PeerState): void {
    const i = this.regions.indexOf(region);
    if (i >= 0) Atomics.store(this.#cells, i, STATES.indexOf(state));
  }

  get(region: string): PeerState {
    const i = this.regions.indexOf(region);
    return i < 0 ? 'none' : (STATES[Atomics.load(this.#cells, i)] ?? 'none');
  }
}

/** The state a main thread's peer handle shows now. */
export function peerStateOf(peer: PeerRecordStreams | undefined): PeerState {
  if (!peer) return 'none';
  if (peer.isUnheard?.()) return 'unheard';
  return peer.isUp() ? 'up' : 'down';
}

export interface StreamRelayHostOptions {
  /** The main thread's handle on a source region's node (its peer channel), undefined without one. */
  peer(from: string): PeerRecordStreams | undefined;
  /** The path metrics of the link from `from`: the bytes streamed are counted as they arrive. */
  pathObserverOf(from: string): Pick<LinkPathObserver, 'streamed'> | undefined;
  board: PeerBoard;
  windowBatches?: number;
  publishMs?: number;
  logger: Logger;
}

interface HostStream {
  controller: AbortController;
  /** Handed over and not taken yet. */
  outstanding: number;
  /** Wakes the reader once the worker took one. */
  room: (() => void) | undefined;
}

/** The main thread's side: opens the calls workers ask for and hands their batches over. */
export class StreamRelayHost {
  readonly #options: StreamRelayHostOptions;
  /** `worker/id` → the call. */
  readonly #streams = new Map<string, HostStream>();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: StreamRelayHostOptions) {
    this.#options = options;
  }

  /** Publishes the peers' states now and every `publishMs` until `stop`. */
  start(): void {
    this.#publish();
    this.#timer ??= setInterval(() => this.#publish(), this.#options.publishMs ?? PEER_BOARD_PUBLISH_MS);
    this.#timer.unref();
  }

  /** Cancels every call; the board is no longer published. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    for (const key of [...this.#streams.keys()]) this.#cancel(key);
  }

  /** Calls open now (tests, metrics). */
  get openStreams(): number {
    return this.#streams.size;
  }

  #publish(): void {
    const { board } = this.#options;
    for (const region of board.regions) board.set(region, peerStateOf(this.#options.peer(region)));
  }

  /**
   * Worker `worker` asks for a stream: opened on the source's node; `send` reaches that worker, moving the
   * buffers in `transfer` to it.
   */
  open(
    worker: number,
    message: StreamOpenMessage,
    send: (message: MainMessage, transfer?: ArrayBuffer[]) => void,
  ): void {
    const { id, from, request } = message;
    const key = `${worker}/${id}`;
    const stream: HostStream = { controller: new AbortController(), outstanding: 0, room: undefined };
    this.#streams.set(key, stream);
    void this.#relay(stream, from, request, (batch) => {
      // The records copied into a buffer of their own, which moves to the worker: a clone would copy all of
      // the received message's buffer the records are a view of.
      const records = Buffer.from(new Uint8Array(batch.records).buffer);
      send({ v: 1, kind: 'stream-batch', id, batch: { ...batch, records } }, [records.buffer]);
    }).then((error) => {
      this.#streams.delete(key);
      // A stream the worker closed, or whose worker ended, gets no answer.
      if (!stream.controller.signal.aborted) send({ v: 1, kind: 'stream-end', id, error });
    });
  }

  /** The worker took one batch of the stream. */
  taken(worker: number, id: number): void {
    const stream = this.#streams.get(`${worker}/${id}`);
    if (!stream) return;
    stream.outstanding = Math.max(0, stream.outstanding - 1);
    stream.room?.();
  }

  /** The worker no longer reads the stream (its link switched, paused a partition, or stops). */
  close(worker: number, id: number): void {
    this.#cancel(`${worker}/${id}`);
  }

  /** Worker `worker` ended: its calls are cancelled. */
  closeWorker(worker: number): void {
    for (const key of [...this.#streams.keys()]) if (key.startsWith(`${worker}/`)) this.#cancel(key);
  }

  #cancel(key: string): void {
    const stream = this.#streams.get(key);
    if (!stream) return;
    this.#streams.delete(key);
    stream.controller.abort();
    stream.room?.();
  }

  /** Reads the call and hands its batches over within the window; resolves with the failure, or null. */
  async #relay(
    stream: HostStream,
    from: string,
    request: StreamRecordsRequest,
    handOver: (batch: StreamRecordsBatch) => void,
  ): Promise<string | null> {
    const { signal } = stream.controller;
    const window = this.#options.windowBatches ?? STREAM_RELAY_WINDOW_BATCHES;
    try {
      const peer = this.#options.peer(from);
      if (!peer) return `this node has no channel to ${from}'s node`;
      const observer = this.#options.pathObserverOf(from);
      for await (const batch of peer.open(request, signal)) {
        if (signal.aborted) break;
        observer?.streamed(batch.records.length, batch.uncompressedBytes);
        stream.outstanding++;
        handOver(batch);
        while (stream.outstanding >= window && !signal.aborted)
          await new Promise<void>((resolve) => (stream.room = resolve));
        stream.room = undefined;
        if (signal.aborted) break;
      }
      return null;
    } catch (err) {
      if (!signal.aborted)
        this.#options.logger.debug({ from, topic: request.topic, err }, 'relayed record stream failed');
      return err instanceof Error ? err.message : String(err);
    }
  }
}

interface ClientStream {
  queue: StreamRecordsBatch[];
  /** Set by `stream-end`: null when the call ended, else its failure. */
  end: { error: string | null } | undefined;
  wake: (() => void) | undefined;
}

/** The worker's side: a PeerRecordStreams per source region, over the main thread's calls. */
export class StreamRelayClient {
  readonly #post: (message: WorkerMessage) => void;
  readonly #board: PeerBoard;
  readonly #streams = new Map<number, ClientStream>();
  #nextId = 0;

  constructor(post: (message: WorkerMessage) => void, board: PeerBoard) {
    this.#post = post;
    this.#board = board;
  }

  /** The node of `from` as a streaming link calls it, or undefined while the main thread has no channel to it. */
  peer(from: string): PeerRecordStreams | undefined {
    if (this.#board.get(from) === 'none') return undefined;
    return {
      isUp: () => this.#board.get(from) === 'up',
      isUnheard: () => this.#board.get(from) === 'unheard',
      open: (request, signal) => this.#open(from, request, signal),
    };
  }

  /** A message of the main thread about a stream (`stream-batch`, `stream-end`); false for any other. */
  onMessage(message: MainMessage): boolean {
    if (message.kind !== 'stream-batch' && message.kind !== 'stream-end') return false;
    const stream = this.#streams.get(message.id);
    if (!stream) return true;
    if (message.kind === 'stream-batch') {
      // Structured clone hands a Buffer over as a Uint8Array.
      const { records } = message.batch;
      stream.queue.push({
        ...message.batch,
        records: Buffer.from(records.buffer, records.byteOffset, records.byteLength),
      });
    } else stream.end = { error: message.error };
    stream.wake?.();
    return true;
  }

  async *#open(
    from: string,
    request: StreamRecordsRequest,
    signal: AbortSignal,
  ): AsyncGenerator<StreamRecordsBatch> {
    const id = this.#nextId++;
    const stream: ClientStream = { queue: [], end: undefined, wake: undefined };
    this.#streams.set(id, stream);
    const onAbort = () => stream.wake?.();
    signal.addEventListener('abort', onAbort, { once: true });
    let isEnded = false;
    try {
      this.#post({ v: 1, kind: 'stream-open', id, from, request });
      for (;;) {
        if (signal.aborted)
          throw signal.reason instanceof Error ? signal.reason : new Error('stream aborted');
        const batch = stream.queue.shift();
        if (batch) {
          this.#post({ v: 1, kind: 'stream-taken', id });
          yield batch;
          continue;
        }
        if (stream.end) {
          isEnded = true;
          if (stream.end.error !== null) throw new Error(stream.end.error);
          return;
        }
        await new Promise<void>((resolve) => (stream.wake = resolve));
        stream.wake = undefined;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.#streams.delete(id);
      // Left before its end (aborted, or its reader stopped): the main thread cancels the call.
      if (!isEnded) this.#post({ v: 1, kind: 'stream-close', id });
    }
  }
}
