/**
 * Part 1 of the drill: three regions under load, groups in A at varied lags, A's broker and node killed with
 * kill -9, `geomesh failover --from a --to b` (every group), and each group checked in B against the logs.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ClusterOffsets, commitGroupOffsets } from '../../node/kafka/index.ts';
import { NODE_DEFAULTS } from '../../node/config/index.ts';
import { seededRandom } from '../../test/support/seeded-random.ts';
import { readTopicLog, type TopicLog } from '../../test/support/translation-audit.ts';
import { MESH, TOPIC, groupOffsets, type DrillMesh } from './drill-mesh.ts';
import { alreadySeen, runJson, targetOffsets, type CommandRun } from './failover-calls.ts';
import {
  acknowledgedIds,
  countByOrigin,
  idsBefore,
  resumeOutcome,
  sequenceIds,
  type ResumeOutcome,
} from './group-checks.ts';
import { LoadWriter } from './writers.ts';

export interface DrillOptions {
  seed: number;
  partitions: number;
  groups: number;
  /** The largest lag of a group in A (records, all partitions); the default is the estate's 50,000. */
  backlog: number;
  /** The middle lag (1,000). */
  behind: number;
  /** Records a second each region's writer writes under load. */
  rate: number;
  /** Records a's writer writes at once just before the kill (some not replicated yet when it dies). */
  burst: number;
}

export interface GroupInA {
  group: string;
  /** The lag asked for, and the committed offsets in A by partition. */
  lag: number;
  committed: number[];
  /** Ids of the records of A's log before the committed offsets: what the group consumed in A. */
  consumed: Set<string>;
}

export interface FailoverRow extends ResumeOutcome {
  group: string;
  lag: number;
  outcome: string;
  source: string;
  predicted: number;
  /** Per origin: records A held after the group's frontier that B lacks, as the command reported them. */
  rpoReported: Record<string, number>;
  /** Per origin: records written and not consumed by the group that B does not hold (A's acknowledged ones). */
  missingInB: Record<string, number>;
  /** The group's offsets in B's cluster equal the answer's. */
  isCommittedAsAnswered: boolean;
}

export interface FailoverPart {
  writers: Record<string, LoadWriter>;
  /** Records each writer had acknowledged when A was killed. */
  ackedAtKill: Record<string, number>;
  brokerPid: number | undefined;
  groups: GroupInA[];
  logAtKill: TopicLog;
  logB: TopicLog;
  run: CommandRun;
  rows: FailoverRow[];
  /** A's records (acknowledged, or read in A before the kill) that B lacks. */
  onlyInA: string[];
}

const ORIGINS = ['a', 'b', 'c'];

/** Sums of a topic's end offsets in `region` (undefined when the cluster does not answer). */
export async function logEndSum(mesh: DrillMesh, region: string): Promise<number | undefined> {
  const offsets = new ClusterOffsets(mesh.kafka[region]!);
  try {
    return (await offsets.topicRanges(TOPIC))?.reduce((n, p) => n + p.logEnd, 0);
  } catch {
    return undefined;
  } finally {
    await offsets.stop();
  }
}

/** Waits until `regions`' logs stop growing for `quietMs` (replication settled); bounded by `timeoutMs`. */
export async function waitSettled(
  mesh: DrillMesh,
  regions: readonly string[],
  quietMs = 6_000,
  timeoutMs = 300_000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = '';
  let since = performance.now();
  while (performance.now() < deadline) {
    const now = JSON.stringify(await Promise.all(regions.map((r) => logEndSum(mesh, r))));
    if (now !== last) [last, since] = [now, performance.now()];
    else if (performance.now() - since >= quietMs) return;
    await sleep(1_000);
  }
  throw new Error(`the logs of ${regions.join(', ')} still grew after ${timeoutMs / 1000} s`);
}

/** Lags per partition summing to `lag`, spread by seeded weights, none past a partition's records. */
function spread(lag: number, ends: readonly number[], random: () => number): number[] {
  const weights = ends.map(() => 0.5 + random());
  const total = weights.reduce((a, b) => a + b, 0);
  return ends.map((end, p) => Math.min(end, Math.round((lag * weights[p]!) / total)));
}

export function logOptions(mesh: DrillMesh, partitions: number) {
  return { mesh: MESH, key: Buffer.from(mesh.key), partitions };
}

