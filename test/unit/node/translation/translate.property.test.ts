/**
 * Translation invariants over simulated meshes: regions that write local records, transaction markers and
 * replicas of each other's records in random interleavings (per-origin order kept, as replication keeps
 * it). For random committed offsets in one region, the translation into another must never skip a record
 * the group had not consumed, must count exactly the records after it the group had already seen, and,
 * with the frontier filter's rule, deliver exactly the unconsumed records.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { PartitionRuns, frontierAt, isConsumed, seek } from '../../../../node/translation/index.ts';

/** One offset of a simulated partition: a record of some origin, or a transaction marker (no record). */
type Slot = { origin: string; originOffset: number } | { marker: true };

interface SimRegion {
  name: string;
  log: Slot[];
  /** Per origin: how many of its local records this region has replicated so far. */
  copied: Map<string, number>;
  runs: PartitionRuns;
}

/** The offsets of the local records of each region, in order. */
function localOffsets(region: SimRegion): number[] {
  return region.log.flatMap((s, i) => ('origin' in s && s.origin === region.name ? [i] : []));
}

/** Plays `steps` on regions: 0 = local record, 1 = marker, 2.. = copy the next record of another origin. */
function simulate(regionNames: readonly string[], steps: readonly [number, number][]): SimRegion[] {
  const regions: SimRegion[] = regionNames.map((name) => ({
    name,
    log: [],
    copied: new Map(),
    runs: new PartitionRuns(),
  }));
  for (const [r, action] of steps) {
    const region = regions[r % regions.length]!;
    if (action === 0) {
      region.log.push({ origin: region.name, originOffset: region.log.length });
    } else if (action === 1) {
      region.log.push({ marker: true });
    } else {
      const others = regions.filter((o) => o !== region);
      const source = others[(action - 2) % others.length]!;
      const sourceLocals = localOffsets(source);
      const n = region.copied.get(source.name) ?? 0;
      const next = sourceLocals[n];
      if (next === undefined) continue;
      region.copied.set(source.name, n + 1);
      const target = region.log.length;
      region.log.push({ origin: source.name, originOffset: next });
      region.runs.add(target, source.name, next);
    }
  }
  return regions;
}

const meshArb = fc.record({
  regions: fc.constantFrom(['a', 'b'], ['a', 'b', 'c']),
  steps: fc.array(fc.tuple(fc.nat(2), fc.nat(5)), { minLength: 1, maxLength: 300 }),
  cut: fc.double({ min: 0, max: 1, noNaN: true }),
  // Which region the group leaves and which it joins.
  pair: fc.constantFrom([0, 1], [1, 0], [0, 2], [2, 1]),
});

