/**
 * Failover at scale, with fakes: groups are translated and committed with at most `concurrency` in flight,
 * results keep the plan's order, progress counts reach the listener after each group, the node's board
 * answers for a followed call and forgets it, and the CLI's side prints each change while the call runs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GeomeshError } from '../../../../base/index.ts';
import { NODE_DEFAULTS } from '../../../../node/config/index.ts';
import {
  FailoverProgressBoard,
  PROGRESS_KEPT_MS,
  describeProgress,
  forEachBounded,
  moveGroups,
  planFailover,
  runFailover,
  type FailoverCalls,
  type FailoverProgressCounts,
} from '../../../../node/failover/index.ts';
import { silentLogger } from '../../../../node/log/index.ts';
import type { FailoverProgress, FailoverResponse } from '../../../../node/rpc/index.ts';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Ports whose calls wait a few ticks each (groups finish out of order) and count how many run at once. */
function slowPorts(concurrency?: number) {
  let inFlight = 0;
  let peak = 0;
  const progress: FailoverProgressCounts[] = [];
  const run = async <T>(ticks: number, value: T): Promise<T> => {
    peak = Math.max(peak, ++inFlight);
    for (let i = 0; i < ticks; i++) await tick();
    inFlight--;
    return value;
  };
  return {
    peak: () => peak,
    progress,
    ports: {
      translate: async (group: string, from: string, to: string) => {
        if (group.startsWith('ghost'))
          await run(1, null).then(() => {
            throw new GeomeshError('GEOMESH_RPC_NOT_FOUND', `no group ${group}`);
          });
        return run(group.length % 4, {
          group,
          fromRegion: from,
          toRegion: to,
          source: 'live' as const,
          frontierTimeMs: 0,
          partitions: [],
        });
      },
      commit: (group: string) => run(group.length % 3, undefined),
      logger: silentLogger(),
      onProgress: (p: Readonly<FailoverProgressCounts>) => progress.push({ ...p }),
      ...(concurrency === undefined ? {} : { concurrency }),
    },
  };
}

const plan = (groups: string[]) =>
  planFailover(
    { fromRegion: 'a', toRegion: 'b', groups, dryRun: false, failback: '' },
    { regions: ['a', 'b'], region: 'b' },
  );

describe('moveGroups at scale', () => {
  it('at most `concurrency` groups at once; every group moved; results in the plan order', async () => {
    const groups = Array.from({ length: 40 }, (_, i) => `group-${'x'.repeat(i % 7)}${i}`);
    const fake = slowPorts(5);
    const results = await moveGroups(plan(groups), fake.ports);
    assert.equal(fake.peak(), 5);
    assert.deepEqual(
      results.map((r) => r.group),
      groups,
    );
    assert.ok(results.every((r) => r.outcome === 'committed'));
  });

  it('the default bound is NODE_DEFAULTS.failoverConcurrency; one at a time with 1', async () => {
    const groups = Array.from({ length: 60 }, (_, i) => `g${i}`);
    const byDefault = slowPorts();
    await moveGroups(plan(groups), byDefault.ports);
    assert.equal(byDefault.peak(), NODE_DEFAULTS.failoverConcurrency);
    const serial = slowPorts(1);
    await moveGroups(plan(groups), serial.ports);
    assert.equal(serial.peak(), 1);
  });

  it('progress: translating counts up to the total, then committing, then done; refusals counted', async () => {
    const fake = slowPorts(3);
    await moveGroups(plan(['a1', 'ghost-1', 'b22', 'c333']), fake.ports);
    const phases = fake.progress.map((p) => p.phase);
    assert.deepEqual([...new Set(phases)], ['translating', 'committing', 'done']);
    const translating = fake.progress.filter((p) => p.phase === 'translating');
    assert.deepEqual(
      translating.map((p) => p.translated),
      [0, 1, 2, 3, 4],
    );
    assert.deepEqual(fake.progress.at(-1), {
      phase: 'done',
      total: 4,
      translated: 4,
      committed: 3,
      refused: 1,
    });
  });

  it('forEachBounded: a throw stops the workers taking more and rejects', async () => {
    const seen: number[] = [];
    await assert.rejects(
      forEachBounded([1, 2, 3, 4, 5, 6], 2, async (n) => {
        seen.push(n);
        await tick();
        if (n === 2) throw new Error('bug');
      }),
      /bug/,
    );
    assert.ok(seen.length < 6, `took ${seen.join(',')}`);
  });
});

