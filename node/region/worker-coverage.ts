/**
 * The coverage audit (node/replication/coverage-audit.ts) of a link whose data path runs on worker threads.
 * Each worker reads, with a consumer group of its own, the source partitions of the target partitions it owns
 * by the worker rule (node/workers/worker-assignment.ts); its consumer pauses the others. So each partition is
 * audited once, as its owning worker's consumer reported it (assigned, not paused, in its group); the other
 * workers' partitions count as read there. Pure: the main thread runs it on the workers' latest reports.
 */
import { auditCoverage, type CoverageResult } from '../replication/index.ts';
import { readingOf, workerOf, type LinkReadingSnapshot } from '../workers/index.ts';
import type { CoverageAuditInput } from './coverage-report.ts';

export interface WorkerCoverageInput extends CoverageAuditInput {
  /** The node's worker count. */
  workers: number;
  /** How many of them hold partitions now (worker placement; default all). */
  active?: number;
  /** Each worker's latest report of the link (index = worker); undefined: none yet. */
  parts: readonly (LinkReadingSnapshot | undefined)[];
  /** Whether the link runs (a link that does not reads nothing). */
  isRunning: boolean;
  /** Partitions the link halted by policy (`topic/partition`). */
  halted: ReadonlySet<string>;
  /** Work sharing: whether this instance owns a target partition; absent: it owns all. */
  instanceOwns?: (topic: string, partition: number) => boolean;
}

/** Audits every worker's part of one link and joins the findings: one per partition, from its worker. */
export function auditWorkerCoverage(input: WorkerCoverageInput): CoverageResult {
  const { workers, parts, instanceOwns } = input;
  const active = input.active ?? workers;
  const heldBack = new Set(parts.flatMap((p) => p?.heldBack ?? []));
  const ownsHere = (topic: string, partition: number): boolean => instanceOwns?.(topic, partition) ?? true;
  const results: CoverageResult[] = [];
  for (let worker = 0; worker < workers; worker++) {
    const part = parts[worker];
    results.push(
      auditCoverage({
        selected: input.selected,
        subscribed: input.isRunning ? (part?.subscribed ?? []) : [],
        sourcePartitions: input.sourcePartitions,
        targetPartitions: input.targetPartitions,
        reading: part ? readingOf(part) : { isJoined: false, assigned: new Map(), paused: new Map() },
        isHalted: (topic, partition) =>
          input.halted.has(`${topic}/${partition}`) || heldBack.has(`${topic}/${partition}`),
        ownership: {
          owns: (topic, partition) =>
            workerOf(topic, partition, active) === worker && ownsHere(topic, partition),
          ownerElsewhere: (topic, partition) => {
            const owner = workerOf(topic, partition, active);
            if (owner !== worker && ownsHere(topic, partition)) return `worker ${owner}`;
            return input.ownerElsewhere?.(topic, partition);
          },
        },
      }),
    );
  }
  const uncovered = results.flatMap((r, worker) =>
    r.uncovered.filter((u) => workerOf(u.topic, u.partition, active) === worker),
  );
  uncovered.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
  return { partitions: results[0]?.partitions ?? 0, uncovered };
}
