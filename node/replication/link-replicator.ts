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
import { decideForward, type DropReason, type LinkContext } from './forward-decision.ts';
import { isGeomeshError } from '../../base/index.ts';
import {
  decodeOriginHeaders,
  encodeOriginHeaders,
  type Origin,
  type ProvenanceKeys,
  type RecordIdentity,
} from './origin-headers.ts';
import type { OriginHighwater } from './origin-highwater.ts';
import { auditCoverage, CoverageTracker, type CoverageChanges } from './coverage-audit.ts';
import { InflightWindow } from './inflight-window.ts';
import { SourceWatch } from './source-watch.ts';
import { RateLimiter, type RateLimiterClock } from './rate-limiter.ts';
import type {
  BatchOutcome,
  RecordSink,
  RecordSource,
  SinkRecord,
  SourceBatch,
  TopicPartition,
} from './ports.ts';

export type LinkState = 'idle' | 'running' | 'stopping' | 'stopped';

/** Counters a link keeps; metrics and status read them. */
export interface LinkStats {
  recordsWritten: number;
  bytesWritten: number;
  dropped: Record<DropReason, number>;
  /** Records read that carried geomesh headers without a valid provenance tag. */
  forgedHeaders: number;
  /** Per source partition `topic/partition`: records behind the high watermark after the last batch. */
  lagRecords: Map<string, number>;
  /** Milliseconds between a written record's timestamp and its acknowledgement, last batch. */
  lastLatencyMs: number;
  /** Records passed over by the `skip` policy because the target refused them as too large. */
  skippedTooLarge: number;
  /** Writes retried after a failure whose outcome was unknown. */
  writeRetries: number;
  /** Halted source partitions `topic/partition` → why. */
  halted: Map<string, string>;
  /**
   * Records deleted from a source partition before they were copied (retention, deleteRecords; for a
   * re-created partition, what the old one held beyond the copied part at the last fetch). An upper bound
   * where the deleted range held transaction markers or other origins' replicas; see `source-truncation.md`.
   */
  truncatedRecords: number;
  /** Times a source partition's offsets went back: re-created, or truncated from its end. */
  sourceResets: number;
  /** Records read whose tag was made by a mesh key this node does not hold (dropped, skipped or halted on). */
  unknownKeyRecords: number;
  /** Of those, records passed over by the `skip` policy (the link would have had to write them). */
  skippedUnknownKey: number;
  /**
   * Why the link does not read now because the two nodes' key sets do not agree (key ids only); '' when they
   * agree or nothing is known. See `setKeyMismatch`.
   */
  keyMismatch: string;
}

export interface LinkReplicatorOptions {
  mesh: string;
  link: LinkContext;
  topics: readonly string[];
  source: RecordSource;
  sink: RecordSink;
  /** Shared by every inbound link of the region: they write into the same partitions. */
  highwater: OriginHighwater;
  /**
   * The keys to verify with and (the current one) to tag with: a `ProvenanceKeySet`, or one key prepared
   * once with `provenanceKeyObject` (HMAC key setup per record is costly).
   */
  provenanceKey: ProvenanceKeys;
  /** The regions of the mesh (origin claims naming none of them are an application's); default: any. */
  meshRegions?: ReadonlySet<string>;
  /**
   * A record tagged by a mesh key this node does not hold, which the link would have to write: `halt` the
   * partition before it (default) or `skip` it (counted, logged, not written). Never written as local.
   */
  onUnknownProvenanceKey?: 'halt' | 'skip';
  logger: Logger;
  /** Told what the link does, for metrics. */
  observer?: LinkObserver;
  /** A record larger than the target accepts: `halt` the partition before it (default) or `skip` it. */
  onRecordTooLarge?: 'halt' | 'skip';
  /**
   * A source partition lost records before they were copied, or was re-created: `continue` (default) counts
   * and logs it and goes on (for a re-created partition, from its new records); `halt` also stops the
   * partition before the batch where it was noticed.
   */
  onSourceTruncated?: 'continue' | 'halt';
  /**
   * Least milliseconds between two log-start checks of one source partition after gaps in its offsets
   * (gaps are mostly compaction or transaction markers); default 5,000. Gaps in between wait for the next.
   */
  truncationCheckIntervalMs?: number;
  /**
   * Told each acknowledged write: record i, of origin `origins[i]`, sits at target offset `baseOffset + i`
   * (the origin index is built from this).
   */
  onAcked?: (topic: string, partition: number, baseOffset: number, origins: readonly Origin[]) => void;
  /**
   * After a write whose outcome is unknown (timeout, broker restart), re-reads the target partition's tail
   * and raises the marks for whatever did land, so the retry writes nothing twice.
   */
  resync?: (topic: string, partition: number) => Promise<void>;
  /**
   * Most bytes (keys, values, headers) in one produce request; default 512 KiB. Origin headers add ~80 bytes
   * a record, so a full fetch of small records would exceed the broker's 1 MiB request limit unchunked.
   */
  maxBatchBytes?: number;
  /** Most records a second the link writes (a token bucket of one second); default unlimited. */
  maxRecordsPerSecond?: number;
  /**
   * Most bytes of batches being handled at once (read, not yet written); a batch waits for room, which
   * pauses reading its partition. Default unlimited (the source's fetch size bounds it).
   */
  maxInflightBytes?: number;
  /** The limiter's clock, for tests. */
  rateLimiterClock?: RateLimiterClock;
  /**
   * Work sharing: which target partitions this instance owns now. Without it every partition is the link's.
   * With it the source reads only owned partitions (from where the target shows earlier runs got, see
   * `takePartitions`), a batch of a partition not owned is handed back unread, and a write the sink refuses
   * with GEOMESH_REPLICATION_NOT_OWNER ends the batch the same way.
   */
  ownership?: { owns(topic: string, partition: number): boolean };
  /** Backoff between write attempts; default 500 ms doubling to 10 s. */
  retryBackoffMs?: { initial: number; max: number };
}

