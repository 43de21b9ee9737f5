/**
 * The origin index of a node's own cluster: one `PartitionRuns` per partition the node writes into. The
 * links of the region tell it what they wrote (`noteWritten`); the store loads it from the index topic and
 * scans the log tail on start; translation reads it. Pure data, no I/O.
 */
import type { IndexRecord } from './index-codec.ts';
import { PartitionRuns } from './partition-runs.ts';
import { partitionKey } from '../replication/index.ts';

/** Approximate bytes a run takes in memory (four array slots, the per-origin slot, the origin reference). */
export const BYTES_PER_RUN = 54;

/** The origins of records written one after the other: record i came from `region(i)` at `offset(i)`. */
export interface WrittenOrigins {
  readonly length: number;
  region(i: number): string;
  offset(i: number): number;
}

/** What translation reads of an index: a partition's runs. */
export type IndexView = Pick<OriginIndex, 'get'>;

export class OriginIndex {
  readonly #partitions = new Map<string, { topic: string; partition: number; runs: PartitionRuns }>();
  /** Partitions whose `through` moved since the last `takeDirty`. */
  readonly #headsDirty = new Set<string>();

  /** The runs of a partition, or undefined when nothing was ever replicated into it. */
  get(topic: string, partition: number): PartitionRuns | undefined {
    return this.#partitions.get(partitionKey(topic, partition))?.runs;
  }

  /** The runs of a partition, made empty when missing. */
  runsOf(topic: string, partition: number): PartitionRuns {
    const key = partitionKey(topic, partition);
    let entry = this.#partitions.get(key);
    if (!entry) {
      entry = { topic, partition, runs: new PartitionRuns() };
      this.#partitions.set(key, entry);
    }
    return entry.runs;
  }

  /** Records a write acknowledged at `baseOffset`: record i, of `origins[i]`, sits at baseOffset + i. */
  noteWritten(
    topic: string,
    partition: number,
    baseOffset: number,
    origins: readonly { region: string; offset: number }[],
  ): void {
    this.noteWrittenRun(topic, partition, baseOffset, {
      length: origins.length,
      region: (i) => origins[i]!.region,
      offset: (i) => origins[i]!.offset,
    });
  }

  /** As noteWritten, the origins read by position (a worker's acked run: no object per record). */
  noteWrittenRun(topic: string, partition: number, baseOffset: number, origins: WrittenOrigins): void {
    const runs = this.runsOf(topic, partition);
    for (let i = 0; i < origins.length; i++) runs.add(baseOffset + i, origins.region(i), origins.offset(i));
    this.#headsDirty.add(partitionKey(topic, partition));
  }

  /** Records that a scan of the log found nothing more to index below `offset`. */
  noteScannedThrough(topic: string, partition: number, offset: number): void {
    this.runsOf(topic, partition).advanceThrough(offset);
    this.#headsDirty.add(partitionKey(topic, partition));
  }

  /**
   * Applies a record read back from the index topic. Returns false when it contradicts what is known (a run
   * overlapping another), which the caller logs; the log-tail scan then fills in from the target's headers.
   */
  apply(record: IndexRecord): boolean {
    switch (record.kind) {
      case 'run':
        return this.runsOf(record.topic, record.partition).load(record.run);
      case 'head':
        this.runsOf(record.topic, record.partition).advanceThrough(record.through);
        return true;
      default:
        // Tombstones of runs are applied by replay order (compaction drops the run itself); checkpoints are
        // kept by the checkpoint store.
        return true;
    }
  }

  /** Forgets a partition's runs (the partition was re-created); its log is then scanned again. */
  reset(topic: string, partition: number): void {
    this.get(topic, partition)?.reset();
    this.#headsDirty.add(partitionKey(topic, partition));
  }

  /**
   * Drops a partition from memory without recording a change (nothing is written to the index topic): another
   * instance owns it now and keeps its index; it is loaded again if this one takes it back.
   */
  forget(topic: string, partition: number): void {
    this.#partitions.delete(partitionKey(topic, partition));
    this.#headsDirty.delete(partitionKey(topic, partition));
  }

  /** Prunes a partition's runs below its log start; returns how many went. */
  prune(topic: string, partition: number, logStart: number): number {
    return this.get(topic, partition)?.prune(logStart) ?? 0;
  }

  /** Everything changed since the last call, as index topic records (runs, then heads). */
  takeDirty(): IndexRecord[] {
    const records: IndexRecord[] = [];
    for (const { topic, partition, runs } of this.#partitions.values()) {
      const { changed, pruned } = runs.takeDirty();
      for (const targetStart of pruned) records.push({ kind: 'run-deleted', topic, partition, targetStart });
      for (const run of changed) records.push({ kind: 'run', topic, partition, run });
    }
    for (const key of this.#headsDirty) {
      const entry = this.#partitions.get(key);
      if (entry)
        records.push({
          kind: 'head',
          topic: entry.topic,
          partition: entry.partition,
          through: entry.runs.through,
        });
    }
    this.#headsDirty.clear();
    return records;
  }

  /** Every partition with its runs, for marks and status. */
  partitions(): { topic: string; partition: number; runs: PartitionRuns }[] {
    return [...this.#partitions.values()];
  }

  /** Number of runs held. */
  get runCount(): number {
    let n = 0;
    for (const { runs } of this.#partitions.values()) n += runs.size;
    return n;
  }
}
