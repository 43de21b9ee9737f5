/**
 * The failover drill: the evidence that `geomesh failover` and `geomesh failback` hold at estate scale, against
 * real servers run as an operator runs them (three single-broker Kafka clusters, etcd, a `geomesh node` per
 * region over mutual TLS, the CLI with an operator certificate):
 *
 *   1. regions a, b, c active-active under load; groups in a at varied lags (caught up, 1,000 behind,
 *      50,000 behind); a's broker and node killed with kill -9; `geomesh failover --from a --to b` (every
 *      group): per group, records lost and read twice in b (next to the ALREADY SEEN the command predicted),
 *      the replication gap it reported next to a's records b actually lacks, and the time to all committed;
 *   2. the failover's CLI killed after some groups were committed, run again: the offsets in b compared with
 *      the uninterrupted run's and a dry run's;
 *   3. a's broker restarted with its data and its node started; `geomesh failback --region a --from b`: the
 *      groups checked in a, the records b and c wrote during the outage in a exactly once, and what only a
 *      held at the kill in b and c exactly once.
 *
 * Figures are printed (a table per part) and written to a JSON file; the exit code says whether every check
 * held: 0 yes, 1 a check failed, 2 the drill could not run to its end, 64 a bad option.
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DrillMesh } from './drill/drill-mesh.ts';
import { runFailbackPart, type FailbackPart } from './drill/part-failback.ts';
import { runFailoverPart, type DrillOptions, type FailoverPart } from './drill/part-failover.ts';
import { runResumePart, type ResumePart } from './drill/part-resume.ts';
import { failbackTable, failedChecks, failoverTable, resumeTable } from './drill/report.ts';
import { drillJson } from './drill/drill-json.ts';

const HELP = `npm run drill:failover [-- options]

Runs three regions (a, b, c) on this machine, kills region a with kill -9, fails its consumer groups over to b,
kills the failover's CLI half-way and runs it again, brings a back and fails back; prints a table per part.

  --groups <n>       consumer groups in a (default 20): a third caught up, a third --behind, a third --backlog
  --backlog <n>      the largest lag in records, over all partitions (default 50000; a quick run: 5000)
  --behind <n>       the middle lag (default 1000)
  --partitions <n>   partitions of the topic (default 6)
  --rate <n>         records a second each region writes under load (default 200)
  --burst <n>        records a writes at once just before it is killed (default 2000)
  --seed <n>         seeds how each group's lag is spread over the partitions (default 1)
  --out <file>       the JSON report (default drill-failover.json)
  --json             print the JSON report on stdout instead of the tables
  --help             this text

Exit: 0 every check held, 1 a check failed (lost records, unexpected duplicates, offsets that differ), 2 the
drill could not run to its end, 64 a bad option.`;

function usage(message: string): never {
  process.stderr.write(`drill:failover: ${message}\n(npm run drill:failover -- --help)\n`);
  process.exit(64);
}

function parseOptions(): DrillOptions & { out: string; json: boolean } {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        groups: { type: 'string', default: '20' },
        backlog: { type: 'string', default: '50000' },
        behind: { type: 'string', default: '1000' },
        partitions: { type: 'string', default: '6' },
        rate: { type: 'string', default: '200' },
        burst: { type: 'string', default: '2000' },
        seed: { type: 'string', default: '1' },
        out: { type: 'string', default: 'drill-failover.json' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (err) {
    usage((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(HELP + '\n');
    process.exit(0);
  }
  const int = (name: keyof typeof values, min: number, max: number): number => {
    const text = String(values[name]);
    const value = Number(text);
    if (!/^\d+$/.test(text) || value < min || value > max)
      usage(`--${name} ${text}: give a whole number from ${min} to ${max}`);
    return value;
  };
  return {
    groups: int('groups', 1, 1000),
    backlog: int('backlog', 0, 10_000_000),
    behind: int('behind', 0, 10_000_000),
    partitions: int('partitions', 1, 1000),
    rate: int('rate', 1, 100_000),
    burst: int('burst', 0, 10_000_000),
    seed: int('seed', 0, 2 ** 32 - 1),
    out: values.out,
    json: values.json,
  };
}

const options = parseOptions();
const say = (line: string) => process.stderr.write(`[drill] ${line}\n`);
const print = (text: string) => {
  if (!options.json) process.stdout.write(text + '\n');
};
const children = new Set<ChildProcess>();
const cpuAtStart = process.cpuUsage();
const startedAt = performance.now();
let part1: FailoverPart | undefined;
let part2: ResumePart | undefined;
let part3: FailbackPart | undefined;
let error: string | undefined;
/** The servers; started again once when they fail to (a port taken between its choice and its bind). */
async function startMesh(): Promise<DrillMesh> {
  try {
    return await DrillMesh.start(['a', 'b', 'c']);
  } catch (err) {
    say(`the servers did not start (${(err as Error).message.split('\n')[0]}); starting them again`);
  }
  try {
    return await DrillMesh.start(['a', 'b', 'c']);
  } catch (err) {
    say(`the servers did not start: ${(err as Error).message}`);
    process.exit(2);
  }
}
const mesh = await startMesh();
process.once('SIGINT', () => {
  say('interrupted: stopping every process the drill started');
  for (const child of children) child.kill('SIGKILL');
  void mesh.stop().finally(() => process.exit(130));
});
try {
  part1 = await runFailoverPart(mesh, options, say);
  print(failoverTable(part1));
  part2 = await runResumePart(mesh, part1.groups, children, say);
  print(resumeTable(part2));
  part3 = await runFailbackPart(mesh, part1, options.partitions, say);
  print(failbackTable(part3));
} catch (err) {
  error = (err as Error).stack ?? String(err);
  say(`the drill stopped: ${error}`);
} finally {
  for (const child of children) child.kill('SIGKILL');
  for (const writer of Object.values(part1?.writers ?? {})) await writer.stop(5_000);
  await mesh.stop();
}
const failed = part1 ? failedChecks(part1, part2, part3) : [];
const cpu = process.cpuUsage(cpuAtStart);
const report = drillJson({
  options,
  part1,
  part2,
  part3,
  failed,
  error,
  seconds: (performance.now() - startedAt) / 1000,
  drillCpuSeconds: (cpu.user + cpu.system) / 1e6,
});
writeFileSync(options.out, JSON.stringify(report, null, 2) + '\n');
if (options.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
say(`report written to ${options.out}`);
for (const line of failed) say(`FAILED ${line}`);
if (!error && failed.length === 0) say('every check held');
process.exitCode = error ? 2 : failed.length > 0 ? 1 : 0;
