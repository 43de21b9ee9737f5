/** The drill's JSON report: the options, each part's rows and figures, the failed checks (no record sets). */
import type { DrillOptions, FailoverPart } from './part-failover.ts';
import type { ResumePart } from './part-resume.ts';
import type { FailbackPart } from './part-failback.ts';
import type { CommandRun } from './failover-calls.ts';

function command(run: CommandRun | undefined) {
  return run && { args: run.args, exitCode: run.code, seconds: run.seconds, summary: run.answer?.summary };
}

export function drillJson(input: {
  options: DrillOptions;
  part1: FailoverPart | undefined;
  part2: ResumePart | undefined;
  part3: FailbackPart | undefined;
  failed: string[];
  error: string | undefined;
  seconds: number;
  drillCpuSeconds: number;
}) {
  const { part1, part2, part3 } = input;
  return {
    options: input.options,
    seconds: input.seconds,
    drillCpuSeconds: input.drillCpuSeconds,
    passed: !input.error && input.failed.length === 0,
    failed: input.failed,
    error: input.error,
    failover: part1 && {
      command: command(part1.run),
      brokerPid: part1.brokerPid,
      ackedAtKill: part1.ackedAtKill,
      acked: Object.fromEntries(Object.entries(part1.writers).map(([r, w]) => [r, w.acked])),
      recordsOfAMissingInB: part1.onlyInA.length,
      groups: part1.rows,
    },
    resume: part2 && {
      dryRun: command(part2.dry),
      attempts: part2.attempts,
      killedAt: part2.killedAt,
      rerun: command(part2.rerun),
      operation: part2.operation,
      resumed: part2.resumed,
      dryRunVersusCleanRun: part2.dryVersusClean,
      groups: part2.rows,
    },
    failback: part3 && {
      command: command(part3.run),
      brokerRestartSeconds: part3.restartSeconds,
      nodeReadySeconds: part3.nodeSeconds,
      regionState: part3.regionState,
      groups: part3.rows,
      exactlyOnce: part3.exactlyOnce,
      extraCopies: part3.duplicateCopies,
    },
  };
}
