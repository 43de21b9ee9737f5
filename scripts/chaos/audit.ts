/**
 * The chaos run's audit: every region's copy of the topic accounted for by `auditTopic` (test/support), and
 * consumer groups translated between regions checked against both logs by `checkTranslation`. Unlike the
 * tests' assertions it counts every anomaly instead of stopping at the first, for the closing report.
 */
import type { RegionAudit } from '../../test/support/mesh-audit.ts';

export interface RegionReport {
  region: string;
  records: number;
  /** Records whose origin is another region. */
  replicated: number;
  /** Per origin: records written there that this region does not hold. */
  lost: Record<string, number>;
  /** Copies beyond those the origin holds (replication's duplicates). */
  duplicates: number;
  /** Records this region's own writer wrote twice (a test-side retry, told apart from replication's). */
  writerDuplicates: number;
  loops: number;
  misattributed: number;
  isOrderKept: boolean;
}

/** Counts, per sequence, how many copies of origin `origin`'s records `audit` holds. */
function copies(audit: RegionAudit, origin: string): Map<number, number> {
  const counts = new Map<number, number>();
  for (const seq of audit.byOrigin.get(origin) ?? []) counts.set(seq, (counts.get(seq) ?? 0) + 1);
  return counts;
}

/**
 * The report of each region: `audits` by region, `written` records per origin (sequences 0…n-1). A record
 * written twice in its origin (the writer's retry) is expected twice everywhere: only copies beyond the
 * origin's count are replication's duplicates.
 */
export function regionReports(
  audits: Readonly<Record<string, RegionAudit>>,
  written: Readonly<Record<string, number>>,
): RegionReport[] {
  const regions = Object.keys(audits);
  const inOrigin = new Map(regions.map((o) => [o, copies(audits[o]!, o)]));
  // Copies that came back to their origin (loops) count there too, and which sequences they are is not
  // known: with loops in the origin, every copy beyond the first elsewhere counts as a duplicate.
  const expectedCopies = (origin: string, seq: number) =>
    audits[origin]!.loops > 0 ? 1 : Math.max(1, inOrigin.get(origin)!.get(seq) ?? 0);
  return regions.map((region) => {
    const audit = audits[region]!;
    const report: RegionReport = {
      region,
      records: audit.total,
      replicated: 0,
      lost: {},
      duplicates: 0,
      writerDuplicates: 0,
      loops: audit.loops,
      misattributed: audit.misattributed,
      isOrderKept: audit.isOrderKept,
    };
    for (const origin of regions) {
      const here = origin === region ? inOrigin.get(origin)! : copies(audit, origin);
      let lost = 0;
      for (let seq = 0; seq < (written[origin] ?? 0); seq++) if (!here.has(seq)) lost++;
      report.lost[origin] = lost;
      for (const [seq, n] of here) {
        if (origin === region) report.writerDuplicates += n - 1;
        else {
          report.replicated += n;
          report.duplicates += Math.max(0, n - expectedCopies(origin, seq));
        }
      }
    }
    // The copies back in their origin are loops, not the writer's.
    report.writerDuplicates = Math.max(0, report.writerDuplicates - audit.loops);
    return report;
  });
}

export interface TranslationReport {
  group: string;
  from: string;
  to: string;
  source: string;
  lost: number;
  duplicatesWithFilter: number;
  plainDuplicates: number;
  /** Why the translation could not be checked (the command failed, or the answer contradicted the logs). */
  error?: string;
}

/** The closing totals. */
export interface ChaosTotals {
  written: number;
  replicated: number;
  lost: number;
  duplicates: number;
  writerDuplicates: number;
  loops: number;
  misattributed: number;
  orderBroken: number;
  translationErrors: number;
}

export function chaosTotals(
  written: number,
  reports: readonly RegionReport[],
  translations: readonly TranslationReport[],
): ChaosTotals {
  const sum = (f: (r: RegionReport) => number) => reports.reduce((n, r) => n + f(r), 0);
  return {
    written,
    replicated: sum((r) => r.replicated),
    lost: sum((r) => Object.values(r.lost).reduce((a, b) => a + b, 0)),
    duplicates: sum((r) => r.duplicates),
    writerDuplicates: sum((r) => r.writerDuplicates),
    loops: sum((r) => r.loops),
    misattributed: sum((r) => r.misattributed),
    orderBroken: reports.filter((r) => !r.isOrderKept).length,
    translationErrors: translations.filter((t) => t.error || t.lost > 0 || t.duplicatesWithFilter > 0).length,
  };
}

/** Whether the audit is clean: nothing lost, duplicated, looped, misattributed or out of order; translations exact. */
export function isClean(t: ChaosTotals): boolean {
  return (
    t.lost === 0 &&
    t.duplicates === 0 &&
    t.loops === 0 &&
    t.misattributed === 0 &&
    t.orderBroken === 0 &&
    t.translationErrors === 0
  );
}
