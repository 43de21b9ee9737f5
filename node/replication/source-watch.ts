/**
 * What a link knows of each source partition's offsets, to notice records deleted before they were copied
 * (retention, deleteRecords) and a partition that was re-created or truncated from its end; each finding is
 * counted, logged and gets the link's policy (`source-truncation.md`). One per link; batches of a partition
 * are checked one at a time.
 */
import type { Logger } from '../log/index.ts';
import type { LinkContext } from './forward-decision.ts';
import type { OriginHighwater } from './origin-highwater.ts';
import type { PartitionOffsets, RecordSource, SourceBatch } from './ports.ts';
import { NODE_DEFAULTS } from '../defaults/index.ts';

/** Most unchecked offset gaps kept per partition; one more forces a check despite the interval. */
const MAX_UNCHECKED_GAPS = 64;

/** What a link knows of one source partition's offsets, to notice truncation and re-creation. */
interface SourcePartitionWatch {
  /** The next offset expected: last handled record + 1; undefined while unknown. */
  expected: number | undefined;
  /** Offset ranges [from, to) skipped between batches and not yet compared with the log start. */
  gaps: { from: number; to: number }[];
  /** When the source's offsets were last asked for (ms since the epoch; 0: never). */
  checkedAtMs: number;
  /** The source's high watermark with the last handled batch. */
  highWatermark: number | undefined;
}

/** Whether a batch may go on, and whether it starts a re-created partition's new records. */
export type SourceCheck = { kind: 'go'; isNewIncarnation: boolean } | { kind: 'halted'; resumeAt: number };

/** What the watch needs of its link. */
export interface SourceWatchContext {
  link: LinkContext;
  source: RecordSource;
  highwater: OriginHighwater;
  logger: Logger;
  observer?: { truncated(topic: string, partition: number, records: number): void };
  /** `continue` (default) or `halt` the partition. */
  onSourceTruncated?: 'continue' | 'halt';
  /** Least milliseconds between two log-start checks of a partition after gaps; default 5,000. */
  truncationCheckIntervalMs?: number;
  /** The link's counters this watch adds to. */
  stats: { truncatedRecords: number; sourceResets: number };
  /** Halts the partition before `resumeAt` with `why` (the link records and reports it). */
  halt(topic: string, partition: number, resumeAt: number, why: string): { kind: 'halted'; resumeAt: number };
}

export class SourceWatch {
  readonly #ctx: SourceWatchContext;
  /** Per source partition `topic/partition`. */
  readonly #watches = new Map<string, SourcePartitionWatch>();

  constructor(ctx: SourceWatchContext) {
    this.#ctx = ctx;
  }

  /** The next offset expected of a partition (last handled record + 1), or undefined while unknown. */
  expected(topic: string, partition: number): number | undefined {
    return this.#watches.get(`${topic}/${partition}`)?.expected;
  }

  /** Forgets a partition (another instance may have moved it on since). */
  forget(topic: string, partition: number): void {
    this.#watches.delete(`${topic}/${partition}`);
  }

  /** Notes that a checked batch was handled through its last record. */
  handled(batch: SourceBatch, isNewIncarnation: boolean): void {
    const watch = this.#watches.get(`${batch.topic}/${batch.partition}`);
    const last = batch.records.at(-1);
    if (!watch || !last) return;
    // A replay (the source rewound to its committed offset) leaves the expectation where it was. A fetch that
    // ended in a transaction marker expects the offset after the marker.
    const next = Math.max(last.offset, batch.lastOffset ?? last.offset) + 1;
    watch.expected = isNewIncarnation ? next : Math.max(watch.expected ?? 0, next);
    watch.highWatermark = batch.highWatermark;
  }

