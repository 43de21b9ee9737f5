/**
 * Keeps a region's origin index in step with its cluster (ARCHITECTURE.md, "Offset translation"): loads it and
 * the group checkpoints from the index topic, scans each target partition's tail beyond what the index covers
 * (verified origin headers only), sets the per-origin high-water marks from it, re-syncs a partition after a
 * write whose outcome is unknown, persists what changed every flush, and prunes runs retention deleted.
 *
 * A write whose outcome is unknown makes its partition "unsure" from the index's `through` before it: its
 * records may have landed anywhere from there, so flushed heads never claim past it until a re-sync.
 */
import { partitionKey } from '../replication/index.ts';
import type { Logger } from '../log/index.ts';
import { decodeOriginHeaders, type OriginHighwater, type ProvenanceKeySet } from '../replication/index.ts';
import {
  decodeIndexRecordV1,
  encodeIndexRecordV1,
  indexTopicName,
  type CheckpointStore,
  type IndexRecord,
  type OriginIndex,
} from '../translation/index.ts';
import type { IndexCluster, IndexTopicWriter } from './ports.ts';

type PartitionRecord = Exclude<IndexRecord, { kind: 'checkpoint' | 'checkpoint-deleted' }>;

export interface IndexKeeperOptions {
  mesh: string;
  cluster: IndexCluster;
  index: OriginIndex;
  highwater: OriginHighwater;
  checkpoints: CheckpointStore;
  provenanceKeys: ProvenanceKeySet;
  /**
   * Under work sharing a start loads only the checkpoints (a partition's index is loaded when acquired), and a
   * partition's records are flushed only while this says so (it is owned, or being handed over).
   */
  workSharing?: { mayFlush(topic: string, partition: number): boolean; isLeaseValid(): boolean };
  logger: Logger;
}

/** How a scan sets marks: exactly at start and when partitions are acquired, else only raised. */
export type ScanPhase = 'start' | 'acquire' | 'refresh';

export class IndexKeeper {
  /** What the start found: runs loaded from the index topic, records of the log tails scanned. */
  readonly startReport = { indexRunsLoaded: 0, tailRecordsScanned: 0, targetRecords: 0 };
  readonly #options: IndexKeeperOptions;
  readonly #unsureFrom = new Map<string, number>();
  #writer: IndexTopicWriter | undefined;
  /** Records taken but not yet written (a failed flush is retried with the next). */
  #unflushed: IndexRecord[] = [];
  #flushing: Promise<void> | undefined;

  constructor(options: IndexKeeperOptions) {
    this.#options = options;
  }

  /** Persisted with the next flush (e.g. a checkpoint a peer pushed). */
  enqueue(record: IndexRecord): void {
    this.#unflushed.push(record);
  }

  /** A write into the partition failed: its records may have landed from the index's `through` before it. */
  noteUnsure(topic: string, partition: number, through: number): void {
    const key = partitionKey(topic, partition);
    const unsure = this.#unsureFrom.get(key);
    this.#unsureFrom.set(key, Math.min(unsure ?? through, through));
  }

  /** Forgets a partition's index, marks and unsureness (handed over, or about to be loaded afresh). */
  forget(topic: string, partition: number): void {
    this.#options.index.forget(topic, partition);
    this.#options.highwater.forget(topic, partition);
    this.#unsureFrom.delete(partitionKey(topic, partition));
  }