export async function runFailoverPart(
  mesh: DrillMesh,
  options: DrillOptions,
  say: (line: string) => void,
): Promise<FailoverPart> {
  const random = seededRandom(options.seed);
  await mesh.createTopic(options.partitions);
  for (const r of ORIGINS) await mesh.startNode(r);
  const writers = Object.fromEntries(
    ORIGINS.map((r) => [r, new LoadWriter(mesh.kafka[r]!, r, TOPIC, options.partitions)]),
  );
  const prefill = Math.max(1_000, Math.ceil((options.backlog * 0.4) / 100) * 100);
  say(`writing ${prefill} records in each region, then ${options.rate} a second in each`);
  await Promise.all(ORIGINS.map((r) => writers[r]!.fill(prefill)));
  for (const r of ORIGINS) writers[r]!.steady(options.rate);
  const deadline = performance.now() + 600_000;
  while (((await logEndSum(mesh, 'a')) ?? 0) < 3 * prefill) {
    if (performance.now() > deadline) throw new Error(`a does not hold the ${3 * prefill} records written`);
    await sleep(1_000);
  }
  const offsets = new ClusterOffsets(mesh.kafka['a']!);
  const ends = ((await offsets.topicRanges(TOPIC)) ?? []).map((p) => p.logEnd);
  await offsets.stop();
  const lags = [0, options.behind, options.backlog];
  const groups: GroupInA[] = [];
  for (let i = 0; i < options.groups; i++) {
    const lag = lags[i % lags.length]!;
    const committed = spread(lag, ends, random).map((l, p) => ends[p]! - l);
    const group = `drill-${String(i).padStart(2, '0')}`;
    await commitGroupOffsets(
      mesh.kafka['a']!,
      group,
      committed.map((offset, partition) => ({ topic: TOPIC, partition, offset })),
    );
    groups.push({ group, lag, committed, consumed: new Set() });
  }
  say(`${groups.length} groups committed in a; waiting for two checkpoint rounds under load`);
  await sleep(2 * NODE_DEFAULTS.checkpointIntervalMs + 2_000);
  const logAtKill = await readTopicLog(mesh.kafka['a']!, 'a', TOPIC, logOptions(mesh, options.partitions));
  for (const g of groups) g.consumed = idsBefore(logAtKill, g.committed);

  await writers['a']!.stop();
  await writers['a']!.fill(options.burst);
  const brokerPid = mesh.env.cluster('a').pid;
  say(`a burst of ${options.burst} records in a, then kill -9 of a's broker (pid ${brokerPid}) and a's node`);
  mesh.killNode('a');
  await mesh.env.cluster('a').kill();
  const ackedAtKill = Object.fromEntries(ORIGINS.map((r) => [r, writers[r]!.acked]));
  await writers['a']!.stop(1_000);

  const run = await runJson(mesh, ['failover', '--from', 'a', '--to', 'b', '--timeout-ms', '600000']);
  say(`failover exited ${run.code} after ${run.seconds.toFixed(1)} s`);
  if (!run.answer) throw new Error(`geomesh failover answered nothing (exit ${run.code}): ${run.stderr}`);
  // B and C write on during the outage, then stop; the check reads B once replication has settled.
  await sleep(5_000);
  await Promise.all(['b', 'c'].map((r) => writers[r]!.stop()));
  await waitSettled(mesh, ['b', 'c']);
  const logB = await readTopicLog(mesh.kafka['b']!, 'b', TOPIC, logOptions(mesh, options.partitions));
  const inB = new Set<string>();
  for (const records of logB.values()) for (const r of records) inB.add(r.id);
  const written = [
    ...sequenceIds('a', 0, ackedAtKill['a'] ?? 0),
    ...[...logAtKill.values()].flatMap((rs) => rs.filter((r) => r.origin === 'a').map((r) => r.id)),
  ];
  const onlyInA = [...new Set(written)].filter((id) => !inB.has(id));
  // Every record that exists outside A: what B holds, and what B's and C's writers had acknowledged.
  const expected = new Set([...inB, ...acknowledgedIds({ b: writers['b']!.acked, c: writers['c']!.acked })]);
  const answered = targetOffsets(run.answer);
  const inCluster = new ClusterOffsets(mesh.kafka['b']!);
  const rows: FailoverRow[] = [];
  try {
    for (const g of groups) {
      const answer = run.answer.groups.find((a) => a.group === g.group);
      const target = answered.get(g.group) ?? [];
      const committedInB = await groupOffsets(inCluster, g.group);
      const rpoReported: Record<string, number> = {};
      for (const p of answer?.translation?.partitions ?? [])
        for (const n of p.notReplicated ?? [])
          rpoReported[n.region] = (rpoReported[n.region] ?? 0) + n.records;
      const missingInB = countByOrigin(
        [...new Set([...written, ...expected])].filter((id) => !g.consumed.has(id) && !inB.has(id)),
      );
      rows.push({
        group: g.group,
        lag: g.lag,
        outcome: answer?.outcome ?? 'absent',
        source: answer?.translation?.source ?? '-',
        predicted: alreadySeen(run.answer, g.group),
        rpoReported,
        missingInB,
        isCommittedAsAnswered: JSON.stringify(committedInB) === JSON.stringify(target),
        ...resumeOutcome(g.consumed, logB, target, expected),
      });
    }
  } finally {
    await inCluster.stop();
  }
  return { writers, ackedAtKill, brokerPid, groups, logAtKill, logB, run, rows, onlyInA };
}
