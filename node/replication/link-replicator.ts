/**
 * Replicates one inbound link X → R: reads X's selected topics, applies the per-record rule
 * (provenance, loop, routing, idempotence), writes what passes into the same topic and partition of R with
 * origin headers, and only then lets the source move past it.
 *
 * States: idle → running → stopping → stopped. `stop()` is idempotent; concurrent callers share one promise.
 */
import type { Logger } from '../log/index.ts';
import { decideForward, type DropReason, type LinkContext } from './forward-decision.ts';
import { isGeomeshError } from '../errors/index.ts';
import {
  decodeOriginHeaders,
  encodeOriginHeaders,
  type Origin,
  type ProvenanceKey,
  type RecordIdentity,
} from './origin-headers.ts';
import type { OriginHighwater } from './origin-highwater.ts';
import type { BatchOutcome, RecordSink, RecordSource, SinkRecord, SourceBatch } from './ports.ts';

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
}

export interface LinkReplicatorOptions {
  mesh: string;
  link: LinkContext;
  topics: readonly string[];
  source: RecordSource;
  sink: RecordSink;
  /** Shared by every inbound link of the region: they write into the same partitions. */
  highwater: OriginHighwater;
  /** Prepare it once with `provenanceKeyObject`: HMAC key setup per record is costly. */
  provenanceKey: ProvenanceKey;
  logger: Logger;
  /** Told what the link does, for metrics. */
  observer?: LinkObserver;
  /** A record larger than the target accepts: `halt` the partition before it (default) or `skip` it. */
  onRecordTooLarge?: 'halt' | 'skip';
  /** Told the target offset after each acknowledged write (`nextOffset` = last written + 1). */
  onAcked?: (topic: string, partition: number, nextOffset: number) => void;
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
  };
  readonly #options: LinkReplicatorOptions;
  readonly #logger: Logger;
  #state: LinkState = 'idle';
  #topics: readonly string[] = [];
  #stopping: Promise<void> | undefined;

  constructor(options: LinkReplicatorOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'link', from: options.link.from, to: options.link.to });
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
    await this.#options.source.start(
      this.#topics,
      () => undefined,
      (batch) => this.#onBatch(batch),
    );
  }

  /** The topics the link reads. */
  get topics(): readonly string[] {
    return this.#topics;
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
    const { mesh, link, highwater, provenanceKey, observer } = this.#options;
    const items: PendingWrite[] = [];
    const dropped: Partial<Record<DropReason, number>> = {};
    let forged = 0;
    for (const record of batch.records) {
      const identity: RecordIdentity = record;
      const provenance = decodeOriginHeaders(record.headers, provenanceKey, mesh, identity);
      if (provenance.kind === 'local' && provenance.hasForgedHeaders) forged++;
      const decision = decideForward(link, provenance, record, highwater);
      if (decision.action === 'drop') {
        dropped[decision.reason] = (dropped[decision.reason] ?? 0) + 1;
        continue;
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
    const outcome = await this.#writeChunked(batch.topic, batch.partition, items);
    const last = batch.records[batch.records.length - 1];
    if (last) {
      const lag = Math.max(0, batch.highWatermark - last.offset - 1);
      this.stats.lagRecords.set(`${batch.topic}/${batch.partition}`, lag);
      observer?.lag(batch.topic, batch.partition, lag);
    }
    return outcome;
  }

  /** Writes `items` in chunks of at most `maxBatchBytes`, stopping at a halted chunk. */
  async #writeChunked(
    topic: string,
    partition: number,
    items: readonly PendingWrite[],
  ): Promise<BatchOutcome> {
    const maxBytes = this.#options.maxBatchBytes ?? 512 * 1024;
    let start = 0;
    while (start < items.length) {
      let end = start;
      let bytes = 0;
      while (
        end < items.length &&
        (end === start || bytes + approximateBytes(items[end]!.record) <= maxBytes)
      ) {
        bytes += approximateBytes(items[end]!.record);
        end++;
      }
      const outcome = await this.#writeUntilDone(topic, partition, items.slice(start, end));
      if (outcome.kind === 'halted') return outcome;
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
        if (this.#state !== 'running') throw err;
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
    if (baseOffset >= 0) this.#options.onAcked?.(topic, partition, baseOffset + items.length);
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