  /**
   * Loads the origin index and the checkpoints from the index topic (and opens its writer). Under work
   * sharing the start loads only the checkpoints; `only` (partitions being acquired, or another instance's
   * partitions a translation asks for) loads just their index, `into` the given one.
   */
  async load(only?: ReadonlySet<string>, into: OriginIndex = this.#options.index): Promise<void> {
    const { cluster, mesh } = this.#options;
    const topic = indexTopicName(mesh);
    if (!only) {
      await cluster.ensureCompactedTopic(topic);
      this.#writer = cluster.compactedTopicWriter(topic);
    }
    const isWanted = (r: PartitionRecord) =>
      only ? only.has(partitionKey(r.topic, r.partition)) : !this.#options.workSharing;
    const runs: Extract<IndexRecord, { kind: 'run' }>[] = [];
    let refused = 0;
    for (const [key, value] of await cluster.readCompactedTopic(topic)) {
      const record = decodeIndexRecordV1(key, value);
      if (!record) continue;
      if (record.kind === 'checkpoint' || record.kind === 'checkpoint-deleted') {
        if (!only && record.kind === 'checkpoint') this.#options.checkpoints.put(record.checkpoint);
        else if (!only) into.apply(record);
      } else if (!isWanted(record)) continue;
      else if (record.kind === 'run') runs.push(record);
      else if (!into.apply(record)) refused++;
    }
    runs.sort((a, b) => a.run.targetStart - b.run.targetStart);
    for (const r of runs) if (!into.apply(r)) refused++;
    if (only) return;
    into.takeDirty();
    this.startReport.indexRunsLoaded = into.runCount;
    this.#options.logger.info(
      { topic, runs: into.runCount, checkpoints: this.#options.checkpoints.size, refused },
      'origin index loaded',
    );
  }

  /**
   * Brings the index up to each target partition's end: a partition that now ends before what the index
   * covers was re-created and is scanned from its start; otherwise the scan starts where the index ends.
   * Verified replicas found are indexed; then the marks are set from the index (not for another index
   * `into`, e.g. of partitions another instance owns).
   */
  async scanTails(
    topics: readonly string[],
    phase: ScanPhase,
    only?: ReadonlySet<string>,
    into: OriginIndex = this.#options.index,
  ): Promise<void> {
    const { cluster, mesh, provenanceKeys, highwater, logger } = this.#options;
    const setsMarks = into === this.#options.index;
    const isExact = phase !== 'refresh';
    let scanned = 0;
    let unknownKey = 0;
    for (const topic of topics) {
      const offsets = (await cluster.topicOffsets(topic)).filter(
        (o) => !only || only.has(partitionKey(topic, o.partition)),
      );
      if (offsets.length === 0) continue;
      const from = new Map<number, number>();
      for (const { partition, low, high } of offsets) {
        const runs = into.get(topic, partition);
        if (runs && runs.through > high) {
          logger.warn(
            { topic, partition, indexed: runs.through, logEnd: high },
            'target partition ends before what the index covers (re-created): indexing it again',
          );
          into.reset(topic, partition);
        }
        into.prune(topic, partition, low);
        const start = Math.max(low, into.get(topic, partition)?.through ?? 0);
        if (high > start) from.set(partition, start);
      }
      if (phase === 'start' && setsMarks)
        for (const o of offsets) this.startReport.targetRecords += o.high - o.low;
      if (from.size > 0) {
        await cluster.readRanges(topic, from, (record) => {
          scanned++;
          const provenance = decodeOriginHeaders(record.headers, provenanceKeys, mesh, record);
          if (provenance.kind === 'unknown-key') unknownKey++;
          if (provenance.kind === 'replicated') {
            const { region, offset } = provenance.origin;
            into.noteWritten(topic, record.partition, record.offset, [{ region, offset }]);
          }
        });
      }
      for (const o of offsets) into.noteScannedThrough(topic, o.partition, o.high);
      for (const o of setsMarks ? offsets : []) {
        const runs = into.get(topic, o.partition);
        for (const origin of runs?.origins() ?? []) {
          // At start the last copy of each origin in the partition sets its mark, not the highest: after a
          // source partition was re-created, later copies carry lower origin offsets that are new records.
          const last = runs!.lastOriginOffset(origin);
          if (isExact) highwater.rewind(topic, o.partition, origin, last);
          else highwater.advance(topic, o.partition, origin, last);
        }
      }
    }
    if (phase === 'start') this.startReport.tailRecordsScanned += scanned;
    if (unknownKey > 0)
      logger.warn(
        { topics, records: unknownKey },
        `${unknownKey} records of this region's log tails carry provenance tags of a key this node does not hold: ` +
          'they are not indexed as replicas (translation and duplicate marks miss them); add that key to ' +
          'provenance.accept until retention has deleted them',
      );
    logger[setsMarks ? 'info' : 'debug'](
      { topics: topics.length, scanned, runs: into.runCount, marks: highwater.size },
      'log tails scanned; high-water marks set from the origin index',
    );
  }