describe('FailoverProgressBoard', () => {
  it('answers for a followed call, marks it done when it ends, forgets it a minute later', () => {
    let now = 1_000;
    const board = new FailoverProgressBoard(() => now);
    assert.equal(board.follow(''), undefined, 'no id: nothing followed');
    const tell = board.follow('op-1')!;
    assert.equal(board.get('op-1').phase, 'selecting');
    tell({ phase: 'translating', total: 10, translated: 4, committed: 0, refused: 1 });
    assert.deepEqual(board.get('op-1'), {
      phase: 'translating',
      total: 10,
      translated: 4,
      committed: 0,
      refused: 1,
    });
    board.end('op-1');
    assert.equal(board.get('op-1').phase, 'done');
    now += PROGRESS_KEPT_MS + 1;
    assert.throws(() => board.get('op-1'), { code: 'GEOMESH_RPC_NOT_FOUND', message: /op-1/ });
    assert.throws(() => board.follow('x'.repeat(65)), { code: 'GEOMESH_RPC_INVALID_ARGUMENT' });
  });
});

describe('runFailover following progress', () => {
  const answer: FailoverResponse = { groups: [], regionState: null, regionStateError: '' };
  const progressOf = (p: Partial<FailoverProgress>): FailoverProgress => ({
    progressId: 'p',
    phase: 'translating',
    total: 3,
    translated: 0,
    committed: 0,
    refused: 0,
    ...p,
  });

  it('prints each change while the call runs (not the repeats), none after it ends', async () => {
    const reads = [
      new GeomeshError('GEOMESH_RPC_NOT_FOUND', 'not yet'),
      progressOf({ translated: 1 }),
      progressOf({ translated: 1 }),
      progressOf({ translated: 3 }),
      progressOf({ phase: 'committing', committed: 2, refused: 1 }),
    ];
    let finish!: (r: FailoverResponse) => void;
    let reading = 0;
    const calls: FailoverCalls = {
      failover: () => new Promise((resolve) => (finish = resolve)),
      links: () => Promise.resolve([]),
      progress: () => {
        const next = reads[reading++];
        if (reading === reads.length) setImmediate(() => finish(answer));
        return next instanceof Error ? Promise.reject(next) : Promise.resolve(next!);
      },
    };
    const said: string[] = [];
    const run = await runFailover(
      calls,
      { fromRegion: 'a', toRegion: 'b', groups: [], dryRun: false, failback: '', progressId: 'p' },
      { say: (p) => said.push(describeProgress(p)), sleep: () => tick(), pollMs: 1 },
    );
    assert.equal(run.exit, 'ok');
    assert.deepEqual(said, [
      'progress: translating 1/3 groups done (0 refused)',
      'progress: translating 3/3 groups done (0 refused)',
      'progress: committing 3/3 groups done (2 committed, 1 refused)',
    ]);
    const readsAtEnd = reading;
    await tick();
    assert.equal(reading, readsAtEnd, 'no read after the call ended');
  });

  it('a node that cannot tell progress (older: UNIMPLEMENTED) is not asked again; the call goes on', async () => {
    let reads = 0;
    let finish!: (r: FailoverResponse) => void;
    const calls: FailoverCalls = {
      failover: () => new Promise((resolve) => (finish = resolve)),
      links: () => Promise.resolve([]),
      progress: () => {
        reads++;
        setTimeout(() => finish(answer), 5);
        return Promise.reject(new GeomeshError('GEOMESH_RPC_UNIMPLEMENTED', 'unknown method'));
      },
    };
    const run = await runFailover(
      calls,
      { fromRegion: 'a', toRegion: 'b', groups: [], dryRun: false, failback: '', progressId: 'p' },
      { say: () => assert.fail('nothing to say'), sleep: () => tick(), pollMs: 1 },
    );
    assert.equal(run.exit, 'ok');
    assert.equal(reads, 1);
  });
});