  /** The watch of a source partition, made on its first batch with what earlier runs left behind. */
  #watchOf(topic: string, partition: number): SourcePartitionWatch {
    const tp = `${topic}/${partition}`;
    let watch = this.#watches.get(tp);
    if (!watch) {
      // Both are lower bounds of how far earlier runs got: the committed offset lags the writes by up to a
      // commit interval, and the mark of the source's own records misses the other origins' replicas after it.
      const committed = this.#ctx.source.committedOffset(topic, partition) ?? -1;
      const mark = this.#ctx.highwater.get(topic, partition, this.#ctx.link.from);
      const known = Math.max(committed, mark >= 0 ? mark + 1 : -1);
      watch = {
        expected: known >= 0 ? known : undefined,
        gaps: [],
        checkedAtMs: 0,
        highWatermark: undefined,
      };
      this.#watches.set(tp, watch);
    }
    return watch;
  }

  /**
   * Compares a batch's first offset with the one expected. A batch beyond it leaves a gap, which compaction,
   * transaction markers and aborted records also leave: gaps are compared with the log start, at most once per
   * interval. A batch at or below an offset already handled is a replay (the source rewound to its committed
   * offset) unless the source partition now ends before what was handled: then it was re-created or truncated
   * from its end. Either finding is counted, logged and gets the link's policy.
   */
  async check(batch: SourceBatch): Promise<SourceCheck> {
    const { topic, partition } = batch;
    const first = batch.records.at(0)?.offset;
    if (first === undefined) return { kind: 'go', isNewIncarnation: false };
    const watch = this.#watchOf(topic, partition);
    const { expected } = watch;
    const mark = this.#ctx.highwater.get(topic, partition, this.#ctx.link.from);
    const isBehind = (expected !== undefined && first < expected) || first <= mark;
    if (expected !== undefined && first > expected) watch.gaps.push({ from: expected, to: first });
    const now = Date.now();
    const isGapDue =
      watch.gaps.length > 0 &&
      (now - watch.checkedAtMs >=
        (this.#ctx.truncationCheckIntervalMs ?? NODE_DEFAULTS.truncationCheckIntervalMs) ||
        watch.gaps.length >= MAX_UNCHECKED_GAPS);
    if (!isBehind && !isGapDue) return { kind: 'go', isNewIncarnation: false };
    watch.checkedAtMs = now;
    // A failure propagates: the source retries the batch, so nothing is judged without the offsets.
    const offsets = await this.#ctx.source.partitionOffsets(topic, partition);
    const gaps = watch.gaps;
    watch.gaps = [];
    let lost = 0;
    let lostFrom: number | undefined;
    let lostTo = 0;
    for (const gap of gaps) {
      const end = Math.min(gap.to, offsets.logStart);
      if (end <= gap.from) continue;
      lost += end - gap.from;
      lostFrom ??= gap.from;
      lostTo = end - 1;
    }
    if (lostFrom !== undefined) {
      const outcome = this.#onTruncated(topic, partition, first, lost, lostFrom, lostTo, offsets);
      if (outcome.kind === 'halted') return outcome;
    }
    const isGone = (expected !== undefined && offsets.logEnd < expected) || offsets.logEnd <= mark;
    if (isBehind && isGone) return this.#onReset(batch, first, offsets, mark);
    return { kind: 'go', isNewIncarnation: false };
  }

  /** Records [from, to] were deleted from the source before they were copied. */
  #onTruncated(
    topic: string,
    partition: number,
    first: number,
    records: number,
    from: number,
    to: number,
    offsets: PartitionOffsets,
  ): SourceCheck {
    const policy = this.#ctx.onSourceTruncated ?? 'continue';
    this.#ctx.stats.truncatedRecords += records;
    this.#ctx.observer?.truncated(topic, partition, records);
    this.#ctx.logger.error(
      { topic, partition, records, fromOffset: from, toOffset: to, logStart: offsets.logStart, policy },
      `source ${topic}/${partition} in ${this.#ctx.link.from}: ${records} records (offsets ${from}..${to}) ` +
        `were deleted (retention or deleteRecords) before they were copied; ` +
        (policy === 'halt'
          ? 'partition halted by policy (onSourceTruncated: halt): set onSourceTruncated: continue and restart to go on without them'
          : 'going on from the log start by policy (onSourceTruncated: continue)'),
    );
    if (policy === 'continue') return { kind: 'go', isNewIncarnation: false };
    return this.#ctx.halt(
      topic,
      partition,
      first,
      `source truncated: ${records} records deleted before they were copied (offsets ${from}..${to})`,
    );
  }

  /**
   * The source partition now ends before offsets already handled: it was re-created (deleted and created
   * again) or truncated from its end (unclean leader election). Its offsets restart and name new records.
   */
  #onReset(batch: SourceBatch, first: number, offsets: PartitionOffsets, mark: number): SourceCheck {
    const { topic, partition } = batch;
    const { link, highwater, observer } = this.#ctx;
    const watch = this.#watchOf(topic, partition);
    const policy = this.#ctx.onSourceTruncated ?? 'continue';
    // What the old partition held beyond the copied part when it was last fetched: certainly lost. Whatever
    // was written to it after that fetch is unknown.
    const lost =
      watch.expected !== undefined && watch.highWatermark !== undefined
        ? Math.max(0, watch.highWatermark - watch.expected)
        : 0;
    this.#ctx.stats.sourceResets++;
    this.#ctx.stats.truncatedRecords += lost;
    observer?.truncated(topic, partition, lost);
    const expected = watch.expected ?? mark + 1;
    this.#ctx.logger.error(
      { topic, partition, expected, firstOffset: first, logEnd: offsets.logEnd, mark, lost, policy },
      `source ${topic}/${partition} in ${link.from} went back: offsets up to ${expected - 1} were handled but ` +
        `the partition now ends at ${offsets.logEnd} (topic re-created, or truncated from its end); ` +
        (policy === 'halt'
          ? 'partition halted by policy (onSourceTruncated: halt): set onSourceTruncated: continue and restart to replicate its new records'
          : `replicating its new records from offset ${first} by policy (onSourceTruncated: continue)`),
    );
    if (policy === 'halt') {
      return this.#ctx.halt(
        topic,
        partition,
        first,
        `source re-created or truncated from its end: offsets up to ${expected - 1} were handled, the partition now ends at ${offsets.logEnd}`,
      );
    }
    // The safe rule (source-truncation.md): only the mark of the source's own records in this partition
    // names offsets of this source partition; other origins' marks name offsets of their own partitions and
    // stay. It is lowered only on proof that the offsets it names are gone from the source (it now ends at or
    // before them), never because a batch merely starts lower, which is a replay whose records the marks must
    // keep dropping. It goes to just below this batch, the first the new partition gave, before any of its
    // records is judged; this link alone writes that origin into the partition, one batch at a time.
    if (link.forwardsOrigin(link.from) && mark >= first)
      highwater.rewind(topic, partition, link.from, first - 1);
    watch.expected = undefined;
    watch.gaps = [];
    watch.highWatermark = undefined;
    return { kind: 'go', isNewIncarnation: true };
  }
}