  /** Reads a target partition from where a failed write may have landed to its end, indexing what did. */
  async resync(topic: string, partition: number): Promise<void> {
    const { cluster, mesh, provenanceKeys, index, highwater } = this.#options;
    const key = partitionKey(topic, partition);
    const from = this.#unsureFrom.get(key) ?? index.get(topic, partition)?.through ?? 0;
    let last = from;
    await cluster.readRanges(topic, new Map([[partition, from]]), (record) => {
      const provenance = decodeOriginHeaders(record.headers, provenanceKeys, mesh, record);
      if (provenance.kind === 'replicated') {
        const { region, offset } = provenance.origin;
        index.noteWritten(topic, partition, record.offset, [{ region, offset }]);
        highwater.advance(topic, partition, region, offset);
      }
      last = record.offset + 1;
    });
    index.noteScannedThrough(topic, partition, last);
    this.#unsureFrom.delete(key);
    this.#options.logger.info(
      { topic, partition, from, through: last },
      're-synced the index and marks from the target',
    );
  }

  /** Drops index runs below each partition's log start (retention deleted their records). */
  async prune(): Promise<void> {
    const { index, cluster, logger } = this.#options;
    let pruned = 0;
    for (const topic of new Set(index.partitions().map((p) => p.topic))) {
      for (const o of await cluster.topicOffsets(topic)) pruned += index.prune(topic, o.partition, o.low);
    }
    if (pruned > 0) logger.info({ pruned, runs: index.runCount }, 'origin index pruned');
  }

  /**
   * Writes what changed in the index to its topic; heads never claim more than is certain. Under work sharing
   * only partitions this instance certainly owns (or is handing over) are written: the index of a partition it
   * lost belongs to the next owner. One flush at a time: a call during a flush returns that flush.
   */
  flush(): Promise<void> {
    if (this.#flushing || !this.#writer) return this.#flushing ?? Promise.resolve();
    const writer = this.#writer;
    const workSharing = this.#options.workSharing;
    const isCertain = !workSharing || workSharing.isLeaseValid();
    const mayFlush = (r: IndexRecord) =>
      r.kind === 'checkpoint' ||
      r.kind === 'checkpoint-deleted' ||
      !workSharing ||
      (isCertain && workSharing.mayFlush(r.topic, r.partition));
    this.#flushing = (async () => {
      const records = [...this.#unflushed, ...this.#options.index.takeDirty()].filter(mayFlush).map((r) => {
        if (r.kind !== 'head') return r;
        const unsure = this.#unsureFrom.get(partitionKey(r.topic, r.partition));
        return unsure === undefined ? r : { ...r, through: Math.min(r.through, unsure) };
      });
      this.#unflushed = [];
      try {
        await writer.write(records.map(encodeIndexRecordV1));
      } catch (err) {
        this.#unflushed = records;
        this.#options.logger.warn({ err, records: records.length }, 'origin index flush failed; will retry');
      }
    })().finally(() => (this.#flushing = undefined));
    return this.#flushing;
  }

  /** Resolves when the flush under way (if any) has ended. */
  async flushed(): Promise<void> {
    await this.#flushing;
  }

  /** A last flush (after the one under way), then the index topic's writer closes. */
  async stop(): Promise<void> {
    await this.#flushing;
    await this.flush();
    await this.#writer?.stop();
  }
}
