/**
 * Coverage audit (pure): is every partition of every source topic a link selects read by someone? A source
 * partition nobody reads is replication silently left behind, so the audit names each one and why, and a
 * tracker turns consecutive findings into reports (metric, status, `/readyz`, a log line).
 *
 * A source partition p of topic t is covered when one of these holds:
 *   - this instance reads it: the link carries t, its consumer is in its group with (t, p) assigned and not
 *     paused, and (with work sharing) this instance owns target partition (t, p);
 *   - with work sharing, another live instance of the region owns target partition (t, p) (it reads it).
 * Otherwise it is uncovered, for the first reason that applies, in this order:
 *   `not-subscribed`     the selector matches t but the link does not read it (yet)
 *   `missing-in-target`  the target topic has fewer partitions than the source (nothing can be written to p)
 *   `halted`             the link halted p by policy or a provenance key mismatch holds it back (already
 *                        loud; listed so the count is complete)
 *   `unowned`            work sharing: no instance owns target partition (t, p)
 *   `not-joined`         the link's consumer is not in its group (restarting, rebalancing, cannot reach it)
 *   `unassigned`         the consumer is in its group but (t, p) is not assigned to it (kafkajs does not
 *                        rebalance by itself when partitions are added)
 *   `paused`             assigned but paused, neither halted nor handed to another instance
 */

/** Why a source partition is not read by anyone. */
export type UncoveredReason =
  'not-subscribed' | 'missing-in-target' | 'halted' | 'unowned' | 'not-joined' | 'unassigned' | 'paused';

/** Every reason, in the order the audit tries them. */
export const UNCOVERED_REASONS: readonly UncoveredReason[] = [
  'not-subscribed',
  'missing-in-target',
  'halted',
  'unowned',
  'not-joined',
  'unassigned',
  'paused',
];

/**
 * Reasons a healthy link passes through for a moment (a consumer restarting or rebalancing, a partition
 * between two instances, a topic picked up between two refreshes): reported only when two consecutive audits
 * find them. The others are reported by the first audit that finds them.
 */
const TRANSIENT_REASONS: ReadonlySet<UncoveredReason> = new Set(['not-subscribed', 'unowned', 'not-joined']);

/** What a link's source consumer reads now. */
export interface SourceReadingState {
  /** True while the consumer is in its group with a current assignment. */
  isJoined: boolean;
  /** Topic → partitions assigned to this consumer. */
  assigned: ReadonlyMap<string, ReadonlySet<number>>;
  /** Topic → partitions paused in this consumer. */
  paused: ReadonlyMap<string, ReadonlySet<number>>;
}

export interface CoverageInput {
  /** Topics the link's selection matches in the source now. */
  selected: readonly string[];
  /** Topics the link reads. */
  subscribed: readonly string[];
  /** Partition counts of the source's topics (a topic missing here is not audited: it was deleted). */
  sourcePartitions: ReadonlyMap<string, number>;
  /** Partition counts of the target's topics. */
  targetPartitions: ReadonlyMap<string, number>;
  reading: SourceReadingState;
  /** Whether the link halted the partition by policy. */
  isHalted(topic: string, partition: number): boolean;
  /** Work sharing: who owns target partitions; absent without work sharing (this instance owns all). */
  ownership?: {
    owns(topic: string, partition: number): boolean;
    /** Another instance that owns it now, or undefined. */
    ownerElsewhere(topic: string, partition: number): string | undefined;
  };
}

export interface UncoveredPartition {
  topic: string;
  partition: number;
  reason: UncoveredReason;
}

export interface CoverageResult {
  /** Source partitions audited. */
  partitions: number;
  /** Sorted by topic, then partition. */
  uncovered: UncoveredPartition[];
}

function has(map: ReadonlyMap<string, ReadonlySet<number>>, topic: string, partition: number): boolean {
  return map.get(topic)?.has(partition) ?? false;
}

/** Audits one link: every partition of every selected source topic, covered or why not. */
export function auditCoverage(input: CoverageInput): CoverageResult {
  const { reading, ownership } = input;
  const subscribed = new Set(input.subscribed);
  const topics = [...new Set([...input.selected, ...input.subscribed])].sort();
  const uncovered: UncoveredPartition[] = [];
  let partitions = 0;
  for (const topic of topics) {
    const count = input.sourcePartitions.get(topic);
    if (count === undefined) continue;
    const targetCount = input.targetPartitions.get(topic) ?? 0;
    for (let partition = 0; partition < count; partition++) {
      partitions++;
      const reason = ((): UncoveredReason | undefined => {
        if (!subscribed.has(topic)) return 'not-subscribed';
        if (partition >= targetCount) return 'missing-in-target';
        if (input.isHalted(topic, partition)) return 'halted';
        if (ownership && !ownership.owns(topic, partition))
          return ownership.ownerElsewhere(topic, partition) === undefined ? 'unowned' : undefined;
        if (!reading.isJoined) return 'not-joined';
        if (!has(reading.assigned, topic, partition)) return 'unassigned';
        if (has(reading.paused, topic, partition)) return 'paused';
        return undefined;
      })();
      if (reason) uncovered.push({ topic, partition, reason });
    }
  }
  return { partitions, uncovered };
}

/** An uncovered partition as reported: since when it is uncovered (ms since the epoch). */
export interface ReportedPartition extends UncoveredPartition {
  sinceMs: number;
}

/** What changed between two audits, for logs. */
export interface CoverageChanges {
  /** Reported for the first time (or with another reason). */
  reported: ReportedPartition[];
  /** Reported before, covered now. */
  recovered: UncoveredPartition[];
}

/**
 * Turns audits into reports: a partition is reported when the audit finds it uncovered for a lasting reason,
 * or for a transient one at two consecutive audits; it stays reported until an audit finds it covered.
 */
export class CoverageTracker {
  /** `topic/partition` → first seen uncovered, reason, consecutive audits. */
  readonly #seen = new Map<string, { sinceMs: number; reason: UncoveredReason; audits: number }>();
  readonly #reported = new Map<string, ReportedPartition>();
  #partitions = 0;

  /** Partitions audited by the last audit. */
  get partitions(): number {
    return this.#partitions;
  }

  /** The partitions reported now, sorted by topic, then partition. */
  get reported(): ReportedPartition[] {
    return [...this.#reported.values()].sort((a, b) =>
      a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1,
    );
  }

  /** Takes one audit made at `nowMs`. */
  update(result: CoverageResult, nowMs: number): CoverageChanges {
    this.#partitions = result.partitions;
    const changes: CoverageChanges = { reported: [], recovered: [] };
    const now = new Set<string>();
    for (const u of result.uncovered) {
      const key = `${u.topic}/${u.partition}`;
      now.add(key);
      const before = this.#seen.get(key);
      const seen = { sinceMs: before?.sinceMs ?? nowMs, reason: u.reason, audits: (before?.audits ?? 0) + 1 };
      this.#seen.set(key, seen);
      if (TRANSIENT_REASONS.has(u.reason) && seen.audits < 2) continue;
      const previous = this.#reported.get(key);
      const report: ReportedPartition = { ...u, sinceMs: seen.sinceMs };
      this.#reported.set(key, report);
      if (previous?.reason !== u.reason) changes.reported.push(report);
    }
    for (const key of [...this.#seen.keys()]) {
      if (now.has(key)) continue;
      this.#seen.delete(key);
      const previous = this.#reported.get(key);
      if (previous) {
        this.#reported.delete(key);
        changes.recovered.push({
          topic: previous.topic,
          partition: previous.partition,
          reason: previous.reason,
        });
      }
    }
    return changes;
  }
}
