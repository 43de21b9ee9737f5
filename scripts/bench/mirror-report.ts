/** The figures of `npm run bench:mirrormaker`: medians over runs, ratios to MirrorMaker 2, a markdown table. */
import type { LatencyFigures } from './latency.ts';

/** One replicator copying one backlog. */
export interface CopyFigures {
  recordsPerSecond: number;
  megabytesPerSecond: number;
  /** CPU of its process tree from its first copied record to its last, per record copied in between. */
  cpuMicrosPerRecord: number;
  peakRssMiB: number;
  secondsToFirstRecord: number;
  /** Records in b at the end: more than the backlog would mean duplicates. */
  recordsInTarget: number;
  /** Over the same span: the cores the contender's process tree kept busy (CPU seconds per second). */
  contenderCores: number;
  /** …those both brokers kept busy (0 when their processes are not known). */
  brokerCores: number;
  /** …and the share of all the machine's cores that was busy, whoever used them (0–1). */
  machineBusy: number;
}

export interface LimitFigures {
  recordsPerSecond: number;
  megabytesPerSecond: number;
  consumer: number;
  producer: number;
}

/** One run of one value size. */
export interface RunFigures {
  run: number;
  size: number;
  records: number;
  limit?: LimitFigures;
  contenders: Record<string, CopyFigures>;
}

export interface LatencyReport {
  rate: number;
  seconds: number;
  size: number;
  /** How the contenders were measured: all at once (each on its own topic), or one after another. */
  together: boolean;
  /** Where the rate came from, when it was derived (e.g. half of MirrorMaker 2's median rate). */
  basis?: string;
  /** MirrorMaker 2 ran with the copies' throughput settings (else its defaults). */
  mirrorTuned?: boolean;
  mirrormaker?: LatencyFigures;
  geomesh?: LatencyFigures;
  /** `--baseline`: the other checkout, measured at the same time on a topic of its own. */
  baseline?: LatencyFigures;
  /** `--contenders …,floor`: no replicator, the measuring consumer reading a (one hop). */
  floor?: LatencyFigures;
  /**
   * `--latency-rounds` above 1: every round's order and figures. The contenders' figures above are then each
   * one's median round by p99 (the higher of the middle two for an even count).
   */
  rounds?: { order: string[]; figures: Record<string, { p50Ms: number; p99Ms: number; maxMs: number }> }[];
}

const LATENCY_CONTENDERS = ['mirrormaker', 'geomesh', 'baseline', 'floor'] as const;
type Contender = (typeof LATENCY_CONTENDERS)[number];

/** One round of the latency part: the order the contenders started in (one after another when alone). */
export interface LatencyRound {
  order: string[];
  figures: Partial<Record<Contender, LatencyFigures>>;
}

/** The order of round `round` (0-based): the contenders rotated by it, so that each goes first in turn. */
export function roundOrder<T>(names: readonly T[], round: number): T[] {
  return names.map((_, i) => names[(i + round) % names.length]!);
}

/**
 * The latency part over its rounds: each contender's figures from its median round by p99 (so its
 * histograms and process figures are those of one real round), and with several rounds every round's
 * p50 / p99 / max. The higher of the middle two for an even count: never the kinder one.
 */
export function overRounds(
  rounds: readonly LatencyRound[],
): Partial<Record<Contender, LatencyFigures>> & Pick<LatencyReport, 'rounds'> {
  const out: Partial<Record<Contender, LatencyFigures>> & Pick<LatencyReport, 'rounds'> = {};
  for (const name of LATENCY_CONTENDERS) {
    const measured = rounds.flatMap((r) => (r.figures[name] ? [r.figures[name]] : []));
    if (measured.length === 0) continue;
    out[name] = [...measured].sort((x, y) => x.p99Ms - y.p99Ms)[Math.floor(measured.length / 2)];
  }
  if (rounds.length > 1)
    out.rounds = rounds.map((r) => ({
      order: r.order,
      figures: Object.fromEntries(
        Object.entries(r.figures).map(([name, f]) => [
          name,
          { p50Ms: f.p50Ms, p99Ms: f.p99Ms, maxMs: f.maxMs },
        ]),
      ),
    }));
  return out;
}

/** The median of `xs` (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

type Median = Omit<CopyFigures, 'recordsInTarget'> & { runs: number; duplicatesOrLosses: number };

export interface Summary {
  medians: {
    size: number;
    records: number;
    limit?: { recordsPerSecond: number; megabytesPerSecond: number };
    contenders: Record<string, Median>;
    /** Each contender's median over MirrorMaker 2's. */
    ratiosToMirrorMaker: Record<
      string,
      { recordsPerSecond: number; cpuMicrosPerRecord: number; peakRssMiB: number }
    >;
  }[];
  latency?: LatencyReport;
  /** Latency at half of MirrorMaker 2's maximum rate (`--half-rate-seconds`). */
  latencyAtHalf?: LatencyReport;
}

