/**
 * The figures of `npm run bench:wan -- --mode backlog`: medians over runs, each contender at a delay against
 * itself at 0 ms and geomesh against MirrorMaker 2 at the same delay, and the tables printed.
 */
import type { LatencyFigures } from './latency.ts';
import { median } from './mirror-report.ts';
import type { WanContender } from './wan-options.ts';

/** One contender copying one backlog at one delay. */
export interface BacklogFigures {
  contender: WanContender;
  run: number;
  delayMs: number;
  records: number;
  /** Over the copy from its first copied record to the last in b. */
  recordsPerSecond: number;
  secondsToFirstRecord: number;
  /** What the proxies in front of a's cluster and a's node delivered over the copy, bytes. */
  wanBytes: number;
  /** wanBytes over the records' bytes (keys and values). */
  wanBytesPerRecordByte: number;
  /** Records in b at the end: another count than `records` means losses or duplicates. */
  recordsInTarget: number;
  /** geomesh: path switches of b's link during the copy (0 when it kept the path asked for). */
  switches: number;
  loadAverage: number;
}

export interface LatencyRow extends LatencyFigures {
  contender: WanContender;
  delayMs: number;
}

/** Medians of one contender at one delay, and its ratios. */
export interface BacklogMedian {
  contender: WanContender;
  delayMs: number;
  runs: number;
  recordsPerSecond: number;
  wanBytesPerRecordByte: number;
  /** Runs where b held another count than the backlog. */
  wrongCounts: number;
  switches: number;
  /** Its median over its own at 0 ms (undefined at 0 ms or without a 0 ms figure). */
  toItselfAtZero?: number;
  /** geomesh: its median over MirrorMaker 2's at the same delay. */
  toMirrorMaker?: number;
}

/** Medians by contender and delay, in the order contenders and delays first appear in `runs`. */
export function summariseBacklog(runs: readonly BacklogFigures[]): BacklogMedian[] {
  const contenders = [...new Set(runs.map((r) => r.contender))];
  const delays = [...new Set(runs.map((r) => r.delayMs))];
  const medians: BacklogMedian[] = [];
  for (const contender of contenders)
    for (const delayMs of delays) {
      const of = runs.filter((r) => r.contender === contender && r.delayMs === delayMs);
      if (of.length === 0) continue;
      medians.push({
        contender,
        delayMs,
        runs: of.length,
        recordsPerSecond: median(of.map((r) => r.recordsPerSecond)),
        wanBytesPerRecordByte: median(of.map((r) => r.wanBytesPerRecordByte)),
        wrongCounts: of.filter((r) => r.recordsInTarget !== r.records).length,
        switches: of.reduce((n, r) => n + r.switches, 0),
      });
    }
  const find = (contender: WanContender, delayMs: number) =>
    medians.find((m) => m.contender === contender && m.delayMs === delayMs);
  for (const m of medians) {
    const zero = find(m.contender, 0);
    if (zero && m.delayMs !== 0) m.toItselfAtZero = m.recordsPerSecond / zero.recordsPerSecond;
    const mirror = find('mirrormaker', m.delayMs);
    if (mirror && m.contender !== 'mirrormaker')
      m.toMirrorMaker = m.recordsPerSecond / mirror.recordsPerSecond;
  }
  return medians;
}

const LABELS: Record<WanContender, string> = {
  pull: 'geomesh pull',
  stream: 'geomesh stream',
  mirrormaker: 'MirrorMaker 2',
};

const n = (x: number | undefined, digits = 0): string =>
  x !== undefined && Number.isFinite(x)
    ? x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '–';

/** The backlog table (markdown). */
export function renderBacklog(medians: readonly BacklogMedian[]): string {
  const lines = [
    '| contender | one-way delay | records/s (median) | × itself at 0 ms | × MirrorMaker 2 | WAN bytes / record byte | runs |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const m of medians) {
    const notes = [
      m.wrongCounts > 0 ? `b held a wrong count in ${m.wrongCounts} run(s)` : '',
      m.switches > 0 ? `${m.switches} path switch(es)` : '',
    ].filter(Boolean);
    lines.push(
      `| ${LABELS[m.contender]}${notes.length > 0 ? ` (${notes.join('; ')})` : ''} | ${m.delayMs} ms | ` +
        `${n(m.recordsPerSecond)} | ${m.toItselfAtZero === undefined ? '' : `×${n(m.toItselfAtZero, 2)}`} | ` +
        `${m.toMirrorMaker === undefined ? '' : `×${n(m.toMirrorMaker, 2)}`} | ${n(m.wanBytesPerRecordByte, 3)} | ${m.runs} |`,
    );
  }
  return lines.join('\n') + '\n';
}

/** The latency table (markdown). */
export function renderLatency(rows: readonly LatencyRow[]): string {
  const lines = [
    '| contender | one-way delay | received | p50 ms | p99 ms | max ms |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows)
    lines.push(
      `| ${LABELS[r.contender]} | ${r.delayMs} ms | ${n(r.received)} of ${n(r.produced)} | ${n(r.p50Ms)} | ${n(r.p99Ms)} | ${n(r.maxMs)} |`,
    );
  return lines.join('\n') + '\n';
}
