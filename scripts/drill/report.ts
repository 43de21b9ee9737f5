/**
 * The drill's tables (one per part) and its verdict: the checks that failed, by part, as sentences.
 */
import { textTable } from '../../node/status/index.ts';
import type { FailbackPart } from './part-failback.ts';
import type { FailoverPart } from './part-failover.ts';
import type { ResumePart } from './part-resume.ts';
import { describeByOrigin } from './group-checks.ts';

const n = (x: number) => x.toLocaleString('en-US');

export function failoverTable(part: FailoverPart): string {
  const s = part.run.answer?.summary;
  const rows = part.rows.map((r) => [
    r.group,
    n(r.lag),
    r.outcome,
    r.source,
    n(r.lost),
    n(r.duplicates),
    n(r.predicted),
    describeByOrigin(r.rpoReported),
    describeByOrigin(r.missingInB),
    r.isCommittedAsAnswered ? 'yes' : 'NO',
  ]);
  return (
    'Part 1: a and its broker killed with kill -9; geomesh failover --from a --to b (every group)\n' +
    textTable(
      [
        'GROUP',
        'LAG IN A',
        'OUTCOME',
        'FRONTIER',
        'LOST',
        'DUPLICATES',
        'ALREADY SEEN',
        'NOT REPLICATED (REPORTED)',
        'UNCONSUMED NOT IN B (FOUND)',
        'COMMITTED AS ANSWERED',
      ],
      rows,
    ) +
    `\nwriters acknowledged at the kill: ${describeByOrigin(part.ackedAtKill)}; a's broker pid ${part.brokerPid}` +
    `\nrecords of a that b lacks (acknowledged, or read in a before the kill): ${n(part.onlyInA.length)}` +
    `\ncommand: exit ${part.run.code}, ${part.run.seconds.toFixed(2)} s from start to exit` +
    (s
      ? `, ${s.seconds.toFixed(2)} s from the call to all committed (${s.committed}/${s.groups} committed, ` +
        `${s.checkpoint} from checkpoints, ${s.live} live)`
      : '') +
    '\n'
  );
}

export function resumeTable(part: ResumePart): string {
  const rows = part.rows.map((r) => [
    r.group,
    r.atKill,
    r.rerun,
    String(r.differsFromClean),
    String(r.differsFromDry),
  ]);
  const k = part.killedAt;
  return (
    "Part 2: the failover's CLI killed with kill -9 after some commits, then run again\n" +
    textTable(['GROUP', 'AT THE KILL', 'RE-RUN', 'PARTITIONS ≠ CLEAN RUN', 'PARTITIONS ≠ DRY RUN'], rows) +
    `\nattempts: ${part.attempts.length}; killed at ${k ? `${k.committed}/${k.total} committed (seen in ${part.attempts.at(-1)?.seenIn})` : 'never between the first and the last commit'}` +
    `\nre-run: ${part.rerun ? `exit ${part.rerun.code}, ${part.rerun.seconds.toFixed(2)} s, operation ${part.operation}${part.resumed ? ' resumed' : ' NOT resumed'}` : 'not run'}` +
    `\ndry run against part 1's run before the kill: ${part.dryVersusClean} partitions differ\n`
  );
}

export function failbackTable(part: FailbackPart): string {
  const rows = part.rows.map((r) => [
    r.group,
    n(r.readInB),
    r.outcome,
    r.source,
    n(r.lost),
    n(r.duplicatesVsPosition),
    n(r.predicted),
    n(r.duplicates),
    r.isCommittedAsAnswered ? 'yes' : 'NO',
  ]);
  const once = part.exactlyOnce.map((e) => [e.what, e.region, n(e.records), n(e.missing), n(e.extra)]);
  const s = part.run.answer?.summary;
  return (
    "Part 3: a's broker and node back; geomesh failback --region a --from b (every group)\n" +
    textTable(
      [
        'GROUP',
        'READ IN B',
        'OUTCOME',
        'FRONTIER',
        'LOST',
        "DUPLICATES (VS B'S POSITION)",
        'ALREADY SEEN',
        'DUPLICATES (VS ALL CONSUMED)',
        'COMMITTED AS ANSWERED',
      ],
      rows,
    ) +
    '\n' +
    textTable(['RECORDS', 'IN', 'RECORDS', 'MISSING', 'EXTRA COPIES'], once) +
    `\na's broker back in ${part.restartSeconds.toFixed(1)} s, its node ready in ${part.nodeSeconds.toFixed(1)} s;` +
    ` failback: exit ${part.run.code}, ${part.run.seconds.toFixed(2)} s` +
    (s ? ` (${s.committed}/${s.groups} committed)` : '') +
    `; a's region state: ${part.regionState}` +
    `\nextra copies of any record per region: ${describeByOrigin(part.duplicateCopies)}\n`
  );
}

/** The checks that failed, as sentences; empty when the drill passed. */
export function failedChecks(
  p1: FailoverPart,
  p2: ResumePart | undefined,
  p3: FailbackPart | undefined,
): string[] {
  const failed: string[] = [];
  if (p1.run.code !== 0) failed.push(`part 1: geomesh failover exited ${p1.run.code}`);
  for (const r of p1.rows) {
    if (r.outcome !== 'committed') failed.push(`part 1: ${r.group} ${r.outcome}`);
    if (r.lost > 0)
      failed.push(`part 1: ${r.group} lost ${r.lost} records in b (first: ${r.firstLost.join(', ')})`);
    if (r.duplicates > r.predicted)
      failed.push(`part 1: ${r.group} read ${r.duplicates} records again in b, ${r.predicted} predicted`);
    if (!r.isCommittedAsAnswered) failed.push(`part 1: ${r.group}'s offsets in b are not the answer's`);
  }
  if (p2) {
    if (!p2.killedAt)
      failed.push('part 2: the CLI could not be killed between the first and the last commit');
    if (p2.rerun && p2.rerun.code !== 0) failed.push(`part 2: the re-run exited ${p2.rerun.code}`);
    if (p2.rerun && !p2.resumed) failed.push('part 2: the re-run did not resume the interrupted operation');
    for (const r of p2.rows)
      if (r.differsFromClean > 0)
        failed.push(
          `part 2: ${r.group} ends at other offsets than the uninterrupted run (${r.differsFromClean} partitions)`,
        );
  }
  if (p3) {
    if (p3.run.code !== 0) failed.push(`part 3: geomesh failback exited ${p3.run.code}`);
    if (p3.regionState !== 'active') failed.push(`part 3: a's region state is ${p3.regionState}`);
    for (const r of p3.rows) {
      if (r.outcome !== 'committed') failed.push(`part 3: ${r.group} ${r.outcome}`);
      if (r.lost > 0)
        failed.push(`part 3: ${r.group} lost ${r.lost} records in a (first: ${r.firstLost.join(', ')})`);
      if (r.duplicatesVsPosition > r.predicted)
        failed.push(
          `part 3: ${r.group} read ${r.duplicatesVsPosition} records of its position in b again in a, ${r.predicted} predicted`,
        );
      if (!r.isCommittedAsAnswered) failed.push(`part 3: ${r.group}'s offsets in a are not the answer's`);
    }
    for (const e of p3.exactlyOnce)
      if (e.missing > 0 || e.extra > 0)
        failed.push(`part 3: ${e.what}: ${e.missing} missing and ${e.extra} extra copies in ${e.region}`);
    for (const [region, extra] of Object.entries(p3.duplicateCopies))
      if (extra > 0) failed.push(`part 3: ${region} holds ${extra} extra copies of records`);
  }
  return failed;
}
