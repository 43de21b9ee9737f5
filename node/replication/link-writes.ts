/**
 * How a link writes what passed its rule into the target: a write of at most `maxBatchBytes` (in chunks of one
 * second's worth of records when rate-limited), until the target acknowledges or the link stops; after a failed
 * attempt the marks are re-synced from the target's tail and only what is still missing is retried; a write the
 * target refuses as too large is split until the one record at fault is found, which gets the link's policy.
 */
import { isGeomeshError } from '../../base/index.ts';
import { NODE_DEFAULTS } from '../defaults/index.ts';
import type { Logger } from '../log/index.ts';
import {
  originsOf,
  pickWrites,
  sliceWrites,
  type LinkReplicatorOptions,
  type LinkStats,
  type PendingWrites,
} from './link-options.ts';
import type { BatchOutcome } from './ports.ts';
import type { RateLimiter } from './rate-limiter.ts';

/** What the writes of a link read of it. */
export interface LinkWritesContext {
  options: LinkReplicatorOptions;
  stats: LinkStats;
  limiter: RateLimiter | undefined;
  logger: Logger;
  isRunning(): boolean;
}

export class LinkWrites {
  readonly #ctx: LinkWritesContext;

  constructor(ctx: LinkWritesContext) {
    this.#ctx = ctx;
  }

  /**
   * Writes `writes`, one write's worth (at most `maxBatchBytes`: the link groups them as it decides them), and
   * when rate-limited in chunks of one second's worth of records, so each wait is short and the source can
   * heartbeat between chunks; stops at a halted chunk.
   */
  async writeChunked(
    topic: string,
    partition: number,
    writes: PendingWrites,
    heartbeat?: () => Promise<void>,
  ): Promise<BatchOutcome> {
    const limiter = this.#ctx.limiter;
    const count = writes.regions.length;
    const maxRecords = limiter ? Math.max(1, Math.floor(limiter.recordsPerSecond)) : count;
    for (let start = 0; start < count;) {
      const end = Math.min(count, start + maxRecords);
      if (limiter) {
        await limiter.take(end - start);
        await heartbeat?.();
      }
      const chunk = sliceWrites(writes, start, end);
      const outcome = await this.#writeUntilDone(topic, partition, chunk);
      if (outcome.kind !== 'done') return outcome;
      start = end;
    }
    return { kind: 'done' };
  }

  /**
   * Writes until the target acknowledges, or the link stops. After a failed attempt the records may or may not
   * have landed: the marks are re-synced from the target's tail and only what is still missing is retried.
   */
  async #writeUntilDone(topic: string, partition: number, writes: PendingWrites): Promise<BatchOutcome> {
    const { highwater } = this.#ctx.options;
    const backoff = this.#ctx.options.retryBackoffMs ?? NODE_DEFAULTS.writeRetryBackoffMs;
    let delayMs = backoff.initial;
    let pending = writes;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#write(topic, partition, pending);
      } catch (err) {
        if (isGeomeshError(err, 'GEOMESH_REPLICATION_NOT_OWNER')) {
          this.#ctx.logger.info(
            { topic, partition },
            'target partition not certainly owned; batch handed back',
          );
          // Still owned but the lease is unsure: the partition is read again, so not at once.
          if (this.#ctx.options.ownership?.owns(topic, partition))
            await new Promise((r) => setTimeout(r, 500));
          return { kind: 'released' };
        }
        if (!this.#ctx.isRunning()) throw err;
        // A partition given up meanwhile (work sharing) is the next owner's: no re-sync into this index.
        if (this.#ctx.options.ownership && !this.#ctx.options.ownership.owns(topic, partition))
          return { kind: 'released' };
        this.#ctx.stats.writeRetries++;
        this.#ctx.logger.warn(
          { topic, partition, attempt, err },
          'write to the target failed; re-syncing and retrying',
        );
        await new Promise((r) => setTimeout(r, delayMs));
        delayMs = Math.min(backoff.max, delayMs * 2);
        try {
          await this.#ctx.options.resync?.(topic, partition);
        } catch (resyncErr) {
          this.#ctx.logger.warn(
            { topic, partition, err: resyncErr },
            're-sync from the target failed; will retry',
          );
          continue;
        }
        const missing: number[] = [];
        const { regions, originOffsets } = pending;
        regions.forEach((region, i) => {
          if (!highwater.isDuplicate(topic, partition, region, originOffsets[i]!)) missing.push(i);
        });
        if (missing.length === 0) return { kind: 'done' };
        if (missing.length < regions.length) pending = pickWrites(pending, missing);
      }
    }
  }

  /**
   * Writes `writes` in order. A write the target refuses as too large is split in halves until the one record
   * at fault is found; that record gets the link's policy (skip: counted, logged, passed over; halt: the
   * partition stops before it). Marks advance only for what was written.
   */
  async #write(topic: string, partition: number, writes: PendingWrites): Promise<BatchOutcome> {
    const { highwater, observer, sink } = this.#ctx.options;
    const { records, regions, originOffsets } = writes;
    const count = regions.length;
    let baseOffset: number;
    try {
      ({ baseOffset } = await sink.write(topic, partition, records));
    } catch (err) {
      if (!isGeomeshError(err, 'GEOMESH_REPLICATION_RECORD_TOO_LARGE')) throw err;
      if (count > 1) {
        const middle = Math.ceil(count / 2);
        const first = await this.#write(topic, partition, sliceWrites(writes, 0, middle));
        return first.kind === 'halted'
          ? first
          : this.#write(topic, partition, sliceWrites(writes, middle, count));
      }
      const sourceOffset = writes.sourceOffsets[0]!;
      const bytes = records.payloadBytes;
      const policy = this.#ctx.options.onRecordTooLarge ?? 'halt';
      observer?.tooLarge(topic);
      this.#ctx.logger.error(
        { topic, partition, sourceOffset, bytes, policy, code: err.code },
        `record ${topic}/${partition}@${sourceOffset} (${bytes} bytes of key and value) is larger than the target's max.message.bytes; ` +
          (policy === 'skip'
            ? 'skipped by policy (onRecordTooLarge: skip)'
            : `partition halted by policy (onRecordTooLarge: halt): raise max.message.bytes of ${topic} in ${this.#ctx.options.link.to} and restart, or set onRecordTooLarge: skip`),
      );
      if (policy === 'skip') {
        this.#ctx.stats.skippedTooLarge++;
        return { kind: 'done' };
      }
      this.#ctx.stats.halted.set(
        `${topic}/${partition}`,
        `record at offset ${sourceOffset} is too large for the target`,
      );
      observer?.halted(topic, partition);
      return { kind: 'halted', resumeAt: sourceOffset };
    }
    for (let i = 0; i < count; i++) highwater.advance(topic, partition, regions[i]!, originOffsets[i]!);
    const onAcked = this.#ctx.options.onAcked;
    if (baseOffset >= 0 && onAcked) onAcked(topic, partition, baseOffset, originsOf(writes));
    const now = Date.now();
    const latenciesMs = regions.map((_, i) => now - records.timestampAt(i));
    const bytes = records.payloadBytes;
    this.#ctx.stats.recordsWritten += count;
    this.#ctx.stats.bytesWritten += bytes;
    this.#ctx.stats.lastLatencyMs = latenciesMs[latenciesMs.length - 1] ?? 0;
    const held = writes.receivedAtMs === undefined ? {} : { heldMs: [now - writes.receivedAtMs] };
    observer?.written({ topic, partition, records: count, bytes, latenciesMs, ...held });
    return { kind: 'done' };
  }
}
