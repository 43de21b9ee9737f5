/**
 * The replication gap of a failover's answer (sums, unknown counts, the report's words) and
 * `--wait-for-replication` over a scripted node and a fake clock: it commits only once the gap is 0, fails
 * over at once when the source does not answer, and commits nothing when the bound passes or the gap cannot
 * be counted.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  describeGap,
  describeSummary,
  gapLines,
  gapOfResponse,
  parseDuration,
  runFailoverAfterReplication,
  summarizeFailover,
  type FailoverCalls,
} from '../../../../node/failover/index.ts';
import type { FailoverRequest, FailoverResponse } from '../../../../node/rpc/index.ts';

type Counts = { region: string; records: number }[] | null;

/** An answer for group `g` with one partition per entry of `gaps` (null: not counted). */
function answer(
  gaps: Counts[],
  options: { source?: 'live' | 'checkpoint'; dryRun?: boolean; members?: number } = {},
) {
  const response: FailoverResponse = {
    groups: [
      {
        group: 'g',
        outcome: options.dryRun ? 'dry-run' : 'committed',
        reason: '',
        translation: {
          group: 'g',
          fromRegion: 'east',
          toRegion: 'west',
          source: options.source ?? 'live',
          frontierTimeMs: 0,
          partitions: gaps.map((gap, i) => ({
            topic: 'orders',
            partition: i,
            sourceOffset: 0,
            targetOffset: 0,
            frontier: [],
            alreadySeen: 0,
            targetLogEnd: 0,
            notReplicated: gap ?? [],
            notReplicatedCounted: gap !== null,
          })),
          ...(options.members !== undefined && { sourceActiveMembers: options.members }),
        },
      },
    ],
    regionState: null,
    regionStateError: '',
  };
  return response;
}

describe('replication gap of an answer', () => {
  it('sums per origin over partitions; an uncounted partition makes it unknown, not 0', () => {
    const r = answer([
      [{ region: 'east', records: 3 }],
      [
        { region: 'east', records: 2 },
        { region: 'north', records: 1 },
      ],
      [],
    ]);
    assert.deepEqual(gapOfResponse(r), { records: 6, byOrigin: { east: 5, north: 1 }, uncounted: 0 });
    assert.equal(describeGap(gapOfResponse(r)), '6 (east 5, north 1)');
    assert.deepEqual(gapLines(r, 1), [
      '  g orders/0: east 3',
      '  … and 1 more partitions (--json lists every one)',
    ]);
    const summary = summarizeFailover(r, 1200);
    assert.equal(summary.notReplicated, 6);
    assert.deepEqual(summary.notReplicatedByOrigin, { east: 5, north: 1 });
    assert.match(describeSummary(summary), /6 \(east 5, north 1\) not replicated yet; 1\.2 s$/);
    assert.equal(summary.notReplicatedIsLowerBound, false);
    // From checkpoints the count is as of each checkpoint: said to be a lower bound.
    const fromCheckpoints = summarizeFailover(
      answer([[{ region: 'east', records: 3 }]], { source: 'checkpoint' }),
      900,
    );
    assert.equal(fromCheckpoints.notReplicatedIsLowerBound, true);
    assert.match(
      describeSummary(fromCheckpoints),
      /3 \(east 3\) not replicated as of the checkpoints \(at least: what the source wrote after its last checkpoint is not counted\); 0\.9 s$/,
    );
    assert.equal(describeGap(gapOfResponse(answer([[], null]))), 'unknown');
    assert.equal(
      describeGap(gapOfResponse(answer([[{ region: 'east', records: 2 }], null]))),
      '≥ 2 (some unknown)',
    );
    assert.equal(describeGap(gapOfResponse(answer([[]]))), '0');
  });

  it('parseDuration: a number with its unit; anything else names the flag and the form', () => {
    assert.equal(parseDuration('500ms', '--w'), 500);
    assert.equal(parseDuration('30s', '--w'), 30_000);
    assert.equal(parseDuration('1.5m', '--w'), 90_000);
    assert.equal(parseDuration('2h', '--w'), 7_200_000);
    for (const bad of ['30', '', 's', '-5s', '5 minutes'])
      assert.throws(
        () => parseDuration(bad, '--wait-for-replication'),
        /--wait-for-replication .*e\.g\. 500ms, 30s/,
      );
  });
});