/** A record's size in a produce request, near enough for chunking: key, value, headers, ~20 bytes framing. */
function approximateBytes(record: SinkRecord): number {
  let bytes = 20 + (record.key?.length ?? 0) + (record.value?.length ?? 0);
  for (const [name, value] of Object.entries(record.headers)) {
    for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value])
      bytes += name.length + v.length + 2;
  }
  return bytes;
}

interface PendingWrite {
  record: SinkRecord;
  origin: Origin;
  sourceOffset: number;
}

/** Receives what a link does, batch by batch (metrics live behind it). */
export interface LinkObserver {
  written(info: {
    topic: string;
    partition: number;
    records: number;
    bytes: number;
    latenciesMs: number[];
  }): void;
  dropped(reason: DropReason, count: number): void;
  forged(count: number): void;
  lag(topic: string, partition: number, records: number): void;
  tooLarge(topic: string): void;
  halted(topic: string, partition: number): void;
  /** A source partition lost `records` before they were copied (0: re-created, nothing known lost). */
  truncated(topic: string, partition: number, records: number): void;
  /** Records tagged by a mesh key this node does not hold were read. */
  unknownKey?(count: number): void;
}

export class LinkReplicator {
  readonly stats: LinkStats = {
    recordsWritten: 0,
    bytesWritten: 0,
    dropped: { loop: 0, 'not-forwarded': 0, duplicate: 0 },
    forgedHeaders: 0,
    lagRecords: new Map(),
    lastLatencyMs: 0,
    skippedTooLarge: 0,
    writeRetries: 0,
    halted: new Map(),
    truncatedRecords: 0,
    sourceResets: 0,
    unknownKeyRecords: 0,
    skippedUnknownKey: 0,
    keyMismatch: '',
  };
  readonly #options: LinkReplicatorOptions;
  readonly #logger: Logger;
  #state: LinkState = 'idle';
  #topics: readonly string[] = [];
  readonly #limiter: RateLimiter | undefined;
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

