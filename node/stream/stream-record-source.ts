/**
 * The record source of a link X → R with `transport: stream`: it gets X's records from X's node over
 * Peer.StreamRecords (only what R needs, compressed) while that node is up, and pulls X's cluster directly
 * (today's path, a RecordSource of the Kafka adapter) when it is not. The link above it (LinkReplicator)
 * sees one RecordSource either way: its writes, marks, index and fencing do not change, and every switch is
 * safe because the target drops by origin offsets whatever is read twice.
 *
 * Paths (logged and reported to the observer on every change):
 *   stream ⇄ pull → stopped
 *   - start: stream when X's node answers its heartbeats, else pull;
 *   - stream → pull: the stream fails (unreachable, refused, cancelled), or nothing arrives on it for
 *     `stallMs` (X's node sends a heartbeat every STREAM_DEFAULTS.heartbeatMs while it has nothing);
 *   - pull → stream: every `retryStreamMs`, when X's node answers its heartbeats again.
 * A switch first lets the batch in hand finish, then reads on from the next offset not handled of every
 * partition (`positions`), so nothing is skipped; a partition no batch was handled for starts where the
 * link says (`positionOf`), else just past the mark of X's own records, else at its log start.
 *
 * On the stream path each topic has one stream; its partitions' batches are handled at once across
 * partitions and in order within each (partition-lanes.ts); a partition the link pauses (halted, released)
 * or resumes reopens the topic's stream without it or with it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../log/index.ts';
import type {
  BatchOutcome,
  PartitionOffsets,
  RecordSource,
  SourceBatch,
  SourceReadingState,
  TopicPartition,
} from '../replication/index.ts';
import type { StreamRecordsBatch, StreamRecordsRequest } from '../rpc/index.ts';
import { decompressRecords, type StreamCompression } from './stream-compression.ts';
import { STREAM_DEFAULTS } from './stream-defaults.ts';
import { decodeStreamRecordsV1 } from './stream-record-codec.ts';
import { mergeReceived, PartitionLanes, type ReceivedBatch } from './partition-lanes.ts';

export type LinkPath = 'stream' | 'pull';

/** The source region's node as the record source calls it. */
export interface PeerRecordStreams {
  /** Whether X's node answered its last heartbeat. */
  isUp(): boolean;
  /**
   * Whether no heartbeat to X's node has been answered or has failed yet (this node just started); a link
   * starting then waits for that first outcome (STREAM_DEFAULTS.firstHeartbeatWaitMs at most) before it
   * chooses its path. Absent: never waits.
   */
  isUnheard?(): boolean;
  /** Opens Peer.StreamRecords; the iteration ends or throws when the stream does. */
  open(request: StreamRecordsRequest, signal: AbortSignal): AsyncIterable<StreamRecordsBatch>;
}

/** What the source reports, per link (metrics). */
export interface LinkPathObserver {
  /** The path in use changed (also on start). */
  path(path: LinkPath): void;
  /** A stream batch arrived: its bytes on the wire (compressed records) and before compression. */
  streamed(wireBytes: number, uncompressedBytes: number): void;
}

export interface StreamRecordSourceOptions {
  /** Source region X and target region R of the link. */
  from: string;
  to: string;
  /** A new reader of X's cluster (the link's consumer group), for each spell on the pull path. */
  openPull(): RecordSource;
  /** X's cluster's offsets (log start and end), asked by a reader that never reads (stopped with this). */
  offsets: Pick<RecordSource, 'partitionOffsets' | 'topicOffsets' | 'stop'>;
  /** X's node; undefined while it is not known (then the link pulls). */
  peer(): PeerRecordStreams | undefined;
  /** Just past the last record of X's own written into R's partition, or undefined when none is. */
  pastOwnMark(topic: string, partition: number): number | undefined;
  compression?: StreamCompression;
  /** Silence on a stream that makes the link pull; default STREAM_DEFAULTS.stallMs. */
  stallMs?: number;
  /** How often a pulling link checks whether it can stream again; default STREAM_DEFAULTS.retryStreamMs. */
  retryStreamMs?: number;
  /** Longest wait at start for X's node's first heartbeat outcome; default STREAM_DEFAULTS.firstHeartbeatWaitMs. */
  firstHeartbeatWaitMs?: number;
  observer?: LinkPathObserver;
  logger: Logger;
}

