/**
 * A link over a fake source and sink, for unit tests of LinkReplicator: the source delivers numbered records
 * of partition 0 on demand, the sink remembers what was written.
 */
import { silentLogger } from '../../node/log/index.ts';
import {
  LinkReplicator,
  OriginHighwater,
  encodeOriginHeaders,
  provenanceKeyObject,
  type BatchOutcome,
  type LinkObserver,
  type PartitionOffsets,
  type RateLimiterClock,
  type RecordSink,
  type RecordSource,
  type Headers,
  type RecordSet,
  type SourceBatch,
  type SourceRecord,
  type SourceReadingState,
} from '../../node/replication/index.ts';
import { LINK_OPTION_DEFAULTS } from '../../topology/index.ts';

export const TOPIC = 't';

/**
 * A record of `t/0` at `offset` (value `v<offset>` unless given): local (no origin headers), or a replica of
 * `origin` tagged with `origin.key` in mesh `m`.
 */
export function recordAt(
  offset: number,
  origin?: { region: string; offset: number; key: Buffer },
  value: Buffer = Buffer.from(`v${offset}`),
): SourceRecord {
  const base = { topic: TOPIC, partition: 0, offset, timestamp: String(Date.now()), key: null, value };
  const headers: Headers = origin
    ? encodeOriginHeaders({}, origin.key, 'm', { region: origin.region, offset: origin.offset }, base)
    : {};
  return { ...base, headers };
}

export class FakeSource implements RecordSource {
  offsets: PartitionOffsets = { logStart: 0, logEnd: 0 };
  committed: number | undefined;
  offsetCalls = 0;
  onBatch: ((batch: SourceBatch) => Promise<BatchOutcome>) | undefined;
  /** Partitions paused by the link, and the positions it resumed partitions at (in call order). */
  readonly paused = new Set<number>();
  readonly resumedAt: { partition: number; position: number | undefined }[] = [];
  isReadable: ((tp: { topic: string; partition: number }) => boolean) | undefined;
  /** When the fake cluster last answered a fetch; set by tests of the link's stall report. */
  answeredAtMs: number | undefined;
  lastAnswerAtMs(): number | undefined {
    return this.answeredAtMs;
  }
  start(
    _topics: readonly string[],
    _positionOf: unknown,
    onBatch: (batch: SourceBatch) => Promise<BatchOutcome>,
    isReadable?: (tp: { topic: string; partition: number }) => boolean,
  ): Promise<void> {
    this.onBatch = onBatch;
    this.isReadable = isReadable;
    return Promise.resolve();
  }
  pausePartitions(tps: readonly { partition: number }[]): void {
    for (const tp of tps) this.paused.add(tp.partition);
  }
  resumePartition(tp: { partition: number }, position: number | undefined): void {
    this.paused.delete(tp.partition);
    this.resumedAt.push({ partition: tp.partition, position });
  }
  update(): Promise<void> {
    return Promise.resolve();
  }
  readingState(): SourceReadingState {
    return {
      isJoined: this.onBatch !== undefined,
      assigned: new Map([[TOPIC, new Set([0])]]),
      paused: new Map([[TOPIC, new Set(this.paused)]]),
    };
  }
  partitionOffsets(): Promise<PartitionOffsets> {
    this.offsetCalls++;
    return Promise.resolve(this.offsets);
  }
  topicOffsets(): Promise<ReadonlyMap<number, PartitionOffsets>> {
    this.offsetCalls++;
    return Promise.resolve(new Map([[0, this.offsets]]));
  }
  committedOffset(): number | undefined {
    return this.committed;
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }
  /** Delivers records `from`..`to` (inclusive) of partition 0. */
  deliver(from: number, to: number, highWatermark = to + 1, lastOffset?: number): Promise<BatchOutcome> {
    const records = [];
    for (let offset = from; offset <= to; offset++) {
      records.push({
        topic: TOPIC,
        partition: 0,
        offset,
        timestamp: String(Date.now()),
        key: null,
        value: Buffer.from(`v${offset}`),
        headers: {},
      });
    }
    return this.onBatch!({
      topic: TOPIC,
      partition: 0,
      records,
      highWatermark,
      ...(lastOffset !== undefined && { lastOffset }),
    });
  }
}

export class FakeSink implements RecordSink {
  readonly written: string[] = [];
  /** When set, each write waits for it (a slow target). */
  gate: Promise<void> | undefined;
  /** Records per write call, in order. */
  readonly writes: number[] = [];
  async write(_topic: string, _partition: number, records: RecordSet): Promise<{ baseOffset: number }> {
    await this.gate;
    const baseOffset = this.written.length;
    this.writes.push(records.length);
    for (const r of records) this.written.push(r.value?.toString() ?? '');
    return { baseOffset };
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }
}

export async function linkWith(
  options: {
    policy?: 'continue' | 'halt';
    highwater?: OriginHighwater;
    maxRecordsPerSecond?: number;
    maxInflightBytes?: number;
    rateLimiterClock?: RateLimiterClock;
    ownership?: { owns(topic: string, partition: number): boolean };
    sink?: FakeSink;
    /** What the link's observer is told of each write. */
    written?: LinkObserver['written'];
  } = {},
) {
  const source = new FakeSource();
  const sink = options.sink ?? new FakeSink();
  const truncated: number[] = [];
  const halted: number[] = [];
  const highwater = options.highwater ?? new OriginHighwater();
  const link = new LinkReplicator({
    mesh: 'm',
    link: { from: 'a', to: 'b', forwardsOrigin: (o) => o === 'a' },
    topics: [TOPIC],
    source,
    sink,
    maxBatchBytes: LINK_OPTION_DEFAULTS.maxBatchBytes,
    highwater,
    provenanceKey: provenanceKeyObject(Buffer.alloc(32, 7)),
    logger: silentLogger(),
    truncationCheckIntervalMs: 0,
    ...(options.policy ? { onSourceTruncated: options.policy } : {}),
    ...(options.maxRecordsPerSecond ? { maxRecordsPerSecond: options.maxRecordsPerSecond } : {}),
    ...(options.maxInflightBytes ? { maxInflightBytes: options.maxInflightBytes } : {}),
    ...(options.rateLimiterClock ? { rateLimiterClock: options.rateLimiterClock } : {}),
    ...(options.ownership ? { ownership: options.ownership } : {}),
    observer: {
      written: options.written ?? (() => undefined),
      dropped: () => undefined,
      forged: () => undefined,
      lag: () => undefined,
      tooLarge: () => undefined,
      halted: (_t, p) => halted.push(p),
      truncated: (_t, _p, records) => truncated.push(records),
    },
  });
  await link.start();
  return { link, source, sink, truncated, halted, highwater };
}
