/**
 * `geomesh failover` and `geomesh failback` as the drill runs them: with `--json`, timed from process start
 * to exit, the answer parsed; or watched through its progress lines and killed with kill -9 once some groups
 * are committed.
 */
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FailoverProgressCounts, FailoverSummary } from '../../node/failover/index.ts';
import type { FailoverResponse } from '../../node/rpc/index.ts';
import type { DrillMesh } from './drill-mesh.ts';

/** What `--json` prints on stdout. */
export type FailoverAnswer = FailoverResponse & { summary: FailoverSummary };

export interface CommandRun {
  args: string[];
  code: number | null;
  /** From the process's start to its exit. */
  seconds: number;
  answer: FailoverAnswer | undefined;
  stderr: string;
}

/** Runs `geomesh <args> --json` to its end. */
export async function runJson(mesh: DrillMesh, args: readonly string[]): Promise<CommandRun> {
  const startedAt = performance.now();
  const out = await mesh.cliToEnd([...args, '--json']);
  const seconds = (performance.now() - startedAt) / 1000;
  let answer: FailoverAnswer | undefined;
  try {
    answer = out.stdout.trim() ? (JSON.parse(out.stdout) as FailoverAnswer) : undefined;
  } catch {
    answer = undefined;
  }
  return { args: [...args], code: out.code, seconds, answer, stderr: out.stderr };
}

/** Per group: the committed offsets a failover's answer names, by partition (its topic has one topic). */
export function targetOffsets(answer: FailoverAnswer): Map<string, number[]> {
  const offsets = new Map<string, number[]>();
  for (const g of answer.groups) {
    if (!g.translation) continue;
    const byPartition: number[] = [];
    for (const p of g.translation.partitions) byPartition[p.partition] = p.targetOffset;
    offsets.set(g.group, byPartition);
  }
  return offsets;
}

/** The records a group's translation says it already consumed (ALREADY SEEN), over its partitions. */
export function alreadySeen(answer: FailoverAnswer, group: string): number {
  const translation = answer.groups.find((g) => g.group === group)?.translation;
  return translation?.partitions.reduce((n, p) => n + p.alreadySeen, 0) ?? 0;
}

export interface InterruptedRun {
  /** Groups committed of all when the CLI was killed (undefined: it ended before any commit was seen). */
  killedAt: { committed: number; total: number } | undefined;
  /** What showed the first commits: a progress line of the CLI, or the operation's record in etcd. */
  seenIn: 'progress line' | 'etcd' | undefined;
  code: number | null;
  progressLines: number;
}

/**
 * Runs `geomesh <args> --json` and kills it (kill -9, by pid) as soon as at least one group is committed and
 * not all are: seen in a progress line (read every 500 ms by the CLI), or in the running operation's record
 * in etcd (`committedInEtcd`, read every 10 ms: commits can all land between two progress lines). `children`
 * holds the process while it runs (for the drill's clean-up).
 */
export async function runAndKillAfterCommits(
  mesh: DrillMesh,
  args: readonly string[],
  children: Set<ChildProcess>,
  committedInEtcd: () => Promise<{ committed: number; total: number } | undefined>,
): Promise<InterruptedRun> {
  const child = mesh.cli([...args, '--json']);
  children.add(child);
  let killedAt: InterruptedRun['killedAt'];
  let seenIn: InterruptedRun['seenIn'];
  let progressLines = 0;
  const killAt = (counts: { committed: number; total: number }, where: InterruptedRun['seenIn']) => {
    if (killedAt || counts.committed === 0 || counts.committed >= counts.total) return;
    child.kill('SIGKILL');
    [killedAt, seenIn] = [{ committed: counts.committed, total: counts.total }, where];
  };
  let partial = '';
  child.stdout!.resume();
  child.stderr!.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      let progress: FailoverProgressCounts | undefined;
      try {
        progress = (JSON.parse(line) as { progress?: FailoverProgressCounts }).progress;
      } catch {
        continue;
      }
      if (!progress) continue;
      progressLines++;
      killAt(progress, 'progress line');
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  while (!hasExited && !killedAt) {
    const counts = await committedInEtcd().catch(() => undefined);
    if (counts) killAt(counts, 'etcd');
    await sleep(10);
  }
  const code = await exited;
  children.delete(child);
  return { killedAt, seenIn, code, progressLines };
}