const key = (topic: string, partition: number): string => `${topic}/${partition}`;

/** How often a starting link looks whether X's node's first heartbeat came back. */
const FIRST_HEARTBEAT_POLL_MS = 20;

/** A RecordSource over X's node's stream, falling back to pulling X's cluster. */
export class StreamRecordSource implements RecordSource {
  readonly #options: StreamRecordSourceOptions;
  readonly #logger: Logger;
  #path: LinkPath | 'idle' | 'stopped' = 'idle';
  #topics: readonly string[] = [];
  #positionOf: (tp: TopicPartition) => number | undefined = () => undefined;
  #onBatch: ((batch: SourceBatch) => Promise<BatchOutcome>) | undefined;
  #isReadable: ((tp: TopicPartition) => boolean) | undefined;
  /** `topic/partition` → the next offset not handled yet, once a batch of it was handled. */
  readonly #positions = new Map<string, number>();
  /** Partitions the link paused. */
  readonly #paused = new Set<string>();
  /** The pull path's reader, while on it. */
  #pull: RecordSource | undefined;
  /** The stream path's streams (one per topic), while on it. */
  #streams: { controller: AbortController; done: Promise<void> }[] = [];
  /** What the streams read now: topic → partitions. */
  #streamed = new Map<string, Set<number>>();
  #lastAnswerAtMs: number | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  /** Path changes, one at a time. */
  #transition: Promise<void> = Promise.resolve();
  /** How many times the path changed (not counting the start). */
  switches = 0;