describe('translation properties', () => {
  it('never skips an unconsumed record; counts already-seen exactly; the filter leaves exactly the rest', () => {
    fc.assert(
      fc.property(meshArb, ({ regions: names, steps, cut, pair }) => {
        const regions = simulate(names, steps);
        const from = regions[pair[0] % regions.length]!;
        const to = regions[pair[1] % regions.length]!;
        if (from === to) return;
        const committed = Math.floor(cut * (from.log.length + 1));
        const consumed = new Set(
          from.log
            .slice(0, committed)
            .flatMap((s) => ('origin' in s ? [`${s.origin}:${s.originOffset}`] : [])),
        );
        const frontier = frontierAt(from.runs, from.name, committed);
        // The frontier names exactly what was consumed, origin by origin.
        for (const s of from.log) {
          if (!('origin' in s)) continue;
          const id = `${s.origin}:${s.originOffset}`;
          assert.equal(isConsumed(frontier, s.origin, s.originOffset), consumed.has(id), `frontier on ${id}`);
        }
        const result = seek(to.runs, to.name, frontier, { logStart: 0, logEnd: to.log.length });
        let seen = 0;
        to.log.forEach((s, offset) => {
          if (!('origin' in s)) return;
          const isSeen = consumed.has(`${s.origin}:${s.originOffset}`);
          if (offset < result.offset)
            assert.ok(isSeen, `record ${s.origin}:${s.originOffset} at ${offset} skipped`);
          else if (isSeen) seen++;
          // The filter's rule is the frontier's: it skips exactly what the group saw.
          assert.equal(isConsumed(frontier, s.origin, s.originOffset), isSeen);
        });
        // Exact, except that the region's own offsets are counted as offsets: a transaction marker among
        // them counts too (documented upper bound).
        const localEnd = Math.min((frontier.get(to.name) ?? -1) + 1, to.log.length);
        const markers = to.log
          .slice(result.offset, Math.max(result.offset, localEnd))
          .filter((s) => !('origin' in s)).length;
        assert.ok(
          result.alreadySeen >= seen && result.alreadySeen <= seen + markers,
          `already-seen ${result.alreadySeen}, records ${seen}, markers ${markers}`,
        );
        // Minimal: the record at the answer is unconsumed, or a marker, or the answer is the log end.
        const at = to.log[result.offset];
        if (at && 'origin' in at) assert.ok(!consumed.has(`${at.origin}:${at.originOffset}`));
        assert.equal(result.isTruncated, false);
      }),
      { numRuns: Number(process.env.GEOMESH_PROPERTY_RUNS ?? 2_000) },
    );
  });

  it('is exact without the filter on a one-way link (nothing after the answer was seen)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(0, 1, 2, 2, 2), { maxLength: 300 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (actions, cut) => {
          // a writes and has markers; b only copies a (action 2 on region b).
          const steps: [number, number][] = actions.map((a) => (a === 2 ? [1, 2] : [0, a]));
          const [a, b] = simulate(['a', 'b'], steps);
          const committed = Math.floor(cut * (a!.log.length + 1));
          const result = seek(b!.runs, 'b', frontierAt(a!.runs, 'a', committed), {
            logStart: 0,
            logEnd: b!.log.length,
          });
          assert.equal(result.alreadySeen, 0);
          const copiedBefore = b!.log.slice(0, result.offset);
          const consumedLocals = a!.log.slice(0, committed).filter((s) => 'origin' in s).length;
          // Everything before the answer is exactly the consumed records that b already holds.
          assert.equal(copiedBefore.length, Math.min(consumedLocals, b!.log.length));
        },
      ),
      { numRuns: 1_000 },
    );
  });
});

describe('PartitionRuns', () => {
  it('merges consecutive records of one origin into one run and splits on a change', () => {
    const runs = new PartitionRuns();
    for (let i = 0; i < 100; i++) runs.add(i, 'a', 1000 + i);
    assert.equal(runs.size, 1);
    runs.add(100, 'b', 5);
    runs.add(102, 'a', 1100); // offset 101 is local
    runs.add(103, 'a', 1102); // origin offset gap (a marker in a)
    assert.deepEqual(
      runs.runs().map((r) => [r.targetStart, r.length, r.origin, r.originStart]),
      [
        [0, 100, 'a', 1000],
        [100, 1, 'b', 5],
        [102, 1, 'a', 1100],
        [103, 1, 'a', 1102],
      ],
    );
    assert.equal(runs.lastOriginOffset('a'), 1102);
    assert.equal(runs.add(50, 'a', 1050), 'covered');
    assert.equal(runs.size, 4);
  });

  it('prunes runs below the log start and reports them for tombstones', () => {
    const runs = new PartitionRuns();
    runs.add(0, 'a', 0);
    runs.add(1, 'b', 0);
    runs.add(2, 'a', 1);
    runs.takeDirty();
    assert.equal(runs.prune(2), 2);
    assert.deepEqual(runs.takeDirty(), { changed: [], pruned: [0, 1] });
    assert.equal(runs.firstAfter('a', 0), 2);
    assert.equal(runs.lastOriginOffset('b'), -1);
  });

  it('loads persisted runs in any order and keeps the longer version of a run', () => {
    const runs = new PartitionRuns();
    assert.ok(runs.load({ targetStart: 10, length: 5, origin: 'a', originStart: 0 }));
    assert.ok(runs.load({ targetStart: 0, length: 3, origin: 'b', originStart: 7 }));
    assert.ok(runs.load({ targetStart: 10, length: 8, origin: 'a', originStart: 0 }));
    assert.equal(runs.load({ targetStart: 2, length: 3, origin: 'c', originStart: 0 }), false, 'overlap');
    assert.deepEqual(
      runs.runs().map((r) => [r.targetStart, r.length]),
      [
        [0, 3],
        [10, 8],
      ],
    );
    assert.equal(runs.through, 18);
    // A scan of the tail continues the last run.
    assert.equal(runs.add(18, 'a', 8), 'extended');
  });
});
