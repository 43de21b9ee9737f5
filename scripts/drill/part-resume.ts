/**
 * Part 2 of the drill: the failover's CLI killed (kill -9) after some groups were committed, then run again.
 * With A dead, B answers every translation from A's last checkpoint, which no longer changes: part 1's
 * uninterrupted run, and a dry run now, say what an uninterrupted run commits. B's offsets of the groups are
 * first set back to 0 (as if never failed over), so each group's end state must come from this part's runs.
 */
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClusterOffsets, commitGroupOffsets } from '../../node/kafka/index.ts';
import { EtcdCoordinator } from '../../node/coordination/index.ts';
import { silentLogger } from '../../node/log/index.ts';
import { FailoverOperationStore } from '../../node/region-state/index.ts';
import { MESH, TOPIC, groupOffsets as offsetsInB, type DrillMesh } from './drill-mesh.ts';
import {
  runAndKillAfterCommits,
  runJson,
  targetOffsets,
  type CommandRun,
  type InterruptedRun,
} from './failover-calls.ts';
import type { GroupInA } from './part-failover.ts';

export interface ResumeRow {
  group: string;
  /** B's offsets of the group once the CLI was killed: part 1's (committed), 0 (not yet), or other. */
  atKill: 'committed' | 'not yet' | 'other';
  /** How the re-run's answer names the group. */
  rerun: string;
  /** Partitions whose final offset differs from part 1's uninterrupted run, and from the dry run. */
  differsFromClean: number;
  differsFromDry: number;
}

export interface ResumePart {
  dry: CommandRun;
  attempts: InterruptedRun[];
  killedAt: InterruptedRun['killedAt'];
  rerun: CommandRun | undefined;
  /** The operation the interrupted run opened (from the re-run's answer) and whether it was resumed. */
  operation: string;
  resumed: boolean;
  rows: ResumeRow[];
  /** Partitions where the dry run disagrees with part 1's run (the state moved under the drill). */
  dryVersusClean: number;
}

const FAILOVER = ['failover', '--from', 'a', '--to', 'b', '--timeout-ms', '600000'];

function differing(actual: readonly number[], expected: readonly number[] | undefined): number {
  const length = Math.max(actual.length, expected?.length ?? 0);
  let n = 0;
  for (let p = 0; p < length; p++) if (actual[p] !== expected?.[p]) n++;
  return n;
}

export async function runResumePart(
  mesh: DrillMesh,
  groups: readonly GroupInA[],
  children: Set<ChildProcess>,
  say: (line: string) => void,
): Promise<ResumePart> {
  const offsets = new ClusterOffsets(mesh.kafka['b']!);
  const coordinator = new EtcdCoordinator({
    endpoints: mesh.env.etcd!.endpoints,
    mesh: MESH,
    logger: silentLogger(),
  });
  await coordinator.start();
  const operations = new FailoverOperationStore({ store: coordinator });
  /** The running failover a → b: its groups committed so far, of all. */
  const committedInEtcd = async () => {
    const running = (await operations.list()).operations.find(
      (o) => o.operation.state === 'running' && o.operation.kind === 'failover' && o.operation.from === 'a',
    );
    if (!running) return undefined;
    const committed = [...running.groups.values()].filter((g) => g.status === 'committed').length;
    return { committed, total: running.operation.groups.length };
  };
  try {
    const clean = new Map<string, number[]>();
    for (const g of groups) clean.set(g.group, await offsetsInB(offsets, g.group));
    const dry = await runJson(mesh, [...FAILOVER, '--dry-run']);
    if (!dry.answer) throw new Error(`the dry run answered nothing (exit ${dry.code}): ${dry.stderr}`);
    const dryOffsets = targetOffsets(dry.answer);
    let dryVersusClean = 0;
    for (const g of groups) dryVersusClean += differing(dryOffsets.get(g.group) ?? [], clean.get(g.group));

    const attempts: InterruptedRun[] = [];
    const atKill = new Map<string, ResumeRow['atKill']>();
    for (let attempt = 0; attempt < 3; attempt++) {
      for (const g of groups)
        await commitGroupOffsets(
          mesh.kafka['b']!,
          g.group,
          g.committed.map((_, partition) => ({ topic: TOPIC, partition, offset: 0 })),
        );
      const interrupted = await runAndKillAfterCommits(
        mesh,
        [...FAILOVER, '--parallel', '1'],
        children,
        committedInEtcd,
      );
      attempts.push(interrupted);
      say(
        interrupted.killedAt
          ? `failover CLI killed at ${interrupted.killedAt.committed}/${interrupted.killedAt.total} committed (seen in ${interrupted.seenIn})`
          : `failover CLI ended (exit ${interrupted.code}) before a progress line showed some groups committed`,
      );
      if (!interrupted.killedAt) continue;
      // The node stops before its next group once the caller is gone.
      await sleep(2_000);
      for (const g of groups) {
        const now = await offsetsInB(offsets, g.group);
        atKill.set(
          g.group,
          differing(now, clean.get(g.group)) === 0
            ? 'committed'
            : now.every((o) => o === 0)
              ? 'not yet'
              : 'other',
        );
      }
      break;
    }
    const killedAt = attempts.at(-1)?.killedAt;
    const rerun = killedAt ? await runJson(mesh, FAILOVER) : undefined;
    if (rerun) say(`re-run exited ${rerun.code} after ${rerun.seconds.toFixed(1)} s`);
    const rows: ResumeRow[] = [];
    for (const g of groups) {
      const final = await offsetsInB(offsets, g.group);
      const answer = rerun?.answer?.groups.find((a) => a.group === g.group);
      rows.push({
        group: g.group,
        atKill: atKill.get(g.group) ?? 'other',
        rerun: answer ? (answer.committedEarlier ? 'committed (earlier)' : answer.outcome) : '-',
        differsFromClean: differing(final, clean.get(g.group)),
        differsFromDry: differing(final, dryOffsets.get(g.group)),
      });
    }
    return {
      dry,
      attempts,
      killedAt,
      rerun,
      operation: rerun?.answer?.operation ?? '',
      resumed: rerun?.answer?.resumed ?? false,
      rows,
      dryVersusClean,
    };
  } finally {
    await offsets.stop();
    await coordinator.stop();
  }
}
