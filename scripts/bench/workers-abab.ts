/**
 * Worker threads of the data path compared in one benchmark run: each round copies a fresh backlog with a
 * node of every worker count in turn (A B A B …), so the counts see the same brokers and, round by round, the
 * same machine load. Figures are printed, never asserted; the median of the rounds is reported per count.
 */
import { loadavg } from 'node:os';

/** One copy's figures, as the benchmark's `timeCopy` measures them. */
export interface CopyFigures {
  recordsPerSecond: number;
  cpuMicrosPerRecord: number;
  peakRssMiB: number;
  recordsInTarget: number;
  records: number;
}

export interface WorkersRun<F extends CopyFigures> {
  workers: number;
  round: number;
  loadAverage: number;
  figures: F;
}

/** `--workers 1,2`: the counts to compare, each a whole number ≥ 1 (exit 2 otherwise). */
export function parseWorkerCounts(text: string): number[] {
  const counts = text.split(',').map((s) => Number(s.trim()));
  if (counts.length === 0 || counts.some((n) => !Number.isSafeInteger(n) || n < 1)) {
    console.error(`--workers must be whole numbers ≥ 1 separated by commas (e.g. 1,2), got "${text}"`);
    process.exit(2);
  }
  return counts;
}

/** Runs `rounds` × every count, A B A B; `copy(workers, tag)` copies a fresh backlog and measures it. */
export async function compareWorkers<F extends CopyFigures>(
  counts: readonly number[],
  rounds: number,
  copy: (workers: number, tag: string) => Promise<F>,
  log: (line: string) => void,
): Promise<WorkersRun<F>[]> {
  const runs: WorkersRun<F>[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const workers of counts) {
      const figures = await copy(workers, `w${workers}.r${round}`);
      const loadAverage = Number((loadavg()[0] ?? 0).toFixed(2));
      runs.push({ workers, round, loadAverage, figures });
      log(
        `    round ${round}, workers ${workers}: ${Math.round(figures.recordsPerSecond).toLocaleString('en-US')} records/s, ` +
          `${figures.cpuMicrosPerRecord.toFixed(1)} µs CPU/record, peak RSS ${Math.round(figures.peakRssMiB)} MiB, ` +
          `load average ${loadAverage}` +
          (figures.recordsInTarget !== figures.records
            ? ` (! b holds ${figures.recordsInTarget}, expected ${figures.records})`
            : ''),
      );
    }
  }
  return runs;
}

/** The median of each count's rounds, and its ratio to the first count's. */
export function summarizeWorkers<F extends CopyFigures>(
  runs: readonly WorkersRun<F>[],
): {
  workers: number;
  recordsPerSecond: number;
  cpuMicrosPerRecord: number;
  ratio: { recordsPerSecond: number; cpuMicrosPerRecord: number };
}[] {
  const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    const mid = Math.floor(s.length / 2);
    return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  };
  const counts = [...new Set(runs.map((r) => r.workers))];
  const rows = counts.map((workers) => {
    const mine = runs.filter((r) => r.workers === workers).map((r) => r.figures);
    return {
      workers,
      recordsPerSecond: median(mine.map((f) => f.recordsPerSecond)),
      cpuMicrosPerRecord: median(mine.map((f) => f.cpuMicrosPerRecord)),
    };
  });
  const first = rows[0];
  return rows.map((r) => ({
    ...r,
    ratio: {
      recordsPerSecond: first ? r.recordsPerSecond / first.recordsPerSecond : 1,
      cpuMicrosPerRecord: first ? r.cpuMicrosPerRecord / first.cpuMicrosPerRecord : 1,
    },
  }));
}
