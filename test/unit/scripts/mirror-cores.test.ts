/**
 * `npm run bench:mirrormaker` reports, beside each copy's rate, where the machine's cores went: the
 * contender's, the brokers', and how busy the machine was in all (from /proc/stat).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { busyShare, machineTicks } from '../../../scripts/bench/process-tree.ts';
import { renderMarkdown, summarise, type CopyFigures } from '../../../scripts/bench/mirror-report.ts';

describe('busyShare', () => {
  it('is the busy ticks over all ticks between two readings', () => {
    assert.equal(busyShare({ busy: 100, total: 400 }, { busy: 250, total: 600 }), 0.75);
    assert.equal(busyShare({ busy: 100, total: 400 }, { busy: 100, total: 400 }), 0);
  });

  it("reads this machine's /proc/stat: busy within total, both growing", async () => {
    const before = machineTicks();
    const spinUntil = Date.now() + 30;
    while (Date.now() < spinUntil); // keep a core busy for a few ticks
    await new Promise((resolve) => setTimeout(resolve, 30));
    const after = machineTicks();
    assert.ok(before.busy > 0 && before.busy <= before.total, JSON.stringify(before));
    assert.ok(after.total > before.total && after.busy > before.busy, JSON.stringify({ before, after }));
    const share = busyShare(before, after);
    assert.ok(share > 0 && share <= 1, `share ${share}`);
  });
});

describe('the cores table', () => {
  const copy = (contenderCores: number, brokerCores: number, machineBusy: number): CopyFigures => ({
    recordsPerSecond: 100_000,
    megabytesPerSecond: 10,
    cpuMicrosPerRecord: 6,
    peakRssMiB: 200,
    secondsToFirstRecord: 1,
    recordsInTarget: 1000,
    contenderCores,
    brokerCores,
    machineBusy,
  });

  it('takes the median of each figure over the runs and prints it per contender', () => {
    const runs = [0.97, 0.99, 0.9].map((busy, i) => ({
      run: i + 1,
      size: 100,
      records: 1000,
      contenders: { 'geomesh-2c': copy(1.1 + i / 10, 0.8 - i / 10, busy) },
    }));
    const summary = summarise(runs);
    const m = summary.medians[0]!.contenders['geomesh-2c']!;
    assert.ok(Math.abs(m.contenderCores - 1.2) < 1e-9, String(m.contenderCores));
    assert.ok(Math.abs(m.brokerCores - 0.7) < 1e-9, String(m.brokerCores));
    assert.equal(m.machineBusy, 0.97);
    const markdown = renderMarkdown({
      ...summary,
      environment: { kafkaVersion: '4.3.1', cores: 2, loadAverageAtStart: 0, loadAverageAtEnd: 0 },
      settings: { runs: 3, partitions: 6, heap: '512m' },
    });
    assert.match(markdown, /the machine has 2\)/);
    assert.match(markdown, /\| 100 B × 1,000 \| geomesh, 2 cores \| 1\.20 \| 0\.70 \| 97 % \|/);
  });

  it('is left out when the run made no copies (the latency part alone)', () => {
    const markdown = renderMarkdown({
      ...summarise([]),
      environment: { kafkaVersion: '4.3.1', cores: 2, loadAverageAtStart: 0, loadAverageAtEnd: 0 },
      settings: { runs: 0, partitions: 6, heap: '512m' },
    });
    assert.doesNotMatch(markdown, /Cores during each copy/);
  });
});
