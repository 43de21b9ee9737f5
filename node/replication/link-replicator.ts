/**
 * Replicates one inbound link X → R: reads X's selected topics, applies the per-record rule
 * (provenance, loop, routing, idempotence), writes what passes into the same topic and partition of R with
 * origin headers, and only then lets the source move past it. It also watches each source partition's offsets
 * for records deleted before they were copied and for a partition that was re-created (see
 * `source-truncation.md`).
 *
 * States: idle → running → stopping → stopped. `stop()` is idempotent; concurrent callers share one promise.
 */
import type { Logger } from '../log/index.ts';
import { decideForward, type DropReason } from './forward-decision.ts';
import { decodeOriginHeaders, encodeOriginHeaders, type RecordIdentity } from './origin-headers.ts';
import {
  auditCoverage,
  CoverageTracker,
  type CoverageChanges,
  type SourceReadingState,
} from './coverage-audit.ts';
import { InflightWindow } from './inflight-window.ts';
import { LinkWrites } from './link-writes.ts';
import { SourceWatch } from './source-watch.ts';
import { unverifiableRecord } from './unverifiable-record.ts';
import { RateLimiter } from './rate-limiter.ts';
import { NODE_DEFAULTS } from '../defaults/index.ts';
import type { BatchOutcome, SourceBatch, TopicPartition } from './ports.ts';
import {
  approximateBytes,
  emptyLinkStats,
  type LinkReplicatorOptions,
  type LinkState,
  type LinkStats,
} from './link-options.ts';
import { RecordSetBuilder } from './record-set.ts';
import { payloadBytes } from './packed-records.ts';

export class LinkReplicator {
  readonly stats: LinkStats = emptyLinkStats();
  readonly #options: LinkReplicatorOptions;
  readonly #logger: Logger;
  #state: LinkState = 'idle';
  #startedAtMs = 0;
  #topics: readonly string[] = [];
  readonly #limiter: RateLimiter | undefined;
  readonly #writes: LinkWrites;
  /** Source partitions nobody reads, as the last audits found (`auditCoverage`). */
  readonly coverage = new CoverageTracker();
  /** The in-flight window, when maxInflightBytes is set. */
  readonly window: InflightWindow | undefined;
  #stopping: Promise<void> | undefined;
  /** Truncation and re-creation of the source partitions. */
  readonly #sourceWatch: SourceWatch;
  /** Halted source partitions → the first offset not handled (batches still in flight get it again). */
  readonly #haltedAt = new Map<string, number>();
  /** While the key sets disagree: source partitions paused → where to read them again. */
  readonly #pausedByKey = new Map<string, { topic: string; partition: number; resumeAt: number }>();

