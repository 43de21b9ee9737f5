/**
 * Part 3 of the drill: the groups read on in B, A's broker restarted with its data and A's node started, then
 * `geomesh failback --region a --from b` (every group A's region state names). Each group is checked in A
 * against everything it consumed in A and then in B; the records B and C wrote during the outage must be in A
 * exactly once, and the records only A held at the kill in B and in C exactly once.
 */
import { ClusterOffsets, commitGroupOffsets } from '../../node/kafka/index.ts';
import { readTopicLog, type TopicLog } from '../../test/support/translation-audit.ts';
import { TOPIC, groupOffsets, type DrillMesh } from './drill-mesh.ts';
import { alreadySeen, runJson, targetOffsets, type CommandRun } from './failover-calls.ts';
import {
  acknowledgedIds,
  copiesIn,
  exactlyOnce,
  idsBefore,
  idsBetween,
  logEnds,
  resumeOutcome,
  sequenceIds,
  type ResumeOutcome,
} from './group-checks.ts';
import { logOptions, waitSettled, type FailoverPart } from './part-failover.ts';

export interface FailbackRow extends ResumeOutcome {
  group: string;
  /** Records the group read in B between failover and failback. */
  readInB: number;
  /**
   * Records a plain consumer reads again in A counted against the group's position in B (the records of B's
   * log before it), which is what the failback's ALREADY SEEN predicts; `duplicates` counts them against
   * everything the group consumed, in A before the failover too.
   */
  duplicatesVsPosition: number;
  outcome: string;
  source: string;
  predicted: number;
  isCommittedAsAnswered: boolean;
}

export interface ExactlyOnceRow {
  what: string;
  region: string;
  records: number;
  missing: number;
  extra: number;
}

export interface FailbackPart {
  restartSeconds: number;
  nodeSeconds: number;
  run: CommandRun;
  regionState: string;
  rows: FailbackRow[];
  exactlyOnce: ExactlyOnceRow[];
  /** Per region: copies beyond the first of any record (replication's duplicates). */
  duplicateCopies: Record<string, number>;
}

export async function runFailbackPart(
  mesh: DrillMesh,
  part1: FailoverPart,
  partitions: number,
  say: (line: string) => void,
): Promise<FailbackPart> {
  // The groups read on in B: every other one half way to B's log end.
  const endsB = logEnds(part1.logB, partitions);
  const inBOffsets = new ClusterOffsets(mesh.kafka['b']!);
  const readInB = new Map<string, Set<string>>();
  const atPosition = new Map<string, Set<string>>();
  try {
    for (const [i, g] of part1.groups.entries()) {
      const from = await groupOffsets(inBOffsets, g.group);
      const to = from.map((o, p) => (i % 2 === 1 ? o + Math.floor((endsB[p]! - o) / 2) : o));
      await commitGroupOffsets(
        mesh.kafka['b']!,
        g.group,
        to.map((offset, partition) => ({ topic: TOPIC, partition, offset })),
      );
      readInB.set(g.group, idsBetween(part1.logB, from, to));
      atPosition.set(g.group, idsBefore(part1.logB, to));
    }
  } finally {
    await inBOffsets.stop();
  }

  let startedAt = performance.now();
  await mesh.env.cluster('a').restart(120_000);
  const restartSeconds = (performance.now() - startedAt) / 1000;
  startedAt = performance.now();
  await mesh.startNode('a');
  const nodeSeconds = (performance.now() - startedAt) / 1000;
  say(
    `a's broker back after ${restartSeconds.toFixed(1)} s, its node ready after ${nodeSeconds.toFixed(1)} s`,
  );
  const run = await runJson(mesh, ['failback', '--region', 'a', '--from', 'b', '--wait-ms', '600000']);
  say(`failback exited ${run.code} after ${run.seconds.toFixed(1)} s`);
  if (!run.answer) throw new Error(`geomesh failback answered nothing (exit ${run.code}): ${run.stderr}`);
  await waitSettled(mesh, ['a', 'b', 'c']);
  const logs: Record<string, TopicLog> = {};
  for (const r of ['a', 'b', 'c'])
    logs[r] = await readTopicLog(mesh.kafka[r]!, r, TOPIC, logOptions(mesh, partitions));
  const copies = Object.fromEntries(Object.entries(logs).map(([r, log]) => [r, copiesIn(log)]));
  const { writers, ackedAtKill } = part1;
  const expected = new Set([
    ...Object.values(copies).flatMap((c) => [...c.keys()]),
    ...acknowledgedIds({ a: ackedAtKill['a']!, b: writers['b']!.acked, c: writers['c']!.acked }),
  ]);
  const answered = targetOffsets(run.answer);
  const inA = new ClusterOffsets(mesh.kafka['a']!);
  const rows: FailbackRow[] = [];
  try {
    for (const g of part1.groups) {
      const answer = run.answer.groups.find((a) => a.group === g.group);
      const target = answered.get(g.group) ?? [];
      const committed = await groupOffsets(inA, g.group);
      const consumed = new Set([...g.consumed, ...(readInB.get(g.group) ?? [])]);
      rows.push({
        group: g.group,
        readInB: readInB.get(g.group)?.size ?? 0,
        duplicatesVsPosition: resumeOutcome(atPosition.get(g.group) ?? new Set(), logs['a']!, target, [])
          .duplicates,
        outcome: answer?.outcome ?? 'absent',
        source: answer?.translation?.source ?? '-',
        predicted: alreadySeen(run.answer, g.group),
        isCommittedAsAnswered: JSON.stringify(committed) === JSON.stringify(target),
        ...resumeOutcome(consumed, logs['a']!, target, expected),
      });
    }
  } finally {
    await inA.stop();
  }
  const inBAtFailover = copiesIn(part1.logB);
  const onlyInA = new Set([
    ...part1.onlyInA,
    ...[...logs['a']!.values()].flatMap((rs) =>
      rs.filter((r) => r.origin === 'a' && !inBAtFailover.has(r.id)).map((r) => r.id),
    ),
  ]);
  const exactly: ExactlyOnceRow[] = [];
  for (const origin of ['b', 'c']) {
    const outage = sequenceIds(origin, ackedAtKill[origin]!, writers[origin]!.acked);
    exactly.push({
      what: `written in ${origin} during the outage`,
      region: 'a',
      ...exactlyOnce(outage, copies['a']!),
    });
  }
  for (const region of ['b', 'c'])
    exactly.push({ what: 'only in a at the kill', region, ...exactlyOnce(onlyInA, copies[region]!) });
  const duplicateCopies = Object.fromEntries(
    Object.entries(copies).map(([r, c]) => [r, [...c.values()].reduce((n, k) => n + k - 1, 0)]),
  );
  return {
    restartSeconds,
    nodeSeconds,
    run,
    regionState: run.answer.regionState?.state ?? 'not recorded',
    rows,
    exactlyOnce: exactly,
    duplicateCopies,
  };
}