  async start(): Promise<void> {
    if (this.#state !== 'idle')
      throw new Error(`link ${this.#options.link.from} → ${this.#options.link.to} is ${this.#state}`);
    this.#setState('running');
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
    if (!window) return this.#handleBatch(batch);
    const bytes = batch.records.reduce((n, r) => n + 20 + (r.key?.length ?? 0) + (r.value?.length ?? 0), 0);
    await window.acquire(bytes);
    try {
      return await this.#handleBatch(batch);
    } finally {
      window.release(bytes);
    }
  }

  async #handleBatch(batch: SourceBatch): Promise<BatchOutcome> {
    const { mesh, link, highwater, provenanceKey, observer, meshRegions } = this.#options;
    const tp = `${batch.topic}/${batch.partition}`;
    if (this.#options.ownership && !this.#options.ownership.owns(batch.topic, batch.partition))
      return { kind: 'released' };
    const first = batch.records[0]?.offset;
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
    const items: PendingWrite[] = [];
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
        const policy = this.#options.onUnknownProvenanceKey ?? 'halt';
        const key = decision.keyId === null ? 'a v1 tag no held key verifies' : `key id ${decision.keyId}`;
        const what =
          `record ${batch.topic}/${batch.partition}@${record.offset} in ${link.from} claims origin ` +
          `${decision.origin.region}@${decision.origin.offset} with a provenance tag of ${key}, which this node does not hold`;
        this.#logger.error(
          {
            code: 'GEOMESH_REPLICATION_UNKNOWN_KEY',
            topic: batch.topic,
            partition: batch.partition,
            offset: record.offset,
            keyId: decision.keyId,
            origin: decision.origin.region,
            policy,
          },
          `${what}; ` +
            (policy === 'skip'
              ? 'skipped by policy (onUnknownProvenanceKey: skip)'
              : 'partition halted by policy (onUnknownProvenanceKey: halt), never copied as a local record: ' +
                'add the key that made it to provenance.accept of this node and restart'),
        );
        if (policy === 'skip') {
          skipped++;
          continue;
        }
        haltAt = {
          offset: record.offset,
          why: `record at offset ${record.offset} is tagged by ${key}, which this node does not hold (add it to provenance.accept)`,
        };
        break;
      }
      const headers = decision.isReplica
        ? record.headers
        : encodeOriginHeaders(record.headers, provenanceKey, mesh, decision.origin, identity);
      items.push({
        record: { timestamp: record.timestamp, key: record.key, value: record.value, headers },
        origin: decision.origin,
        sourceOffset: record.offset,
      });
    }
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
    let outcome = await this.#writeChunked(batch.topic, batch.partition, items, batch.heartbeat);
    if (outcome.kind === 'done' && haltAt)
      outcome = this.#halt(batch.topic, batch.partition, haltAt.offset, haltAt.why);
    const last = batch.records[batch.records.length - 1];
    if (outcome.kind === 'halted') this.#haltedAt.set(tp, outcome.resumeAt);
    if (outcome.kind === 'done') this.#sourceWatch.handled(batch, check.isNewIncarnation);
    if (last) {
      const lag = Math.max(0, batch.highWatermark - last.offset - 1);
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

  /**
   * Writes `items` in chunks of at most `maxBatchBytes` (and, when rate-limited, one second's worth of
   * records, so each wait is short and the source can heartbeat between chunks), stopping at a halted chunk.
   */
  async #writeChunked(
    topic: string,
    partition: number,
    items: readonly PendingWrite[],
    heartbeat?: () => Promise<void>,
  ): Promise<BatchOutcome> {
    const maxBytes = this.#options.maxBatchBytes ?? 512 * 1024;
    const maxRecords = this.#limiter ? Math.max(1, Math.floor(this.#limiter.recordsPerSecond)) : Infinity;
    let start = 0;
    while (start < items.length) {
      let end = start;
      let bytes = 0;
      while (
        end < items.length &&
        end - start < maxRecords &&
        (end === start || bytes + approximateBytes(items[end]!.record) <= maxBytes)
      ) {
        bytes += approximateBytes(items[end]!.record);
        end++;
      }
      if (this.#limiter) {
        await this.#limiter.take(end - start);
        await heartbeat?.();
      }
      const outcome = await this.#writeUntilDone(topic, partition, items.slice(start, end));
      if (outcome.kind !== 'done') return outcome;
      start = end;
    }
    return { kind: 'done' };
  }

  /**
   * Writes until the target acknowledges, or the link stops. After a failed attempt the records may or may not
   * have landed: the marks are re-synced from the target's tail and only what is still missing is retried.
   */
  async #writeUntilDone(
    topic: string,
    partition: number,
    items: readonly PendingWrite[],
  ): Promise<BatchOutcome> {
    const { highwater } = this.#options;
    const backoff = this.#options.retryBackoffMs ?? { initial: 500, max: 10_000 };
    let delayMs = backoff.initial;
    let pending = items;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#write(topic, partition, pending);
      } catch (err) {
        if (isGeomeshError(err, 'GEOMESH_REPLICATION_NOT_OWNER')) {
          this.#logger.info({ topic, partition }, 'target partition not certainly owned; batch handed back');
          // Still owned but the lease is unsure: the partition is read again, so not at once.
          if (this.#options.ownership?.owns(topic, partition)) await new Promise((r) => setTimeout(r, 500));
          return { kind: 'released' };
        }
        if (this.#state !== 'running') throw err;
        // A partition given up meanwhile (work sharing) is the next owner's: no re-sync into this index.
        if (this.#options.ownership && !this.#options.ownership.owns(topic, partition))
          return { kind: 'released' };
        this.stats.writeRetries++;
        this.#logger.warn(
          { topic, partition, attempt, err },
          'write to the target failed; re-syncing and retrying',
        );
        await new Promise((r) => setTimeout(r, delayMs));
        delayMs = Math.min(backoff.max, delayMs * 2);
        try {
          await this.#options.resync?.(topic, partition);
        } catch (resyncErr) {
          this.#logger.warn(
            { topic, partition, err: resyncErr },
            're-sync from the target failed; will retry',
          );
          continue;
        }
        pending = pending.filter(
          (i) => !highwater.isDuplicate(topic, partition, i.origin.region, i.origin.offset),
        );
        if (pending.length === 0) return { kind: 'done' };
      }
    }
  }

  /**
   * Writes `items` in order. A write the target refuses as too large is split in halves until the one record
   * at fault is found; that record gets the link's policy (skip: counted, logged, passed over; halt: the
   * partition stops before it). Marks advance only for what was written.
   */
  async #write(topic: string, partition: number, items: readonly PendingWrite[]): Promise<BatchOutcome> {
    const { highwater, observer, sink } = this.#options;
    let baseOffset: number;
    try {
      ({ baseOffset } = await sink.write(
        topic,
        partition,
        items.map((i) => i.record),
      ));
    } catch (err) {
      if (!isGeomeshError(err, 'GEOMESH_REPLICATION_RECORD_TOO_LARGE')) throw err;
      if (items.length > 1) {
        const middle = Math.ceil(items.length / 2);
        const first = await this.#write(topic, partition, items.slice(0, middle));
        return first.kind === 'halted' ? first : this.#write(topic, partition, items.slice(middle));
      }
      const item = items[0]!;
      const bytes = (item.record.key?.length ?? 0) + (item.record.value?.length ?? 0);
      const policy = this.#options.onRecordTooLarge ?? 'halt';
      observer?.tooLarge(topic);
      this.#logger.error(
        { topic, partition, sourceOffset: item.sourceOffset, bytes, policy, code: err.code },
        `record ${topic}/${partition}@${item.sourceOffset} (${bytes} bytes of key and value) is larger than the target's max.message.bytes; ` +
          (policy === 'skip'
            ? 'skipped by policy (onRecordTooLarge: skip)'
            : `partition halted by policy (onRecordTooLarge: halt): raise max.message.bytes of ${topic} in ${this.#options.link.to} and restart, or set onRecordTooLarge: skip`),
      );
      if (policy === 'skip') {
        this.stats.skippedTooLarge++;
        return { kind: 'done' };
      }
      this.stats.halted.set(
        `${topic}/${partition}`,
        `record at offset ${item.sourceOffset} is too large for the target`,
      );
      observer?.halted(topic, partition);
      return { kind: 'halted', resumeAt: item.sourceOffset };
    }
    for (const item of items) highwater.advance(topic, partition, item.origin.region, item.origin.offset);
    if (baseOffset >= 0)
      this.#options.onAcked?.(
        topic,
        partition,
        baseOffset,
        items.map((i) => i.origin),
      );
    const now = Date.now();
    const latenciesMs = items.map((i) => now - Number(i.record.timestamp));
    const bytes = items.reduce((n, i) => n + (i.record.key?.length ?? 0) + (i.record.value?.length ?? 0), 0);
    this.stats.recordsWritten += items.length;
    this.stats.bytesWritten += bytes;
    this.stats.lastLatencyMs = latenciesMs[latenciesMs.length - 1] ?? 0;
    observer?.written({ topic, partition, records: items.length, bytes, latenciesMs });
    return { kind: 'done' };
  }

  #setState(state: LinkState): void {
    this.#state = state;
    this.#logger.info({ state }, 'link state');
  }
}
