/** bench:wan's pure parts: its flags, the medians and ratios of the backlog copies, the one-way topologies. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseWanOptions, WanUsageError } from '../../../scripts/bench/wan-options.ts';
import {
  renderBacklog,
  renderLatency,
  summariseBacklog,
  type BacklogFigures,
} from '../../../scripts/bench/wan-report.ts';
import { oneWayTopology } from '../../../scripts/bench/wan-versions.ts';
import type { WanContender } from '../../../scripts/bench/wan-options.ts';

const figures = (contender: WanContender, delayMs: number, run: number, rate: number): BacklogFigures => ({
  contender,
  run,
  delayMs,
  records: 1000,
  recordsPerSecond: rate,
  secondsToFirstRecord: 1,
  wanBytes: 2000,
  wanBytesPerRecordByte: 1,
  recordsInTarget: 1000,
  switches: 0,
  loadAverage: 1,
});

describe('bench:wan flags', () => {
  it('defaults: backlog of 100,000 records, 0 and 40 ms, three runs, every contender, 20 s of latency', () => {
    const c = parseWanOptions([]);
    assert.equal(c.mode, 'backlog');
    assert.equal(c.records, 100_000);
    assert.deepEqual(c.delaysMs, [0, 40]);
    assert.equal(c.runs, 3);
    assert.deepEqual(c.contenders, ['pull', 'stream', 'mirrormaker']);
    assert.equal(c.latencySeconds, 20);
    assert.equal(c.latencyRate, 1000);
    assert.equal(c.partitions, 6);
    assert.equal(c.workers, 1);
    assert.equal(parseWanOptions(['--mode', 'live']).records, 50_000);
  });

  it('takes every flag', () => {
    const c = parseWanOptions(
      ['--mode', 'live', '--records', '1_000', '--delays', '0, 80', '--runs', '1', '--contenders'].concat([
        'mirrormaker,stream',
        '--latency-seconds',
        '0',
        '--workers',
        '2',
        '--json',
      ]),
    );
    assert.equal(c.workers, 2);
    assert.equal(c.records, 1000);
    assert.deepEqual(c.delaysMs, [0, 80]);
    assert.deepEqual(c.contenders, ['stream', 'mirrormaker']);
    assert.equal(c.latencySeconds, 0);
    assert.equal(c.isJson, true);
  });

  it('a bad value is one line naming the flag and the value', () => {
    const cases: [string[], RegExp][] = [
      [['--records', '0'], /--records "0": give a whole number of 1 or more/],
      [['--records', '1.5'], /--records "1.5"/],
      [['--delays', '0,x'], /--delays "x"/],
      [['--delays', '40,40'], /each delay once/],
      [['--runs', ''], /--runs ""/],
      [['--mode', 'fast'], /--mode "fast": give backlog or live/],
      [['--contenders', 'pull,mm2'], /unknown contender "mm2"/],
      [['--latency-rate=-1'], /--latency-rate "-1"/],
      [['--latency-rate', '0'], /--latency-rate "0"/],
      [['--heap', ' '], /--heap/],
      [['--workers', '0'], /--workers "0": give a whole number of 1 or more/],
      [['--bogus'], /Unknown option '--bogus'/],
      [['extra'], /Unexpected argument 'extra'/],
    ];
    for (const [argv, message] of cases)
      assert.throws(
        () => parseWanOptions(argv),
        (err: Error) => err instanceof WanUsageError && message.test(err.message),
        argv.join(' '),
      );
  });
});

describe('bench:wan backlog figures', () => {
  const runs = [
    ...[1, 2, 3].flatMap((run) => [
      figures('stream', 0, run, [10_000, 12_000, 11_000][run - 1]!),
      figures('mirrormaker', 0, run, [5_000, 4_000, 6_000][run - 1]!),
      figures('stream', 40, run, [9_000, 8_000, 7_000][run - 1]!),
      figures('mirrormaker', 40, run, [2_000, 3_000, 2_500][run - 1]!),
    ]),
  ];

  it('medians of the runs; each contender against itself at 0 ms and against MirrorMaker 2 at its delay', () => {
    const m = summariseBacklog(runs);
    const of = (c: WanContender, d: number) => m.find((x) => x.contender === c && x.delayMs === d)!;
    assert.equal(of('stream', 0).recordsPerSecond, 11_000);
    assert.equal(of('stream', 40).recordsPerSecond, 8_000);
    assert.equal(of('mirrormaker', 40).recordsPerSecond, 2_500);
    assert.equal(of('stream', 0).toItselfAtZero, undefined);
    assert.equal(of('stream', 40).toItselfAtZero, 8_000 / 11_000);
    assert.equal(of('mirrormaker', 40).toItselfAtZero, 2_500 / 5_000);
    assert.equal(of('stream', 0).toMirrorMaker, 11_000 / 5_000);
    assert.equal(of('stream', 40).toMirrorMaker, 8_000 / 2_500);
    assert.equal(of('mirrormaker', 40).toMirrorMaker, undefined);
    assert.equal(of('stream', 40).runs, 3);
  });

  it('no ratio without the figure it divides by; a wrong count and path switches are flagged', () => {
    const m = summariseBacklog([{ ...figures('pull', 40, 1, 3_000), recordsInTarget: 999, switches: 2 }]);
    assert.equal(m[0]!.toItselfAtZero, undefined);
    assert.equal(m[0]!.toMirrorMaker, undefined);
    assert.equal(m[0]!.wrongCounts, 1);
    const table = renderBacklog(m);
    assert.match(
      table,
      /\| geomesh pull \(b held a wrong count in 1 run\(s\); 2 path switch\(es\)\) \| 40 ms \| 3,000 \|/,
    );
  });

  it('renders one row per contender and delay with its ratios', () => {
    const table = renderBacklog(summariseBacklog(runs)).split('\n');
    assert.equal(table.filter((l) => l.startsWith('| geomesh stream')).length, 2);
    assert.ok(
      table.includes('| geomesh stream | 40 ms | 8,000 | ×0.73 | ×3.20 | 1.000 | 3 |'),
      table.join('\n'),
    );
    assert.ok(table.includes('| MirrorMaker 2 | 0 ms | 5,000 |  |  | 1.000 | 3 |'), table.join('\n'));
    const latency = renderLatency([
      {
        contender: 'mirrormaker',
        delayMs: 40,
        produced: 20_000,
        received: 20_000,
        p50Ms: 95,
        p99Ms: 210,
        maxMs: 400,
      },
    ]);
    assert.match(latency, /\| MirrorMaker 2 \| 40 ms \| 20,000 of 20,000 \| 95 \| 210 \| 400 \|/);
  });
});

describe('bench:wan one-way topology', () => {
  const base = [
    'mesh: benchwan',
    "etcd: { endpoints: ['http://127.0.0.1:2379'] }",
    'regions:',
    '  a:',
    "    kafka: { brokers: ['127.0.0.1:9092'] }",
    'links:',
    '  - between: [a, b]',
    "    topics: { include: ['wan-.*'] }",
    'defaults:',
    '  options: { transport: stream }',
    '',
  ].join('\n');

  it('keeps everything before the links and puts one link a → b on the path asked for', () => {
    const text = oneWayTopology(base, ['wan-idle', 'wan-pull-r1-d0'], 'pull');
    assert.ok(text.startsWith(base.slice(0, base.indexOf('\nlinks:'))));
    assert.ok(!text.includes('between'));
    assert.match(
      text,
      /links:\n {2}- from: a\n {4}to: b\n {4}topics: \{ include: \['wan-idle', 'wan-pull-r1-d0'\] \}\n/,
    );
    assert.match(text, /defaults:\n {2}options: \{ transport: pull \}\n$/);
    assert.throws(() => oneWayTopology('mesh: x\n', ['t'], 'stream'), /no links section/);
  });
});