export function summarise(
  runs: readonly RunFigures[],
  latency?: LatencyReport,
  latencyAtHalf?: LatencyReport,
): Summary {
  const sizes = [...new Set(runs.map((r) => r.size))];
  const medians = sizes.map((size) => {
    const ofSize = runs.filter((r) => r.size === size);
    const names = [...new Set(ofSize.flatMap((r) => Object.keys(r.contenders)))];
    const contenders: Record<string, Median> = {};
    for (const name of names) {
      const figures = ofSize.flatMap((r) =>
        r.contenders[name] ? [{ f: r.contenders[name], records: r.records }] : [],
      );
      const of = (key: keyof CopyFigures): number => median(figures.map(({ f }) => f[key]));
      contenders[name] = {
        runs: figures.length,
        recordsPerSecond: of('recordsPerSecond'),
        megabytesPerSecond: of('megabytesPerSecond'),
        cpuMicrosPerRecord: of('cpuMicrosPerRecord'),
        peakRssMiB: of('peakRssMiB'),
        secondsToFirstRecord: of('secondsToFirstRecord'),
        contenderCores: of('contenderCores'),
        brokerCores: of('brokerCores'),
        machineBusy: of('machineBusy'),
        duplicatesOrLosses: figures.filter(({ f, records }) => f.recordsInTarget !== records).length,
      };
    }
    const limits = ofSize.flatMap((r) => (r.limit ? [r.limit] : []));
    const mm = contenders['mirrormaker'];
    const ratiosToMirrorMaker: Summary['medians'][number]['ratiosToMirrorMaker'] = {};
    if (mm)
      for (const [name, m] of Object.entries(contenders))
        ratiosToMirrorMaker[name] = {
          recordsPerSecond: m.recordsPerSecond / mm.recordsPerSecond,
          cpuMicrosPerRecord: m.cpuMicrosPerRecord / mm.cpuMicrosPerRecord,
          peakRssMiB: m.peakRssMiB / mm.peakRssMiB,
        };
    return {
      size,
      records: ofSize[0]!.records,
      ...(limits.length > 0 && {
        limit: {
          recordsPerSecond: median(limits.map((l) => l.recordsPerSecond)),
          megabytesPerSecond: median(limits.map((l) => l.megabytesPerSecond)),
        },
      }),
      contenders,
      ratiosToMirrorMaker,
    };
  });
  return { medians, ...(latency && { latency }), ...(latencyAtHalf && { latencyAtHalf }) };
}

const n = (x: number, digits = 0): string =>
  Number.isFinite(x)
    ? x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '–';

const LABELS: Record<string, string> = {
  mirrormaker: 'MirrorMaker 2',
  floor: 'floor (no replicator)',
};
const label = (name: string): string =>
  LABELS[name] ??
  name.replace(
    /^(geomesh|baseline)-(\d+)c(?:-(\d+)w)?$/,
    (_, who: string, c: string, w: string | undefined) =>
      `${who}, ${c} core${c === '1' ? '' : 's'}` +
      (w === undefined ? '' : `, ${w} worker${w === '1' ? '' : 's'}`),
  );

export function renderMarkdown(
  report: Summary & {
    environment: {
      kafkaVersion: string;
      cores: number;
      cpu?: string | undefined;
      loadAverageAtStart: number;
      loadAverageAtEnd: number;
    };
    settings: { runs: number; partitions: number; heap: string };
  },
): string {
  const e = report.environment;
  const lines = [
    `One link a → b, two single-broker Kafka ${e.kafkaVersion} clusters on one machine (${e.cores} cores, ${e.cpu ?? '?'}), ` +
      `${report.settings.partitions} partitions, a preloaded backlog; median of ${report.settings.runs} run(s); ` +
      `JVM heaps ${report.settings.heap}; load average ${e.loadAverageAtStart} at start, ${e.loadAverageAtEnd} at end.`,
    '',
    '| value × records | contender | records/s | MB/s | CPU µs/record | peak RSS | × MirrorMaker 2 (rate · CPU) |',
    '|---|---|---:|---:|---:|---:|---|',
  ];
  for (const m of report.medians) {
    const what = `${m.size} B × ${n(m.records)}`;
    if (m.limit)
      lines.push(
        `| ${what} | limit L (consumer perf on a ‖ producer perf on b) | ${n(m.limit.recordsPerSecond)} | ${n(m.limit.megabytesPerSecond, 1)} | | | |`,
      );
    for (const [name, c] of Object.entries(m.contenders)) {
      const r = m.ratiosToMirrorMaker[name];
      const ratio =
        r && name !== 'mirrormaker' ? `×${n(r.recordsPerSecond, 2)} · ×${n(r.cpuMicrosPerRecord, 2)}` : '';
      const flag =
        c.duplicatesOrLosses > 0 ? ` (b held a wrong count in ${c.duplicatesOrLosses} run(s))` : '';
      lines.push(
        `| ${what} | ${label(name)}${flag} | ${n(c.recordsPerSecond)} | ${n(c.megabytesPerSecond, 1)} | ${n(c.cpuMicrosPerRecord, 1)} | ${n(c.peakRssMiB)} MiB | ${ratio} |`,
      );
    }
  }
  lines.push(...coresTable(report.medians, e.cores));
  for (const l of [report.latency, report.latencyAtHalf]) if (l) lines.push(...latencyTable(l));
  return lines.join('\n') + '\n';
}

