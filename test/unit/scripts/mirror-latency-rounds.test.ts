/**
 * `npm run bench:mirrormaker -- --latency-rounds N`: the latency part N times, the order rotating from round
 * to round; each contender's median round by p99 is reported, and every round.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  overRounds,
  renderMarkdown,
  roundOrder,
  summarise,
  type LatencyRound,
} from '../../../scripts/bench/mirror-report.ts';
import type { LatencyFigures } from '../../../scripts/bench/latency.ts';

const figures = (p50Ms: number, p99Ms: number, maxMs: number): LatencyFigures => ({
  produced: 1000,
  received: 1000,
  p50Ms,
  p99Ms,
  maxMs,
});

describe('roundOrder', () => {
  it('rotates the contenders so that each goes first in turn', () => {
    const names = ['mirrormaker', 'geomesh'];
    assert.deepEqual(
      [0, 1, 2, 3].map((r) => roundOrder(names, r)),
      [
        ['mirrormaker', 'geomesh'],
        ['geomesh', 'mirrormaker'],
        ['mirrormaker', 'geomesh'],
        ['geomesh', 'mirrormaker'],
      ],
    );
    assert.deepEqual(roundOrder(['a', 'b', 'c'], 1), ['b', 'c', 'a']);
  });
});

describe('overRounds', () => {
  const rounds: LatencyRound[] = [
    {
      order: ['mirrormaker', 'geomesh'],
      figures: { mirrormaker: figures(20, 96, 366), geomesh: figures(5, 30, 64) },
    },
    {
      order: ['geomesh', 'mirrormaker'],
      figures: { mirrormaker: figures(16, 74, 167), geomesh: figures(6, 37, 68) },
    },
    {
      order: ['mirrormaker', 'geomesh'],
      figures: { mirrormaker: figures(28, 198, 447), geomesh: figures(15, 70, 117) },
    },
    {
      order: ['geomesh', 'mirrormaker'],
      figures: { mirrormaker: figures(9, 40, 90), geomesh: figures(4, 20, 50) },
    },
  ];

  it("takes each contender's median round by p99, the higher of the middle two for an even count", () => {
    const out = overRounds(rounds);
    assert.deepEqual(out.geomesh, rounds[1]!.figures.geomesh); // p99s 20, 30, 37, 70: the third
    assert.deepEqual(out.mirrormaker, rounds[0]!.figures.mirrormaker); // 40, 74, 96, 198
    assert.equal(out.baseline, undefined);
    assert.equal(overRounds(rounds.slice(0, 3)).geomesh?.p99Ms, 37); // odd: the middle one
  });

  it('keeps every round when there are several, none when there is one', () => {
    const out = overRounds(rounds);
    assert.equal(out.rounds?.length, 4);
    assert.deepEqual(out.rounds?.[2], {
      order: ['mirrormaker', 'geomesh'],
      figures: {
        mirrormaker: { p50Ms: 28, p99Ms: 198, maxMs: 447 },
        geomesh: { p50Ms: 15, p99Ms: 70, maxMs: 117 },
      },
    });
    const one = overRounds(rounds.slice(0, 1));
    assert.equal(one.rounds, undefined);
    assert.deepEqual(one.geomesh, rounds[0]!.figures.geomesh);
  });

  it('prints every round with its order under the latency table', () => {
    const latency = { rate: 1000, seconds: 30, size: 1024, together: false, ...overRounds(rounds) };
    const markdown = renderMarkdown({
      ...summarise([], latency),
      environment: { kafkaVersion: '4.3.1', cores: 2, loadAverageAtStart: 0, loadAverageAtEnd: 0 },
      settings: { runs: 0, partitions: 6, heap: '512m' },
    });
    assert.match(markdown, /\| MirrorMaker 2 \| 1,000 of 1,000 \| {2}\| 20 \| 96 \| 366 \|/);
    assert.match(markdown, /\| geomesh \| 1,000 of 1,000 \| {2}\| 6 \| 37 \| 68 \|/);
    assert.match(markdown, /median round of 4 by p99/);
    assert.match(markdown, /\| 2 \| geomesh → MirrorMaker 2 \| 16 \/ 74 \/ 167 \| 6 \/ 37 \/ 68 \|/);
  });

  it('reports the floor (no replicator) beside the replicators, under a label that says what it is', () => {
    const withFloor: LatencyRound[] = rounds.map((r, i) => ({
      order: [...r.order, 'floor'],
      figures: { ...r.figures, floor: figures(2, 5 + i, 15) },
    }));
    const out = overRounds(withFloor);
    assert.equal(out.floor?.p99Ms, 7); // p99s 5, 6, 7, 8: the third
    const markdown = renderMarkdown({
      ...summarise([], { rate: 1000, seconds: 30, size: 1024, together: true, ...out }),
      environment: { kafkaVersion: '4.3.1', cores: 2, loadAverageAtStart: 0, loadAverageAtEnd: 0 },
      settings: { runs: 0, partitions: 6, heap: '512m' },
    });
    assert.match(markdown, /\| floor \(no replicator\) \| 1,000 of 1,000 \| {2}\| 2 \| 7 \| 15 \|/);
    assert.match(
      markdown,
      /\| 1 \| MirrorMaker 2, geomesh, floor \(no replicator\) \| 20 \/ 96 \/ 366 \| 5 \/ 30 \/ 64 \| 2 \/ 5 \/ 15 \|/,
    );
  });
});
