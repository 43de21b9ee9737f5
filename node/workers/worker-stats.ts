/**
 * A link's counters across the thread boundary: each worker sends a snapshot of its part of every link, and
 * the main thread sums the latest snapshot of every worker into one `LinkStats` per link (status, /readyz).
 */
import {
  emptyLinkStats,
  type DropReason,
  type LinkStats,
  type SourceReadingState,
} from '../replication/index.ts';
import type { LinkReadingSnapshot, LinkStatsSnapshot } from './worker-messages.ts';

/** A link's counters as a message carries them. */
export function snapshotLinkStats(
  from: string,
  state: string,
  stats: LinkStats,
  sourceSilenceMs: number,
  view: { subscribed: string[]; reading: SourceReadingState; heldBack: string[] },
  more: { path?: 'stream' | 'pull'; sourceBytes?: number } = {},
): LinkStatsSnapshot {
  return {
    from,
    state,
    path: more.path ?? 'pull',
    sourceBytes: more.sourceBytes ?? 0,
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
    reading: {
      subscribed: view.subscribed,
      isJoined: view.reading.isJoined,
      assigned: [...view.reading.assigned].map(([topic, ps]) => [topic, [...ps]]),
      paused: [...view.reading.paused].map(([topic, ps]) => [topic, [...ps]]),
      heldBack: view.heldBack,
    },
  };
}

/** The reading state a snapshot carries, as the audit takes it. */
export function readingOf(snapshot: LinkReadingSnapshot): SourceReadingState {
  return {
    isJoined: snapshot.isJoined,
    assigned: new Map(snapshot.assigned.map(([topic, ps]) => [topic, new Set(ps)])),
    paused: new Map(snapshot.paused.map(([topic, ps]) => [topic, new Set(ps)])),
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