  constructor(options: StreamRecordSourceOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'stream-source', from: options.from, to: options.to });
  }

  /** The path in use: stream, or pull (also before start and after stop). */
  path(): LinkPath {
    return this.#path === 'stream' ? 'stream' : 'pull';
  }

  async start(
    topics: readonly string[],
    positionOf: (tp: TopicPartition) => number | undefined,
    onBatch: (batch: SourceBatch) => Promise<BatchOutcome>,
    isReadable?: (tp: TopicPartition) => boolean,
  ): Promise<void> {
    this.#topics = [...topics];
    this.#positionOf = positionOf;
    this.#onBatch = onBatch;
    this.#isReadable = isReadable;
    const retryMs = this.#options.retryStreamMs ?? STREAM_DEFAULTS.retryStreamMs;
    this.#retryTimer = setInterval(() => {
      if (this.#path === 'pull' && this.#options.peer()?.isUp())
        this.#switch('stream', 'its node answers again');
    }, retryMs);
    this.#retryTimer.unref();
    await this.#awaitFirstHeartbeat();
    const wantsStream = this.#options.peer()?.isUp() === true;
    await this.#queue(() => (wantsStream ? this.#openStreams() : this.#openPull()));
  }

  /**
   * Waits while X's node has not been heard from yet (its first heartbeat on its way), so that a link
   * starting with its node does not pull for a retry interval while the node answers within a round trip.
   */
  async #awaitFirstHeartbeat(): Promise<void> {
    const deadline =
      Date.now() + (this.#options.firstHeartbeatWaitMs ?? STREAM_DEFAULTS.firstHeartbeatWaitMs);
    while (this.#options.peer()?.isUnheard?.() === true && Date.now() < deadline)
      await sleep(FIRST_HEARTBEAT_POLL_MS);
  }

  pausePartitions(tps: readonly TopicPartition[]): void {
    for (const { topic, partition } of tps) this.#paused.add(key(topic, partition));
    if (this.#path === 'pull') this.#pull?.pausePartitions(tps);
    else if (this.#path === 'stream') this.#reopen();
  }

  resumePartition(tp: TopicPartition, position: number | undefined): void {
    this.#paused.delete(key(tp.topic, tp.partition));
    if (position !== undefined) this.#positions.set(key(tp.topic, tp.partition), position);
    if (this.#path === 'pull') this.#pull?.resumePartition(tp, position);
    else if (this.#path === 'stream') this.#reopen();
  }

  async update(topics: readonly string[]): Promise<void> {
    this.#topics = [...topics];
    if (this.#path === 'pull') await this.#pull?.update(topics);
    else if (this.#path === 'stream') await this.#queue(() => this.#reopenNow());
  }

  readingState(): SourceReadingState {
    if (this.#path === 'pull' && this.#pull) return this.#pull.readingState();
    const paused = new Map<string, Set<number>>();
    for (const tp of this.#paused) {
      const at = tp.lastIndexOf('/');
      const topic = tp.slice(0, at);
      paused.set(topic, (paused.get(topic) ?? new Set()).add(Number(tp.slice(at + 1))));
    }
    const assigned = new Map<string, Set<number>>(this.#streamed);
    for (const [topic, partitions] of paused)
      assigned.set(topic, new Set([...(assigned.get(topic) ?? []), ...partitions]));
    return { isJoined: this.#path === 'stream', assigned, paused };
  }

  lastAnswerAtMs(): number | undefined {
    if (this.#path === 'pull') return this.#pull?.lastAnswerAtMs?.();
    return this.#lastAnswerAtMs;
  }

  partitionOffsets(topic: string, partition: number): Promise<PartitionOffsets> {
    return this.#options.offsets.partitionOffsets(topic, partition);
  }

  topicOffsets(topic: string): Promise<ReadonlyMap<number, PartitionOffsets>> {
    return this.#options.offsets.topicOffsets(topic);
  }

  committedOffset(topic: string, partition: number): number | undefined {
    return this.#pull?.committedOffset(topic, partition);
  }

  async stop(): Promise<void> {
    clearInterval(this.#retryTimer);
    await this.#queue(async () => {
      this.#path = 'stopped';
      await this.#closeStreams();
      await this.#closePull();
      await this.#options.offsets.stop();
    });
  }

  /** Runs path changes one after another. */
  #queue(change: () => Promise<void>): Promise<void> {
    const next = this.#transition.then(change);
    this.#transition = next.catch((err: unknown) => this.#logger.error({ err }, 'link path change failed'));
    return next;
  }

  #switch(to: LinkPath, why: string): void {
    void this.#queue(async () => {
      if (this.#path === 'stopped' || this.#path === to) return;
      const from = this.#path;
      this.#logger.warn(
        { fromPath: from, toPath: to, why },
        `link ${this.#options.from} → ${this.#options.to}: ${from} → ${to} (${why})`,
      );
      this.switches++;
      if (to === 'pull') {
        await this.#closeStreams();
        await this.#openPull();
      } else {
        await this.#closePull();
        await this.#openStreams();
      }
    });
  }

  #reopen(): void {
    void this.#queue(() => this.#reopenNow());
  }

  async #reopenNow(): Promise<void> {
    if (this.#path !== 'stream') return;
    await this.#closeStreams();
    await this.#openStreams();
  }

  #setPath(path: LinkPath): void {
    this.#path = path;
    this.#options.observer?.path(path);
  }

  /** Where a partition is read from: past what was handled, else the link's say, else past X's own mark. */
  #positionFor(topic: string, partition: number): number | undefined {
    return (
      this.#positions.get(key(topic, partition)) ??
      this.#positionOf({ topic, partition }) ??
      this.#options.pastOwnMark(topic, partition)
    );
  }

  #readable(topic: string, partition: number): boolean {
    if (this.#paused.has(key(topic, partition))) return false;
    return this.#isReadable ? this.#isReadable({ topic, partition }) : true;
  }

  async #openPull(): Promise<void> {
    this.#setPath('pull');
    const pull = this.#options.openPull();
    this.#pull = pull;
    await pull.start(
      this.#topics,
      (tp) => this.#positionFor(tp.topic, tp.partition),
      async (batch) => {
        const outcome = await this.#onBatch!(batch);
        const last = batch.records.at(-1);
        if (outcome.kind === 'done' && last) this.#advance(batch.topic, batch.partition, last.offset + 1);
        return outcome;
      },
      (tp) => this.#readable(tp.topic, tp.partition),
    );
  }

  async #closePull(): Promise<void> {
    const pull = this.#pull;
    this.#pull = undefined;
    await pull?.stop();
  }

  async #openStreams(): Promise<void> {
    const peer = this.#options.peer();
    if (!peer) {
      await this.#openPull();
      return;
    }
    this.#setPath('stream');
    this.#lastAnswerAtMs = Date.now();
    this.#streamed = new Map();
    for (const topic of this.#topics) {
      const offsets = await this.#options.offsets.topicOffsets(topic);
      const partitions = [...offsets.keys()].filter((p) => this.#readable(topic, p)).sort((a, b) => a - b);
      this.#streamed.set(topic, new Set(partitions));
      if (partitions.length === 0) continue;
      const request: StreamRecordsRequest = {
        region: this.#options.to,
        topic,
        partitions: partitions.map((partition) => ({
          partition,
          fromOffset: Math.max(this.#positionFor(topic, partition) ?? 0, offsets.get(partition)!.logStart),
        })),
        compression: this.#options.compression ?? 'zstd',
        maxBatchBytes: 0,
      };
      const controller = new AbortController();
      this.#streams.push({ controller, done: this.#consume(peer, request, controller) });
    }
  }

  async #closeStreams(): Promise<void> {
    const streams = this.#streams;
    this.#streams = [];
    for (const { controller } of streams) controller.abort();
    await Promise.all(streams.map((s) => s.done));
    this.#streamed = new Map();
  }

  /**
   * Reads one stream until it ends, fails or stalls; a failure or stall switches the link to pulling. Its
   * batches are handled per partition (partition-lanes.ts): partitions at once, each in order, and what
   * queued up behind a partition's write merged into its next one.
   */
  async #consume(
    peer: PeerRecordStreams,
    request: StreamRecordsRequest,
    controller: AbortController,
  ): Promise<void> {
    const { signal } = controller;
    const stallMs = this.#options.stallMs ?? STREAM_DEFAULTS.stallMs;
    let lastMessageAtMs = Date.now();
    let stalled = false;
    const lanes = new PartitionLanes<ReceivedBatch>({
      maxQueuedBytes: STREAM_DEFAULTS.receiveQueueBytes,
      merge: mergeReceived,
      handle: async (batch) => {
        const { topic, partition } = batch;
        if (batch.records.length > 0) {
          const outcome = await this.#onBatch!({
            topic,
            partition,
            records: batch.records,
            highWatermark: batch.highWatermark,
            receivedAtMs: batch.receivedAtMs,
          });
          lastMessageAtMs = Date.now();
          if (outcome.kind !== 'done') {
            // Halted or released: the link paused the partition (pausePartitions reopens without it) or will.
            if (outcome.kind === 'halted') this.#positions.set(key(topic, partition), outcome.resumeAt);
            this.#paused.add(key(topic, partition));
            this.#reopen();
            return false;
          }
        }
        this.#advance(topic, partition, batch.nextOffset);
        return true;
      },
    });
    const watchdog = setInterval(
      () => {
        // While the link handles batches the stream is held back by this node, not silent.
        if (lanes.isBusy || Date.now() - lastMessageAtMs < stallMs) return;
        stalled = true;
        controller.abort();
      },
      Math.max(10, Math.floor(stallMs / 5)),
    );
    try {
      for await (const batch of peer.open(request, signal)) {
        if (lanes.isStopped) break;
        const receivedAtMs = (lastMessageAtMs = this.#lastAnswerAtMs = Date.now());
        this.#options.observer?.streamed(batch.records.length, batch.uncompressedBytes);
        const records = decodeStreamRecordsV1(
          decompressRecords(batch.records, batch.compression, batch.uncompressedBytes),
        ).map((r) => ({ ...r, topic: batch.topic, partition: batch.partition }));
        await lanes.push(batch.partition, {
          topic: batch.topic,
          partition: batch.partition,
          records,
          highWatermark: batch.highWatermark,
          nextOffset: batch.nextOffset,
          bytes: batch.uncompressedBytes,
          receivedAtMs,
        });
      }
      if (!signal.aborted && !lanes.isStopped) this.#switch('pull', 'its node ended the stream');
    } catch (err) {
      if (stalled) this.#switch('pull', `nothing arrived on the stream for ${stallMs} ms`);
      else if (!signal.aborted) this.#switch('pull', `the stream failed: ${(err as Error).message}`);
    } finally {
      clearInterval(watchdog);
      // What is queued is read again from the positions handled; what is being handled ends first.
      if (signal.aborted || lanes.isStopped) lanes.stop();
      await lanes.settled();
    }
    if (lanes.error !== undefined && !signal.aborted)
      this.#switch('pull', `handling a streamed batch failed: ${(lanes.error as Error).message}`);
  }

  /** Notes that a partition was handled up to `next` (never moving back). */
  #advance(topic: string, partition: number, next: number): void {
    const k = key(topic, partition);
    this.#positions.set(k, Math.max(this.#positions.get(k) ?? 0, next));
  }
}
