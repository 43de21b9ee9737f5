import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { silentLogger } from '../../../../node/log/index.ts';
import { OriginHighwater, partitionKey, type TopicPartition } from '../../../../node/replication/index.ts';
import { heldBy, workerOf, type Placement } from '../../../../node/workers/index.ts';
import { PlacementMoves } from '../../../../node/workers/placement-moves.ts';

const TOPIC = 'orders';
const ALL: TopicPartition[] = Array.from({ length: 8 }, (_, partition) => ({ topic: TOPIC, partition }));
const keyOf = (tp: TopicPartition) => partitionKey(tp.topic, tp.partition);

/** One worker of `workers` with fake links and writer that record what they were told. */
function workerUnder(worker: number, placement: Placement) {
  const events: string[] = [];
  const settled: Array<() => void> = [];
  const highwater = new OriginHighwater();
  const throughs = new Map<string, number>();
  for (const tp of ALL)
    if (heldBy(worker, placement, tp.topic, tp.partition)) {
      highwater.advance(tp.topic, tp.partition, 'a', 100 + tp.partition);
      throughs.set(keyOf(tp), 50);
    }
  const link = {
    dropPartitions: (tps: readonly TopicPartition[]) =>
      events.push(`drop ${tps.map((t) => t.partition).join(',')}`),
    takePartitions: (tps: readonly TopicPartition[]) =>
      events.push(`take ${tps.map((t) => t.partition).join(',')}`),
    coverageView: () => ({
      subscribed: [TOPIC],
      reading: {
        isJoined: true,
        assigned: new Map([[TOPIC, new Set(ALL.map((t) => t.partition))]]),
        paused: new Map(),
      },
      heldBack: [],
    }),
  };
  const writer = {
    settled: (tps: readonly TopicPartition[]) => {
      events.push(`settle ${tps.map((t) => t.partition).join(',')}`);
      return new Promise<void>((resolve) => settled.push(resolve));
    },
  };
  const moves = new PlacementMoves({
    worker,
    placement,
    links: [link],
    writer,
    highwater,
    throughs,
    logger: silentLogger(),
  });
  return { moves, events, settled, highwater, throughs, placement };
}

describe('PlacementMoves (a worker side of a move between workers)', () => {
  it('release: stops reading and settles what leaves, holds nothing new, forgets marks only once settled', async () => {
    const w = workerUnder(0, { active: 1, moving: null });
    const leaving = ALL.filter((tp) => workerOf(TOPIC, tp.partition, 2) !== 0).map((tp) => tp.partition);
    const done = w.moves.release(2, ALL);
    assert.deepEqual(w.placement, { active: 1, moving: 2 });
    assert.deepEqual(w.events, [`drop ${leaving.join(',')}`, `settle ${leaving.join(',')}`]);
    // The writes are not settled yet: their marks are still there.
    assert.equal(w.highwater.get(TOPIC, leaving[0]!, 'a'), 100 + leaving[0]!);
    w.settled[0]!();
    await done;
    for (const p of leaving) {
      assert.equal(w.highwater.get(TOPIC, p, 'a'), -1, `partition ${p}'s marks forgotten`);
      assert.ok(!w.throughs.has(partitionKey(TOPIC, p)));
    }
    for (const tp of ALL.filter((t) => !leaving.includes(t.partition)))
      assert.equal(
        w.highwater.get(TOPIC, tp.partition, 'a'),
        100 + tp.partition,
        'what stays keeps its marks',
      );
  });

  it('acquire: takes only what the move brings, from the marks sent, and stops moving', () => {
    const w = workerUnder(1, { active: 1, moving: 2 });
    const coming = ALL.filter((tp) => workerOf(TOPIC, tp.partition, 2) === 1);
    const taken = w.moves.acquire({
      active: 2,
      tps: ALL,
      marks: ALL.map((tp) => ({
        topic: TOPIC,
        partition: tp.partition,
        origin: 'a',
        offset: 900 + tp.partition,
      })),
      throughs: ALL.map((tp) => [TOPIC, tp.partition, 700] as const),
    });
    assert.deepEqual(w.placement, { active: 2, moving: null });
    assert.deepEqual(
      taken.map((t) => t.partition),
      coming.map((t) => t.partition),
    );
    assert.deepEqual(w.events, [`take ${coming.map((t) => t.partition).join(',')}`]);
    for (const tp of coming) {
      assert.equal(w.highwater.get(TOPIC, tp.partition, 'a'), 900 + tp.partition);
      assert.equal(w.throughs.get(keyOf(tp)), 700);
    }
    for (const tp of ALL.filter((t) => !coming.includes(t)))
      assert.equal(
        w.highwater.get(TOPIC, tp.partition, 'a'),
        -1,
        'marks of partitions not taken are not set',
      );
  });

  it('property: after release and acquire on every worker, each partition is held by exactly one worker, and during the move by at most one', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        async (workers, a, b) => {
          const from = Math.min(a, workers);
          const to = Math.min(b, workers);
          const nodes = Array.from({ length: workers }, (_, i) =>
            workerUnder(i, { active: from, moving: null }),
          );
          const holders = () =>
            ALL.map((tp) => nodes.filter((n, i) => heldBy(i, n.placement, tp.topic, tp.partition)).length);
          const releases = nodes.map((n) => n.moves.release(to, ALL));
          for (const n of nodes) for (const s of n.settled) s();
          await Promise.all(releases);
          assert.ok(
            holders().every((h) => h <= 1),
            'during the move no partition has two holders',
          );
          const taken = nodes.flatMap((n) =>
            n.moves.acquire({ active: to, tps: ALL, marks: [], throughs: [] }).map((tp) => tp.partition),
          );
          assert.ok(
            holders().every((h) => h === 1),
            'after the move each partition has one holder',
          );
          // What was taken is exactly what changed worker.
          const changed = ALL.filter(
            (tp) => workerOf(TOPIC, tp.partition, from) !== workerOf(TOPIC, tp.partition, to),
          );
          assert.deepEqual(
            [...taken].sort((x, y) => x - y),
            changed.map((tp) => tp.partition),
          );
        },
      ),
    );
  });
});
