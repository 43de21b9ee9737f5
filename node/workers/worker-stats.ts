/**
 * A link's counters across the thread boundary: each worker sends a snapshot of its part of every link, and
 * the main thread sums the latest snapshot of every worker into one `LinkStats` per link (status, /readyz).
 */
import { emptyLinkStats, type DropReason, type LinkStats } from '../replication/index.ts';
import type { LinkStatsSnapshot } from './worker-messages.ts';

/** A link's counters as a message carries them. */
export function snapshotLinkStats(
  from: string,
  state: string,
  stats: LinkStats,
  sourceSilenceMs: number,
): LinkStatsSnapshot {
  return {
    from,
    state,
    recordsWritten: stats.recordsWritten,
    bytesWritten: stats.bytesWritten,
    dropped: { ...stats.dropped },
    forgedHeaders: stats.forgedHeaders,
    lagRecords: [...stats.lagRecords],
    lastLatencyMs: stats.lastLatencyMs,
    skippedTooLarge: stats.skippedTooLarge,
    writeRetries: stats.writeRetries,
    halted: [...stats.halted],
    truncatedRecords: stats.truncatedRecords,
    sourceResets: stats.sourceResets,
    unknownKeyRecords: stats.unknownKeyRecords,
    skippedUnknownKey: stats.skippedUnknownKey,
    keyMismatch: stats.keyMismatch,
    sourceSilenceMs,
  };
}

/**
 * Sums the snapshots of one link from every worker into `into` (cleared first): counters add up, partition
 * maps join (each worker reports only its own partitions), the latency is the highest, the key mismatch any.
 */
export function mergeLinkStats(
  snapshots: readonly LinkStatsSnapshot[],
  into: LinkStats = emptyLinkStats(),
): LinkStats {
  const sum = emptyLinkStats();
  for (const s of snapshots) {
    sum.recordsWritten += s.recordsWritten;
    sum.bytesWritten += s.bytesWritten;
    for (const [reason, n] of Object.entries(s.dropped)) sum.dropped[reason as DropReason] += n;
    sum.forgedHeaders += s.forgedHeaders;
    for (const [tp, lag] of s.lagRecords) sum.lagRecords.set(tp, lag);
    sum.lastLatencyMs = Math.max(sum.lastLatencyMs, s.lastLatencyMs);
    sum.skippedTooLarge += s.skippedTooLarge;
    sum.writeRetries += s.writeRetries;
    for (const [tp, why] of s.halted) sum.halted.set(tp, why);
    sum.truncatedRecords += s.truncatedRecords;
    sum.sourceResets += s.sourceResets;
    sum.unknownKeyRecords += s.unknownKeyRecords;
    sum.skippedUnknownKey += s.skippedUnknownKey;
    sum.keyMismatch ||= s.keyMismatch;
  }
  // Kept as the same object: readers hold on to `stats`.
  Object.assign(into, { ...sum });
  return into;
}