/**
 * Where the machine's cores went during each copy: the contender's, the brokers', and how busy the machine
 * was in all. A machine near 100 % busy is the limit, whatever cores the contender was pinned to.
 */
function coresTable(medians: Summary['medians'], cores: number): string[] {
  if (medians.length === 0) return [];
  const lines = [
    '',
    `Cores during each copy (CPU seconds per second, medians; the machine has ${cores}):`,
    '',
    '| value × records | contender | its cores | both brokers | machine busy |',
    '|---|---|---:|---:|---:|',
  ];
  for (const m of medians)
    for (const [name, c] of Object.entries(m.contenders))
      lines.push(
        `| ${m.size} B × ${n(m.records)} | ${label(name)} | ${n(c.contenderCores, 2)} | ${n(c.brokerCores, 2)} | ${n(c.machineBusy * 100)} % |`,
      );
  return lines;
}

/** The lines of one latency part's table. */
function latencyTable(l: LatencyReport): string[] {
  const how = l.together ? 'all at once' : 'one contender at a time';
  const lines = [
    '',
    `End-to-end latency, ${n(l.rate)} records/s of ${l.size} B${l.basis ? ` (${l.basis})` : ''} for ${l.seconds} s, ${how} ` +
      `(producer CreateTime → received by a consumer of b; MirrorMaker 2 with ${l.mirrorTuned ? 'the throughput settings of the copies' : 'its default settings'}):`,
    '',
    '| contender | received | records/s sent | p50 ms | p99 ms | max ms |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const name of LATENCY_CONTENDERS) {
    const f = l[name];
    if (f)
      lines.push(
        `| ${label(name)} | ${n(f.received)} of ${n(f.produced)} | ${f.sentPerSecond === undefined ? '' : n(f.sentPerSecond)} | ${n(f.p50Ms)} | ${n(f.p99Ms)} | ${n(f.maxMs)} |`,
      );
  }
  if (l.rounds) {
    const names = LATENCY_CONTENDERS.filter((name) => l[name]);
    lines.push(
      '',
      `Above, each contender's median round of ${l.rounds.length} by p99. Every round (p50 / p99 / max ms):`,
      '',
      `| round | order | ${names.map(label).join(' | ')} |`,
      `|---|---|${names.map(() => '---|').join('')}`,
      ...l.rounds.map(
        (r, i) =>
          `| ${i + 1} | ${r.order.map(label).join(l.together ? ', ' : ' → ')} | ${names
            .map((name) => {
              const f = r.figures[name];
              return f ? `${n(f.p50Ms)} / ${n(f.p99Ms)} / ${n(f.maxMs)}` : '';
            })
            .join(' | ')} |`,
      ),
    );
  }
  for (const [name, f] of [
    ['geomesh', l.geomesh],
    ['baseline', l.baseline],
  ] as const) {
    if (f?.process)
      lines.push(
        '',
        `${label(name)}'s process over the counted part: event-loop delay p99 ${n(f.process.eventLoopDelayP99Ms, 1)} ms, ` +
          `max ${n(f.process.eventLoopDelayMaxMs, 1)} ms; ${n(f.process.gcPauses)} garbage collections, ${n(f.process.gcPauseTotalMs)} ms of pauses in all.`,
      );
    const [e2e, held] = [f?.histogram, f?.nodeHistogram];
    if (e2e && held)
      lines.push(
        '',
        `${label(name)}'s own histograms (bucket bounds): timestamp → acknowledged by b p50 ≤ ${n(e2e.p50AtMostMs)} ms, ` +
          `p99 ≤ ${n(e2e.p99AtMostMs)} ms, mean ${n(e2e.meanMs, 1)} ms (${n(e2e.count)} records); of it in the node ` +
          `(fetched → acknowledged, per write) p50 ≤ ${n(held.p50AtMostMs)} ms, p99 ≤ ${n(held.p99AtMostMs)} ms, ` +
          `mean ${n(held.meanMs, 1)} ms (${n(held.count)} writes).`,
      );
  }
  return lines;
}
