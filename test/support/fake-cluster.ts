/**
 * An in-memory cluster for unit tests of the region node's parts (node/region/ports.ts): partitions of
 * records with log starts, a compacted index topic, and replicas made with real origin headers.
 */
import { silentLogger } from '../../node/log/index.ts';
import { IndexKeeper, type IndexKeeperOptions } from '../../node/region/index-keeper.ts';
import type { IndexCluster, IndexTopicWriter, PartitionBounds } from '../../node/region/ports.ts';
import {
  encodeOriginHeaders,
  OriginHighwater,
  ProvenanceKeySet,
  type SourceRecord,
} from '../../node/replication/index.ts';
import { CheckpointStore, OriginIndex } from '../../node/translation/index.ts';

export const MESH = 'm';
export const KEYS = new ProvenanceKeySet(Buffer.alloc(32, 9), []);

export class FakeCluster implements IndexCluster {
  /** topic → partition → records (offset = logStart + index). */
  readonly topics = new Map<string, { logStart: number; records: SourceRecord[] }[]>();
  /** The compacted topics: key → last value. */
  readonly compacted = new Map<string, Map<string, string | null>>();
  /** Every batch written to a compacted topic, in order. */
  readonly compactedWrites: { key: string; value: string | null }[][] = [];
  failWrites = false;
  readCalls = 0;

  createTopic(topic: string, partitions: number): void {
    this.topics.set(
      topic,
      Array.from({ length: partitions }, () => ({ logStart: 0, records: [] })),
    );
  }

  /** Appends a replica of `origin`@`originOffset` (verified headers); returns its offset. */
  appendReplica(topic: string, partition: number, origin: string, originOffset: number): number {
    const p = this.topics.get(topic)![partition]!;
    const offset = p.logStart + p.records.length;
    const identity = {
      topic,
      partition,
      timestamp: '1',
      key: null,
      value: Buffer.from(`${origin}-${originOffset}`),
    };
    const headers = encodeOriginHeaders({}, KEYS, MESH, { region: origin, offset: originOffset }, identity);
    p.records.push({ ...identity, offset, headers });
    return offset;
  }

  /** Appends a record written by an application of this region (no origin headers). */
  appendLocal(topic: string, partition: number): number {
    const p = this.topics.get(topic)![partition]!;
    const offset = p.logStart + p.records.length;
    p.records.push({
      topic,
      partition,
      offset,
      timestamp: '1',
      key: null,
      value: Buffer.from('local'),
      headers: {},
    });
    return offset;
  }

  /** Retention: records below `logStart` are gone. */
  deleteBefore(topic: string, partition: number, logStart: number): void {
    const p = this.topics.get(topic)![partition]!;
    p.records = p.records.filter((r) => r.offset >= logStart);
    p.logStart = logStart;
  }

  topicOffsets(topic: string): Promise<PartitionBounds[]> {
    const partitions = this.topics.get(topic) ?? [];
    return Promise.resolve(
      partitions.map((p, partition) => ({ partition, low: p.logStart, high: p.logStart + p.records.length })),
    );
  }

  readRanges(
    topic: string,
    from: ReadonlyMap<number, number>,
    onRecord: (record: SourceRecord) => void,
  ): Promise<void> {
    this.readCalls++;
    const partitions = this.topics.get(topic) ?? [];
    for (const [partition, offset] of from)
      for (const r of partitions[partition]?.records ?? []) if (r.offset >= offset) onRecord(r);
    return Promise.resolve();
  }

  partitionCounts(topics: readonly string[]): Promise<Map<string, number>> {
    return Promise.resolve(
      new Map(topics.filter((t) => this.topics.has(t)).map((t) => [t, this.topics.get(t)!.length])),
    );
  }

  ensureCompactedTopic(topic: string): Promise<void> {
    if (!this.compacted.has(topic)) this.compacted.set(topic, new Map());
    return Promise.resolve();
  }

  readCompactedTopic(topic: string): Promise<Map<string, string | null>> {
    return Promise.resolve(new Map(this.compacted.get(topic)));
  }

  compactedTopicWriter(topic: string): IndexTopicWriter {
    return {
      write: (records) => {
        if (this.failWrites) return Promise.reject(new Error('broker down'));
        this.compactedWrites.push([...records]);
        const map = this.compacted.get(topic)!;
        for (const r of records) map.set(r.key, r.value);
        return Promise.resolve();
      },
      stop: () => Promise.resolve(),
    };
  }
}

/** An index keeper over `cluster` with a fresh index and marks (work sharing when given). */
export function keeperOn(cluster: FakeCluster, workSharing?: IndexKeeperOptions['workSharing']) {
  const index = new OriginIndex();
  const highwater = new OriginHighwater();
  const keeper = new IndexKeeper({
    mesh: MESH,
    cluster,
    index,
    highwater,
    checkpoints: new CheckpointStore(),
    provenanceKeys: KEYS,
    ...(workSharing && { workSharing }),
    logger: silentLogger(),
  });
  return { keeper, index, highwater };
}