  constructor(options: LinkReplicatorOptions) {
    this.#options = options;
    if (options.maxInflightBytes) this.window = new InflightWindow(options.maxInflightBytes);
    if (options.maxRecordsPerSecond) {
      this.#limiter = new RateLimiter(options.maxRecordsPerSecond, options.rateLimiterClock);
    }
    this.#logger = options.logger.child({ component: 'link', from: options.link.from, to: options.link.to });
    this.#writes = new LinkWrites({
      options,
      stats: this.stats,
      limiter: this.#limiter,
      logger: this.#logger,
      isRunning: () => this.#state === 'running',
    });
    this.#sourceWatch = new SourceWatch({
      link: options.link,
      source: options.source,
      highwater: options.highwater,
      logger: this.#logger,
      ...(options.observer && { observer: options.observer }),
      ...(options.onSourceTruncated && { onSourceTruncated: options.onSourceTruncated }),
      ...(options.truncationCheckIntervalMs !== undefined && {
        truncationCheckIntervalMs: options.truncationCheckIntervalMs,
      }),
      stats: this.stats,
      halt: (topic, partition, resumeAt, why) => this.#halt(topic, partition, resumeAt, why),
    });
  }

  get from(): string {
    return this.#options.link.from;
  }

  get to(): string {
    return this.#options.link.to;
  }

  get state(): LinkState {
    return this.#state;
  }

  /**
   * While running: ms since the source last answered a fetch (since the start before its first answer);
   * 0 otherwise, or when the source does not tell.
   */
  sourceSilenceMs(nowMs = Date.now()): number {
    const { source } = this.#options;
    if (this.#state !== 'running' || !source.lastAnswerAtMs) return 0;
    return Math.max(0, nowMs - (source.lastAnswerAtMs() ?? this.#startedAtMs));
  }

  /** How the link gets its source's records now: `pull`, or `stream` (docs/record-stream.md). */
  get path(): 'stream' | 'pull' {
    return this.#options.source.path?.() ?? 'pull';
  }

  /** Running, but the source has answered nothing for NODE_DEFAULTS.linkStallMs (see there). */
  get isStalled(): boolean {
    return this.sourceSilenceMs() >= NODE_DEFAULTS.linkStallMs;
  }

  async start(): Promise<void> {
    if (this.#state !== 'idle')
      throw new Error(`link ${this.#options.link.from} → ${this.#options.link.to} is ${this.#state}`);
    this.#setState('running');
    this.#startedAtMs = Date.now();
    this.#topics = [...this.#options.topics];
    const ownership = this.#options.ownership;
    await this.#options.source.start(
      this.#topics,
      ownership ? (tp) => this.#resumePosition(tp.topic, tp.partition) : () => undefined,
      (batch) => this.#onBatch(batch),
      ownership ? (tp) => ownership.owns(tp.topic, tp.partition) : undefined,
    );
  }

  /**
   * Starts reading target partitions this instance now owns (their marks were just set from the target):
   * the source partitions of the same numbers, from where the earlier owners certainly got.
   */
  takePartitions(tps: readonly TopicPartition[]): void {
    for (const { topic, partition } of tps) {
      if (!this.#topics.includes(topic)) continue;
      this.#sourceWatch.forget(topic, partition);
      this.#options.source.resumePartition({ topic, partition }, this.#resumePosition(topic, partition));
    }
  }

  /** Stops reading target partitions this instance gives up. */
  dropPartitions(tps: readonly TopicPartition[]): void {
    const mine = tps.filter((tp) => this.#topics.includes(tp.topic));
    if (mine.length > 0) this.#options.source.pausePartitions(mine);
    for (const { topic, partition } of mine) {
      this.stats.lagRecords.delete(`${topic}/${partition}`);
      this.#options.observer?.lag(topic, partition, 0);
    }
  }

  /**
   * Where a source partition is read from when this instance takes it over: a lower bound of how far earlier
   * runs (of any instance) got — the group's committed offset, and just past the mark of the source's own
   * records when this link is the one that carries them (the link reads in order, so everything before a
   * record it wrote was handled). The marks drop whatever is read again.
   */
  #resumePosition(topic: string, partition: number): number | undefined {
    const { link, highwater, source } = this.#options;
    const committed = source.committedOffset(topic, partition) ?? -1;
    const mark = link.forwardsOrigin(link.from) ? highwater.get(topic, partition, link.from) : -1;
    const known = Math.max(committed, mark >= 0 ? mark + 1 : -1);
    return known >= 0 ? known : undefined;
  }

  /**
   * Holds the link back while its two nodes' key sets do not agree (`reason`, key ids only), or lets it go
   * again (undefined): each partition's next batch is handed back unwritten and the partition paused; when
   * the keys agree again every paused partition is read again from that batch. Nothing is lost or skipped.
   */
  setKeyMismatch(reason: string | undefined): void {
    const next = reason ?? '';
    if (next === this.stats.keyMismatch) return;
    this.stats.keyMismatch = next;
    if (next) {
      this.#logger.error(
        { reason: next },
        `link ${this.from} → ${this.to} paused: provenance keys do not agree: ${next}; ` +
          'give both nodes a common key (provenance.accept) and it resumes by itself',
      );
      return;
    }
    this.#logger.info('provenance keys agree again: link resumes');
    const paused = [...this.#pausedByKey.values()];
    this.#pausedByKey.clear();
    for (const { topic, partition, resumeAt } of paused)
      this.#options.source.resumePartition({ topic, partition }, resumeAt);
  }

  /** The topics the link reads. */
  get topics(): readonly string[] {
    return this.#topics;
  }

  /**
   * Re-reads the end of every partition of the link's source topics (this instance's, under work sharing)
   * and sets its lag to what lies beyond the last handled record, or beyond where earlier runs got for a
   * partition not read yet. Between fetches (a link held back by its in-flight window or rate limit fetches
   * rarely) the lag a batch reported is stale; the region node calls this every topic refresh.
   */
  async refreshLag(): Promise<void> {
    const { ownership, source } = this.#options;
    for (const topic of this.#topics) {
      const offsets = await source.topicOffsets(topic);
      for (const [partition, { logStart, logEnd }] of offsets) {
        const tp = `${topic}/${partition}`;
        // Another instance's partition is its to report.
        if (ownership && !ownership.owns(topic, partition)) {
          if (this.stats.lagRecords.delete(tp)) this.#options.observer?.lag(topic, partition, 0);
          continue;
        }
        // Every partition counts, read or not: one nobody reads shows all it holds beyond where earlier
        // runs got (or all of it) as lag, never zero.
        const position =
          this.#sourceWatch.expected(topic, partition) ?? this.#resumePosition(topic, partition) ?? logStart;
        const lag = Math.max(0, logEnd - Math.max(position, logStart));
        this.stats.lagRecords.set(tp, lag);
        this.#options.observer?.lag(topic, partition, lag);
      }
    }
  }

  /**
   * Audits which partitions of the link's source topics nobody reads (`coverage-audit.ts`), given the topics
   * its selection matches now and both clusters' partition counts as just read; the reports are kept in
   * `coverage`. Returns what changed since the last audit.
   */
  auditCoverage(
    input: {
      selected: readonly string[];
      sourcePartitions: ReadonlyMap<string, number>;
      targetPartitions: ReadonlyMap<string, number>;
      ownerElsewhere?: (topic: string, partition: number) => string | undefined;
    },
    nowMs: number,
  ): CoverageChanges {
    const ownership = this.#options.ownership;
    const ownerElsewhere = input.ownerElsewhere ?? (() => undefined);
    const result = auditCoverage({
      selected: input.selected,
      subscribed: this.#state === 'running' ? this.#topics : [],
      sourcePartitions: input.sourcePartitions,
      targetPartitions: input.targetPartitions,
      reading: this.#options.source.readingState(),
      // Held back by a provenance key mismatch counts as halted: loud already, with its own /readyz line.
      isHalted: (topic, partition) =>
        this.stats.halted.has(`${topic}/${partition}`) || this.#pausedByKey.has(`${topic}/${partition}`),
      ...(ownership && { ownership: { owns: (t, p) => ownership.owns(t, p), ownerElsewhere } }),
    });
    return this.coverage.update(result, nowMs);
  }

  /**
   * What the audit reads of this link, for an audit made on another thread (worker threads): the topics it
   * reads, its consumer's reading state, and the partitions a provenance key mismatch holds back.
   */
  coverageView(): { subscribed: string[]; reading: SourceReadingState; heldBack: string[] } {
    return {
      subscribed: this.#state === 'running' ? [...this.#topics] : [],
      reading: this.#options.source.readingState(),
      heldBack: [...this.#pausedByKey.keys()],
    };
  }

  /** Starts reading `topics` instead (e.g. new topics matched the link's patterns). */
  async updateTopics(topics: readonly string[]): Promise<void> {
    if (this.#state !== 'running') return;
    this.#topics = [...topics];
    await this.#options.source.update(this.#topics);
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#setState('stopping');
      await this.#options.source.stop();
      await this.#options.sink.stop();
      this.#setState('stopped');
    })();
    return this.#stopping;
  }

  async #onBatch(batch: SourceBatch): Promise<BatchOutcome> {
    const window = this.window;
    const bytes = window ? payloadBytes(batch.records) + 20 * batch.records.length : 0;
    await window?.acquire(bytes);
    try {
      const outcome = await this.#handleBatch(batch);
      // Handled, whatever the outcome: the link reads none of its records again (each write copied what it
      // took), so a list that can give its memory back does: fetched records their fetch response
      // (node/kafka/fetched-records.ts). After a failure they are left to V8.
      batch.records.release?.();
      return outcome;
    } finally {
      window?.release(bytes);
    }
  }

  async #handleBatch(batch: SourceBatch): Promise<BatchOutcome> {
    const { mesh, link, highwater, provenanceKey, observer, meshRegions } = this.#options;
    const tp = `${batch.topic}/${batch.partition}`;
    if (this.#options.ownership && !this.#options.ownership.owns(batch.topic, batch.partition))
      return { kind: 'released' };
    const first = batch.records.at(0)?.offset;
    if (this.stats.keyMismatch && first !== undefined) {
      const paused = this.#pausedByKey.get(tp);
      const resumeAt = Math.min(first, paused?.resumeAt ?? first);
      this.#pausedByKey.set(tp, { topic: batch.topic, partition: batch.partition, resumeAt });
      return { kind: 'halted', resumeAt: first };
    }
    const haltedAt = this.#haltedAt.get(tp);
    if (haltedAt !== undefined) return { kind: 'halted', resumeAt: haltedAt };
    const check = await this.#sourceWatch.check(batch);
    if (check.kind === 'halted') {
      this.#haltedAt.set(tp, check.resumeAt);
      return check;
    }
    // Records are decided, encoded (record-set.ts) and grouped into writes of at most maxBatchBytes one write
    // at a time, not the whole batch first: a record's objects (its origin headers, the record read from the
    // batch) die as soon as it is encoded, young, instead of living through the write and into V8's old
    // generation (docs/benchmarks.md, "Memory"). A write also sees the marks of the writes before it.
    const maxBytes = this.#options.maxBatchBytes;
    // A write's buffer sized once for what it may hold (grown by copying otherwise): the batch's payload with
    // room for framing and origin headers, at most a full write.
    const writeBytes = Math.min(maxBytes, payloadBytes(batch.records) + 128 * batch.records.length);
    let records = new RecordSetBuilder(writeBytes);
    let regions: string[] = [];
    let originOffsets: number[] = [];
    let sourceOffsets: number[] = [];
    let bytesInWrite = 0;
    let outcome = { kind: 'done' } as BatchOutcome;
    const flush = async (): Promise<boolean> => {
      const write = {
        records: records.build(),
        regions,
        originOffsets,
        sourceOffsets,
        ...(batch.receivedAtMs !== undefined && { receivedAtMs: batch.receivedAtMs }),
      };
      records = new RecordSetBuilder(writeBytes);
      regions = [];
      originOffsets = [];
      sourceOffsets = [];
      bytesInWrite = 0;
      outcome = await this.#writes.writeChunked(batch.topic, batch.partition, write, batch.heartbeat);
      // Written, halted or handed back: the write's records are not read again.
      write.records.release();
      return outcome.kind === 'done';
    };
    const dropped: Partial<Record<DropReason, number>> = {};
    let forged = 0;
    let unknownKey = 0;
    let skipped = 0;
    /** Where an unverifiable record halts the partition (after what comes before it is written). */
    let haltAt: { offset: number; why: string } | undefined;
    for (const record of batch.records) {
      const identity: RecordIdentity = record;
      const provenance = decodeOriginHeaders(record.headers, provenanceKey, mesh, identity, meshRegions);
      if (provenance.kind === 'local' && provenance.hasForgedHeaders) forged++;
      if (provenance.kind === 'unknown-key') unknownKey++;
      const decision = decideForward(link, provenance, record, highwater);
      if (decision.action === 'drop') {
        dropped[decision.reason] = (dropped[decision.reason] ?? 0) + 1;
        continue;
      }
      if (decision.action === 'unverifiable') {
        const outcome = unverifiableRecord({
          decision,
          policy: this.#options.onUnknownProvenanceKey,
          from: link.from,
          topic: batch.topic,
          partition: batch.partition,
          offset: record.offset,
          logger: this.#logger,
        });
        if (outcome.kind === 'skip') {
          skipped++;
          continue;
        }
        haltAt = { offset: record.offset, why: outcome.why };
        break;
      }
      const headers = decision.isReplica
        ? record.headers
        : encodeOriginHeaders(record.headers, provenanceKey, mesh, decision.origin, identity);
      const out = { timestamp: record.timestamp, key: record.key, value: record.value, headers };
      const size = approximateBytes(out);
      if (records.length > 0 && bytesInWrite + size > maxBytes && !(await flush())) break;
      records.append(out);
      regions.push(decision.origin.region);
      originOffsets.push(decision.origin.offset);
      sourceOffsets.push(record.offset);
      bytesInWrite += size;
    }
    if (records.length > 0 && outcome.kind === 'done') await flush();
    for (const [reason, count] of Object.entries(dropped) as [DropReason, number][]) {
      this.stats.dropped[reason] += count;
      observer?.dropped(reason, count);
    }
    if (forged > 0) {
      this.stats.forgedHeaders += forged;
      observer?.forged(forged);
    }
    if (unknownKey > 0) {
      this.stats.unknownKeyRecords += unknownKey;
      this.stats.skippedUnknownKey += skipped;
      observer?.unknownKey?.(unknownKey);
    }
    if (outcome.kind === 'done' && haltAt)
      outcome = this.#halt(batch.topic, batch.partition, haltAt.offset, haltAt.why);
    const last = batch.records.at(-1);
    if (outcome.kind === 'halted') this.#haltedAt.set(tp, outcome.resumeAt);
    if (outcome.kind === 'done') this.#sourceWatch.handled(batch, check.isNewIncarnation);
    if (last) {
      const end = Math.max(last.offset, batch.lastOffset ?? last.offset);
      const lag = Math.max(0, batch.highWatermark - end - 1);
      this.stats.lagRecords.set(`${batch.topic}/${batch.partition}`, lag);
      observer?.lag(batch.topic, batch.partition, lag);
    }
    return outcome;
  }

  #halt(
    topic: string,
    partition: number,
    resumeAt: number,
    why: string,
  ): { kind: 'halted'; resumeAt: number } {
    this.stats.halted.set(`${topic}/${partition}`, why);
    this.#options.observer?.halted(topic, partition);
    return { kind: 'halted', resumeAt };
  }

  #setState(state: LinkState): void {
    this.#state = state;
    this.#logger.info({ state }, 'link state');
  }
}
