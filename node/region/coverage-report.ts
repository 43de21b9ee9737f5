/**
 * How a region node reports the coverage audit of its links (node/replication/coverage-audit.ts): the metric
 * `geomesh_unreplicated_partitions`, a log line per partition found unread (with what to do) or read again,
 * and the `/readyz` reasons (with the node's other reasons: its state, links, halts, key disagreements). The audit itself, and what counts as read, live in the replication core.
 */
import type { Logger } from '../log/index.ts';
import type { ReplicationMetrics } from '../observability/index.ts';
import { UNCOVERED_REASONS, type UncoveredReason } from '../replication/index.ts';
import type { RegionLink } from './worker-links.ts';

/** What each finding means, with what to do; logged with the partition. */
const COVERAGE_HINTS: Readonly<Record<UncoveredReason, string>> = {
  'not-subscribed': 'the topic matches the link but is not read yet (the next topic refresh picks it up)',
  'missing-in-target':
    'the target topic has fewer partitions than the source; grow it (the node tries at every topic refresh) and check its logs for why it could not',
  halted: 'the link halted it by policy (see the halted partitions)',
  unowned: 'no instance of the region owns it (work sharing); check that the instances reach etcd',
  'not-joined':
    'the link consumer is not in its group (rebalancing, or the source cluster cannot be reached)',
  unassigned:
    'the link consumer is in its group but the partition is not assigned to it; restart the node if it stays',
  paused: 'the partition is paused in the link consumer and not halted; restart the node if it stays',
};

export interface CoverageAuditInput {
  /** Topics the link's selection matches in the source now. */
  selected: readonly string[];
  /** Partition counts of the source's and the target's topics, as the refresh just read them. */
  sourcePartitions: ReadonlyMap<string, number>;
  targetPartitions: ReadonlyMap<string, number>;
  /** Work sharing: another instance owning a target partition now, or undefined. */
  ownerElsewhere?: (topic: string, partition: number) => string | undefined;
}

/** Audits one link now and reports what it found: the metric per reason, a log line per change. */
export function auditAndReport(
  link: RegionLink,
  input: CoverageAuditInput,
  metrics: ReplicationMetrics,
  logger: Logger,
): void {
  const changes = link.auditCoverage(input, Date.now());
  const reported = link.coverage.reported;
  for (const reason of UNCOVERED_REASONS) {
    metrics.unreplicatedPartitions
      .labels(link.from, link.to, reason)
      .set(reported.filter((u) => u.reason === reason).length);
  }
  for (const u of changes.reported) {
    logger.error(
      { from: link.from, topic: u.topic, partition: u.partition, reason: u.reason },
      `source partition ${u.topic}/${u.partition} in ${link.from} is not replicated into ${link.to}: ` +
        COVERAGE_HINTS[u.reason],
    );
  }
  for (const u of changes.recovered) {
    logger.info(
      { from: link.from, topic: u.topic, partition: u.partition, was: u.reason },
      `source partition ${u.topic}/${u.partition} in ${link.from} is replicated again`,
    );
  }
}

/** The `/readyz` reason of a link with partitions nobody reads (halted ones have lines of their own). */
export function coverageNotReady(link: RegionLink): string[] {
  const unread = link.coverage.reported.filter((u) => u.reason !== 'halted');
  if (unread.length === 0) return [];
  const named = unread.map((u) => `${u.topic}/${u.partition} (${u.reason})`);
  return [
    `link ${link.from} → ${link.to}: ${unread.length} source partition(s) not replicated: ` +
      `${named.slice(0, 20).join(', ')}${named.length > 20 ? ', …' : ''}`,
  ];
}

/** Why /readyz says not ready (empty: ready). */
export function readinessProblems(
  state: string,
  links: readonly RegionLink[],
  keyMismatches: ReadonlyMap<string, string>,
): string[] {
  return [
    ...(state === 'running' ? [] : [`node ${state}`]),
    ...links.filter((l) => l.state !== 'running').map((l) => `link ${l.from} → ${l.to} ${l.state}`),
    ...links.flatMap((l) =>
      [...l.stats.halted].map(([tp, why]) => `link ${l.from} → ${l.to} ${tp} halted: ${why}`),
    ),
    ...links.flatMap((l) => coverageNotReady(l)),
    ...[...keyMismatches].map(
      ([peer, why]) => `provenance keys disagree with ${peer} (links with it paused): ${why}`,
    ),
  ];
}
