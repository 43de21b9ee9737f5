/** The metrics of one inbound link X → R, fed by what its replicator observes. */
import type { ReplicationMetrics } from '../observability/index.ts';
import type { LinkObserver } from '../replication/index.ts';

/** The observer of the link `from` → `to`: records, bytes, latency, lag, drops and halts as metrics. */
export function linkObserver(metrics: ReplicationMetrics, from: string, to: string): LinkObserver {
  const latency = metrics.endToEndLatency.labels(from, to);
  const nodeLatency = metrics.nodeLatency.labels(from, to);
  return {
    written({ topic, records, bytes, latenciesMs, heldMs }) {
      metrics.recordsReplicated.labels(from, to, topic).inc(records);
      metrics.bytesReplicated.labels(from, to, topic).inc(bytes);
      for (const ms of latenciesMs) latency.observe(ms / 1000);
      for (const ms of heldMs ?? []) nodeLatency.observe(ms / 1000);
      const newest = latenciesMs[latenciesMs.length - 1];
      if (newest !== undefined) metrics.lagSeconds.labels(from, to).set(newest / 1000);
    },
    dropped(reason, count) {
      metrics.recordsDropped.labels(from, to, reason).inc(count);
    },
    forged(count) {
      metrics.forgedOriginHeaders.labels(from, to).inc(count);
    },
    lag(topic, partition, records) {
      metrics.lagRecords.labels(from, to, topic, String(partition)).set(records);
    },
    tooLarge(topic) {
      metrics.recordsTooLarge.labels(from, to, topic).inc();
    },
    halted(topic) {
      metrics.partitionsHalted.labels(from, to, topic).inc();
    },
    truncated(topic, _partition, records) {
      metrics.sourceTruncatedRecords.labels(from, to, topic).inc(records);
    },
  };
}
