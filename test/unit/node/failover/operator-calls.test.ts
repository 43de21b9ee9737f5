/**
 * The operator's side of failover and failback over a scripted node (no gRPC): the exits the CLI takes for
 * each answer and error, the report it prints, and the failback sequence (link check, failing-back record,
 * waiting within --wait-ms, the finish).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GeomeshError } from '../../../../base/index.ts';
import {
  callErrorExit,
  failoverExit,
  isCaughtUp,
  renderFailover,
  runFailback,
  runFailover,
  type FailoverCalls,
} from '../../../../node/failover/index.ts';
import type { FailoverRequest, FailoverResponse, GroupFailover } from '../../../../node/rpc/index.ts';
import { recordedState } from './fixtures.ts';

const group = (name: string, outcome: GroupFailover['outcome'], reason = ''): GroupFailover => ({
  group: name,
  outcome,
  reason,
  translation:
    outcome === 'refused'
      ? undefined
      : {
          group: name,
          fromRegion: 'east',
          toRegion: 'west',
          source: 'checkpoint',
          frontierTimeMs: 1_000,
          partitions: [
            {
              topic: 'orders',
              partition: 0,
              sourceOffset: 9,
              targetOffset: 7,
              frontier: [],
              alreadySeen: 2,
              targetLogEnd: 20,
              notReplicated: [{ region: 'east', records: 4 }],
              notReplicatedCounted: true,
            },
            {
              topic: 'orders',
              partition: 1,
              sourceOffset: 3,
              targetOffset: 3,
              frontier: [],
              alreadySeen: 1,
              targetLogEnd: 9,
              notReplicated: [],
              notReplicatedCounted: true,
            },
          ],
        },
});
const answer = (groups: GroupFailover[], over: Partial<FailoverResponse> = {}): FailoverResponse => ({
  groups,
  regionState: null,
  regionStateError: '',
  ...over,
});

describe('failover report and exits', () => {
  it('exit ok when every group moved (or was translated in a dry run); refused when any was refused', () => {
    assert.equal(failoverExit(answer([group('a', 'committed'), group('b', 'committed')])), 'ok');
    assert.equal(failoverExit(answer([group('a', 'dry-run')])), 'ok');
    assert.equal(failoverExit(answer([group('a', 'committed'), group('b', 'refused', 'busy')])), 'refused');
  });

  it('a failed call: its error code picks the exit', () => {
    const err = (code: ConstructorParameters<typeof GeomeshError>[0]) => new GeomeshError(code, 'x');
    assert.equal(callErrorExit(err('GEOMESH_RPC_UNAUTHENTICATED')), 'noPermission');
    assert.equal(callErrorExit(err('GEOMESH_RPC_PERMISSION_DENIED')), 'noPermission');
    assert.equal(callErrorExit(err('GEOMESH_RPC_NOT_FOUND')), 'notFound');
    assert.equal(callErrorExit(err('GEOMESH_RPC_INVALID_ARGUMENT')), 'usage');
    assert.equal(callErrorExit(err('GEOMESH_CONFIG_INVALID')), 'usage');
    assert.equal(callErrorExit(err('GEOMESH_RPC_UNAVAILABLE')), 'failure');
    assert.equal(callErrorExit(new Error('socket hang up')), 'failure');
  });

  it('the table: frontier source and age, partitions, records already seen; the region state line', () => {
    const text = renderFailover(
      answer([group('billing', 'committed'), group('audit', 'refused', 'active members in west')], {
        regionState: recordedState('failed-over', { toRegion: 'west', groups: ['billing'] }),
      }),
      3_500,
    );
    const lines = text.split('\n');
    assert.match(lines[0]!, /^GROUP +OUTCOME +FRONTIER +PARTITIONS +ALREADY SEEN +NOT REPLICATED +REASON$/);
    assert.match(lines[1]!, /^billing +committed +checkpoint 2\.5 s old +2 +3 +4 \(east 4\) *$/);
    assert.match(lines[2]!, /^audit +refused +- +- +- +- +active members in west$/);
    assert.ok(
      text.includes(
        "not replicated into west yet (records of east after each group's frontier, as of its checkpoint, at least), " +
          'per origin:\n  billing orders/0: east 4\n',
      ),
      text,
    );
    assert.ok(
      text.includes(
        'region state in etcd: east failed-over to west since 2026-01-01T00:00:00.000Z (groups billing)',
      ),
      text,
    );
    assert.ok(
      renderFailover(answer([], { regionStateError: 'etcd lost' }), 0).includes(
        'region state not recorded: etcd lost',
      ),
    );
  });

  it('runFailover: the answer and its exit, or the error and its exit', async () => {
    const request: FailoverRequest = {
      fromRegion: 'east',
      toRegion: 'west',
      groups: ['g'],
      dryRun: false,
      failback: '',
    };
    const calls = (failover: FailoverCalls['failover']): FailoverCalls => ({
      failover,
      links: () => Promise.resolve([]),
      progress: () => Promise.reject(new Error('not followed')),
    });
    const ok = await runFailover(
      calls(() => Promise.resolve(answer([group('g', 'committed')]))),
      request,
    );
    assert.equal(ok.exit, 'ok');
    assert.equal(ok.error, undefined);
    const denied = await runFailover(
      calls(() => Promise.reject(new GeomeshError('GEOMESH_RPC_PERMISSION_DENIED', 'not an operator'))),
      request,
    );
    assert.deepEqual(denied, { exit: 'noPermission', error: 'not an operator' });
  });
});

/** A node whose link from west reports the lags in `lags`, one per read (the last repeats). */
function returningNode(lags: (number | 'none')[], options: { failStart?: boolean } = {}) {
  const requests: FailoverRequest[] = [];
  let reads = 0;
  const calls: FailoverCalls = {
    progress: () => Promise.reject(new Error('not followed')),
    links: () => {
      const lag = lags[Math.min(reads++, lags.length - 1)]!;
      return Promise.resolve(
        lag === 'none' ? [] : [{ fromRegion: 'west', state: 'running', lagRecords: lag }],
      );
    },
    failover: (request) => {
      requests.push(request);
      if (options.failStart && request.failback === 'start')
        return Promise.reject(
          new GeomeshError('GEOMESH_COORD_UNAVAILABLE', 'cannot record east as failing back'),
        );
      return Promise.resolve(
        answer([group('billing', request.dryRun ? 'dry-run' : 'committed')], {
          regionState:
            request.failback === 'start'
              ? recordedState('failing-back', { toRegion: 'west', groups: ['billing'] })
              : recordedState('active'),
        }),
      );
    },
  };
  let nowMs = 0;
  const clock = { now: () => nowMs, sleep: (ms: number) => ((nowMs += ms), Promise.resolve()) };
  return { calls, clock, requests };
}

