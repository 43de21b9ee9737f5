/**
 * Replicates one inbound link X → R: reads X's selected topics, applies the per-record rule
 * (provenance, loop, routing, idempotence), writes what passes into the same topic and partition of R with
 * origin headers, and only then lets the source move past it.
 *
 * States: idle → running → stopping → stopped. `stop()` is idempotent; concurrent callers share one promise.
 */
import type { Logger } from '../log/index.ts';
import { decideForward, type DropReason, type LinkContext } from './forward-decision.ts';
import { decodeOriginHeaders, encodeOriginHeaders, type RecordIdentity } from './origin-headers.ts';
import type { OriginHighwater } from './origin-highwater.ts';
import type { RecordSink, RecordSource, SinkRecord, SourceBatch } from './ports.ts';

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
}

export interface LinkReplicatorOptions {
  mesh: string;
  link: LinkContext;
  topics: readonly string[];
  source: RecordSource;
  sink: RecordSink;
  /** Shared by every inbound link of the region: they write into the same partitions. */
  highwater: OriginHighwater;
  provenanceKey: Buffer;
  logger: Logger;
  /** Told what the link does, for metrics. */
  observer?: LinkObserver;
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
}

export class LinkReplicator {
  readonly stats: LinkStats = {
    recordsWritten: 0,
    bytesWritten: 0,
    dropped: { loop: 0, 'not-forwarded': 0, duplicate: 0 },
    forgedHeaders: 0,
    lagRecords: new Map(),
    lastLatencyMs: 0,
  };
  readonly #options: LinkReplicatorOptions;
  readonly #logger: Logger;
  #state: LinkState = 'idle';
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
    await this.#options.source.start(
      this.#options.topics,
      () => undefined,
      (batch) => this.#onBatch(batch),
    );
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

  async #onBatch(batch: SourceBatch): Promise<void> {
    const { mesh, link, highwater, provenanceKey, observer } = this.#options;
    const out: SinkRecord[] = [];
    const written = new Map<string, number>();
    const dropped: Partial<Record<DropReason, number>> = {};
    let bytes = 0;
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
      out.push({ timestamp: record.timestamp, key: record.key, value: record.value, headers });
      written.set(decision.origin.region, decision.origin.offset);
      bytes += (record.key?.length ?? 0) + (record.value?.length ?? 0);
    }
    if (out.length > 0) {
      await this.#options.sink.write(batch.topic, batch.partition, out);
      for (const [origin, offset] of written) highwater.advance(batch.topic, batch.partition, origin, offset);
      const now = Date.now();
      const latenciesMs = out.map((r) => now - Number(r.timestamp));
      this.stats.recordsWritten += out.length;
      this.stats.bytesWritten += bytes;
      this.stats.lastLatencyMs = latenciesMs[latenciesMs.length - 1] ?? 0;
      observer?.written({
        topic: batch.topic,
        partition: batch.partition,
        records: out.length,
        bytes,
        latenciesMs,
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
    const last = batch.records[batch.records.length - 1];
    if (last) {
      const lag = Math.max(0, batch.highWatermark - last.offset - 1);
      this.stats.lagRecords.set(`${batch.topic}/${batch.partition}`, lag);
      observer?.lag(batch.topic, batch.partition, lag);
    }
  }

  #setState(state: LinkState): void {
    this.#state = state;
    this.#logger.info({ state }, 'link state');
  }
}
