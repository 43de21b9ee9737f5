/** The chaos run's accounting: lost, duplicated and looped records counted per region, writer retries apart. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chaosTotals, isClean, regionReports } from '../../../scripts/chaos/audit.ts';
import type { RegionAudit } from '../../../test/support/mesh-audit.ts';

function audit(byOrigin: Record<string, number[]>, extra: Partial<RegionAudit> = {}): RegionAudit {
  const seqs = Object.values(byOrigin).flat();
  return {
    total: seqs.length,
    byOrigin: new Map(Object.entries(byOrigin)),
    duplicates:
      seqs.length - new Set(Object.entries(byOrigin).flatMap(([o, s]) => s.map((n) => `${o}:${n}`))).size,
    firstDuplicates: [],
    loops: 0,
    misattributed: 0,
    isOrderKept: true,
    fingerprints: new Map(),
    ...extra,
  };
}

describe('chaos audit', () => {
  it('a clean mesh: everything everywhere once', () => {
    const all = { a: [0, 1, 2], b: [0, 1] };
    const reports = regionReports({ a: audit(all), b: audit(all) }, { a: 3, b: 2 });
    assert.deepEqual(
      reports.map((r) => [r.region, r.replicated, r.duplicates, r.lost]),
      [
        ['a', 2, 0, { a: 0, b: 0 }],
        ['b', 3, 0, { a: 0, b: 0 }],
      ],
    );
    assert.ok(isClean(chaosTotals(5, reports, [])));
  });

  it('a record missing, one copied twice, a loop and broken order are each counted', () => {
    const reports = regionReports(
      {
        a: audit({ a: [0, 1, 2], b: [0, 0, 1] }),
        b: audit({ a: [0, 2], b: [0, 1] }, { loops: 1, isOrderKept: false }),
      },
      { a: 3, b: 2 },
    );
    const totals = chaosTotals(5, reports, [
      {
        group: 'g',
        from: 'a',
        to: 'b',
        source: 'live',
        lost: 1,
        duplicatesWithFilter: 0,
        plainDuplicates: 0,
      },
    ]);
    assert.equal(totals.lost, 1, 'a:1 missing in b');
    assert.equal(totals.duplicates, 1, 'b:0 twice in a');
    assert.equal(totals.loops, 1);
    assert.equal(totals.orderBroken, 1);
    assert.equal(totals.translationErrors, 1);
    assert.ok(!isClean(totals));
  });

  it("a record its origin's writer wrote twice is expected twice elsewhere: not replication's duplicate", () => {
    const twice = { a: [0, 0, 1], b: [0] };
    const reports = regionReports({ a: audit(twice), b: audit(twice) }, { a: 2, b: 1 });
    const totals = chaosTotals(3, reports, []);
    assert.equal(totals.duplicates, 0);
    assert.equal(totals.writerDuplicates, 1);
    assert.ok(isClean(totals));
  });

  it('copies back in their origin are loops, not writer duplicates, and hide no duplicate elsewhere', () => {
    const reports = regionReports(
      {
        a: audit({ a: [0, 0, 1], b: [0] }, { loops: 1 }),
        b: audit({ a: [0, 0, 1], b: [0] }),
      },
      { a: 2, b: 1 },
    );
    const totals = chaosTotals(3, reports, []);
    assert.equal(totals.loops, 1);
    assert.equal(totals.writerDuplicates, 0);
    assert.equal(totals.duplicates, 1, 'a:0 twice in b');
    assert.ok(!isClean(totals));
  });
});