const failback = {
  region: 'east',
  from: 'west',
  groups: ['billing'],
  isDryRun: false,
  maxLag: 0,
  waitMs: 5_000,
};

describe('runFailback', () => {
  it('is caught up only when the link runs within the lag allowed', () => {
    assert.equal(isCaughtUp({ state: 'running', lagRecords: 3 }, 3), true);
    assert.equal(isCaughtUp({ state: 'running', lagRecords: 4 }, 3), false);
    assert.equal(isCaughtUp({ state: 'paused', lagRecords: 0 }, 0), false);
  });

  it('records failing back, waits until the link has caught up, then finishes', async () => {
    const { calls, clock, requests } = returningNode([120, 40, 0]);
    const said: string[] = [];
    const run = await runFailback(calls, failback, clock, (line) => said.push(line));
    assert.equal(run.exit, 'ok');
    assert.equal(run.response?.regionState?.state, 'active');
    assert.deepEqual(
      requests.map((r) => [r.failback, r.dryRun]),
      [
        ['start', true],
        ['finish', false],
      ],
    );
    assert.deepEqual(said, [
      'region state in etcd: east failing-back from west since 2026-01-01T00:00:00.000Z (groups billing)',
      'waiting: east is 120 records behind west',
      'waiting: east is 40 records behind west',
      'east has caught up with west (lag 0)',
    ]);
  });

  it('without groups: both steps ask for the recorded ones; the finish carries the progress id', async () => {
    const { calls, clock, requests } = returningNode([0]);
    const run = await runFailback(calls, { ...failback, groups: [], progressId: 'p-9' }, clock, () => {});
    assert.equal(run.exit, 'ok');
    assert.deepEqual(
      requests.map((r) => [r.failback, r.groups, r.progressId ?? '']),
      [
        ['start', [], ''],
        ['finish', [], 'p-9'],
      ],
    );
  });

  it('still behind after --wait-ms: exit failure naming the lag and both fixes; nothing finished', async () => {
    const { calls, clock, requests } = returningNode([500]);
    const run = await runFailback(calls, { ...failback, waitMs: 2_500 }, clock, () => {});
    assert.equal(run.exit, 'failure');
    assert.equal(
      run.error,
      'east is still 500 records behind west (link running) after 2500 ms: wait longer (--wait-ms) or accept a lag (--max-lag)',
    );
    assert.deepEqual(
      requests.map((r) => r.failback),
      ['start'],
    );
  });

  it('no link from the other region: exit notFound before anything is recorded', async () => {
    const { calls, clock, requests } = returningNode(['none']);
    const run = await runFailback(calls, failback, clock, () => {});
    assert.deepEqual(run, {
      exit: 'notFound',
      error: 'east has no link from west: nothing to catch up with',
    });
    assert.deepEqual(requests, []);
  });

  it('a dry run records nothing and finishes as a dry run', async () => {
    const { calls, clock, requests } = returningNode([0]);
    const run = await runFailback(calls, { ...failback, isDryRun: true }, clock, () => {});
    assert.equal(run.exit, 'ok');
    assert.deepEqual(
      requests.map((r) => [r.failback, r.dryRun]),
      [['finish', true]],
    );
  });

  it('the failing-back record refused: its error and exit, and no finish', async () => {
    const { calls, clock, requests } = returningNode([0], { failStart: true });
    const run = await runFailback(calls, failback, clock, () => {});
    assert.deepEqual(run, { exit: 'failure', error: 'cannot record east as failing back' });
    assert.deepEqual(
      requests.map((r) => r.failback),
      ['start'],
    );
  });
});