describe('--wait-for-replication', () => {
  const request: FailoverRequest = {
    fromRegion: 'east',
    toRegion: 'west',
    groups: [],
    dryRun: false,
    failback: '',
  };

  /** A node answering dry runs from `looks` in turn (the last repeats), and the real call with `final`. */
  function scripted(looks: FailoverResponse[], final = answer([[]])) {
    const requests: FailoverRequest[] = [];
    const calls: FailoverCalls = {
      failover: (r) => {
        requests.push(r);
        if (!r.dryRun) return Promise.resolve(final);
        return Promise.resolve(looks[Math.min(requests.length - 1, looks.length - 1)]!);
      },
      links: () => Promise.resolve([]),
      progress: () => Promise.reject(new Error('not followed')),
    };
    let now = 0;
    const clock = { now: () => now, sleep: (ms: number) => ((now += ms), Promise.resolve()), pollMs: 1_000 };
    const lines: string[] = [];
    return { calls, clock, lines, say: (l: string) => lines.push(l), requests, elapsed: () => now };
  }

  it('waits while the gap closes, then commits', async () => {
    const s = scripted([
      answer([[{ region: 'east', records: 9 }]], { dryRun: true }),
      answer([[{ region: 'east', records: 2 }]], { dryRun: true }),
      answer([[]], { dryRun: true }),
    ]);
    const run = await runFailoverAfterReplication(s.calls, request, 10_000, s.clock, s.say);
    assert.equal(run.exit, 'ok');
    assert.deepEqual(
      s.requests.map((r) => r.dryRun),
      [true, true, true, false],
      'three looks (dry runs), then the failover',
    );
    assert.equal(s.elapsed(), 2_000);
    assert.deepEqual(s.lines, [
      'waiting for replication: 9 (east 9) records of east not in west yet; 10 s left',
      'waiting for replication: 2 (east 2) records of east not in west yet; 9 s left',
      "replicated: west holds every record of east after the groups' frontiers",
    ]);
  });

  it('the bound passes: nothing committed, exit notReplicated with the last look', async () => {
    const look = answer([[{ region: 'east', records: 4 }]], { dryRun: true });
    const s = scripted([look]);
    const run = await runFailoverAfterReplication(s.calls, request, 2_500, s.clock, s.say);
    assert.equal(run.exit, 'notReplicated');
    assert.equal(run.response, look);
    assert.match(
      run.error!,
      /after 2500 ms, 4 \(east 4\) records of east .* still not in west: nothing committed/,
    );
    assert.ok(
      s.requests.every((r) => r.dryRun),
      'no call commits',
    );
    assert.equal(s.elapsed(), 2_500);
  });

  it('the source does not answer: fails over at once, saying so', async () => {
    const s = scripted([answer([[{ region: 'east', records: 4 }]], { source: 'checkpoint', dryRun: true })]);
    const run = await runFailoverAfterReplication(s.calls, request, 60_000, s.clock, s.say);
    assert.equal(run.exit, 'ok');
    assert.equal(s.elapsed(), 0);
    assert.match(
      s.lines[0]!,
      /^east does not answer .*4 \(east 4\) records of east not in west as of its checkpoints$/,
    );
  });

  it('a gap that cannot be counted: nothing committed, exit failure with the fix', async () => {
    const s = scripted([answer([null], { dryRun: true })]);
    const run = await runFailoverAfterReplication(s.calls, request, 60_000, s.clock, s.say);
    assert.equal(run.exit, 'failure');
    assert.match(
      run.error!,
      /not counted .* nothing committed: upgrade it, or fail over without --wait-for-replication/,
    );
    assert.equal(s.requests.length, 1);
  });
  it('planned: waits for the consumers in the source to stop, then for the gap, then commits', async () => {
    const s = scripted([
      answer([[]], { dryRun: true, members: 2 }),
      answer([[{ region: 'east', records: 4 }]], { dryRun: true, members: 0 }),
      answer([[]], { dryRun: true, members: 0 }),
    ]);
    const run = await runFailoverAfterReplication(s.calls, request, 10_000, s.clock, s.say, undefined, true);
    assert.equal(run.exit, 'ok');
    assert.deepEqual(
      s.requests.map((r) => r.dryRun),
      [true, true, true, false],
    );
    assert.deepEqual(s.lines, [
      'waiting for the consumers in east to stop: 1 group: g (2 members); 10 s left',
      'waiting for replication: 4 (east 4) records of east not in west yet; 9 s left',
      "replicated: west holds every record of east after the groups' frontiers",
    ]);
  });

  it('planned: consumers still running when the bound passes: refused, nothing committed', async () => {
    const s = scripted([answer([[]], { dryRun: true, members: 1 })]);
    const run = await runFailoverAfterReplication(s.calls, request, 2_000, s.clock, s.say, undefined, true);
    assert.equal(run.exit, 'refused');
    assert.match(
      run.error ?? '',
      /after 2000 ms, 1 group: g \(1 member\) still has consumers running in east: nothing committed/,
    );
    assert.ok(s.requests.every((r) => r.dryRun));
  });

  it('planned: a source that does not answer, or cannot say its members, fails at once with nothing committed', async () => {
    for (const [look, message] of [
      [
        answer([[]], { dryRun: true, source: 'checkpoint' }),
        /needs east to answer, and 1 groups translate from its checkpoints/,
      ],
      [answer([[]], { dryRun: true }), /east's node does not say \(a geomesh older than the count\)/],
    ] as const) {
      const s = scripted([look]);
      const run = await runFailoverAfterReplication(
        s.calls,
        request,
        60_000,
        s.clock,
        s.say,
        undefined,
        true,
      );
      assert.equal(run.exit, 'failure');
      assert.match(run.error ?? '', message);
      assert.equal(s.requests.length, 1);
    }
  });
});
