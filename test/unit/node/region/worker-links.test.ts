import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GeomeshError } from '../../../../base/index.ts';
import { NODE_DEFAULTS, type InboundLinkConfig } from '../../../../node/config/index.ts';
import { emptyLinkStats } from '../../../../node/replication/index.ts';
import { WorkerLink, chooseWorkers, sourceClusterBytes } from '../../../../node/region/worker-links.ts';
import { snapshotLinkStats, type WorkerPool } from '../../../../node/workers/index.ts';

const isConfigError = (err: unknown) => err instanceof GeomeshError && err.code === 'GEOMESH_CONFIG_INVALID';

/** A worker's part of a link that reads nothing (its coverage view). */
const IDLE_VIEW = {
  subscribed: [],
  reading: { isJoined: false, assigned: new Map(), paused: new Map() },
  heldBack: [],
};

describe('chooseWorkers', () => {
  const link = (transport: 'pull' | 'stream') => ({ transport }) as unknown as InboundLinkConfig;

  it('auto (the default): as many as the cores available', () => {
    assert.equal(NODE_DEFAULTS.workers, 'auto');
    assert.deepEqual(chooseWorkers({}, 2), { count: 2, reason: 'auto' });
    assert.deepEqual(chooseWorkers({ inbound: [link('pull'), link('pull')] } as object, 8), {
      count: 8,
      reason: 'auto',
    });
    assert.deepEqual(chooseWorkers({ workers: 'auto' }, 1), { count: 1, reason: 'auto' });
  });

  it('auto: as many as the cores while an inbound link streams too (streams run on worker threads)', () => {
    assert.deepEqual(chooseWorkers({ inbound: [link('pull'), link('stream')] } as object, 4), {
      count: 4,
      reason: 'auto',
    });
  });

  it('a number given is taken as it is, streams or not', () => {
    assert.deepEqual(chooseWorkers({ workers: 4, inbound: [link('stream')] } as object, 2), {
      count: 4,
      reason: 'set',
    });
    assert.deepEqual(chooseWorkers({ workers: 1 }, 8), { count: 1, reason: 'set' });
  });

  it('refuses a count that is not a whole number ≥ 1 or auto, naming the setting', () => {
    for (const workers of [0, -2, 1.5, Number.NaN, 'many' as 'auto'])
      assert.throws(
        () => chooseWorkers({ workers }),
        (err: unknown) => isConfigError(err) && /workers/.test(String(err)),
      );
  });
});

describe('WorkerLink', () => {
  const link = () =>
    new WorkerLink({
      from: 'a',
      to: 'b',
      topics: ['t'],
      pool: () => undefined,
      marksOf: () => ({ marks: [], throughs: [] }),
    });

  it('sums the latest counters of every worker, and is running only while every worker says so', async () => {
    const l = link();
    assert.equal(l.state, 'idle');
    await l.start();
    const one = emptyLinkStats();
    one.recordsWritten = 5;
    const two = emptyLinkStats();
    two.recordsWritten = 7;
    l.noteStats(0, snapshotLinkStats('a', 'running', one, 0, IDLE_VIEW));
    l.noteStats(1, snapshotLinkStats('a', 'running', two, 0, IDLE_VIEW));
    assert.equal(l.stats.recordsWritten, 12);
    assert.equal(l.state, 'running');
    one.recordsWritten = 6;
    l.noteStats(0, snapshotLinkStats('a', 'stopping', one, 0, IDLE_VIEW));
    assert.equal(l.stats.recordsWritten, 13, 'a newer snapshot replaces the older one');
    assert.equal(l.state, 'stopping');
  });

  it('is stalled while one worker reports its source silent for the stall bound, and only while running', async () => {
    const l = link();
    await l.start();
    const stats = emptyLinkStats();
    l.noteStats(0, snapshotLinkStats('a', 'running', stats, 100, IDLE_VIEW));
    l.noteStats(1, snapshotLinkStats('a', 'running', stats, NODE_DEFAULTS.linkStallMs + 1, IDLE_VIEW));
    assert.equal(l.sourceSilenceMs(), NODE_DEFAULTS.linkStallMs + 1, 'the longest silence of the workers');
    assert.equal(l.isStalled, true);
    l.noteStats(1, snapshotLinkStats('a', 'running', stats, 50, IDLE_VIEW));
    assert.equal(l.isStalled, false, 'the source answered again');
    await l.stop();
    l.noteStats(1, snapshotLinkStats('a', 'running', stats, NODE_DEFAULTS.linkStallMs + 1, IDLE_VIEW));
    assert.equal(l.sourceSilenceMs(), 0, 'a stopped link is not silent');
  });

  it('streams while every worker streams, pulls while any pulls; its path metrics hear each change', async () => {
    const paths: string[] = [];
    const l = new WorkerLink({
      from: 'a',
      to: 'b',
      topics: ['t'],
      pool: () => ({ size: 2 }) as WorkerPool,
      marksOf: () => ({ marks: [], throughs: [] }),
      pathObserver: { path: (path) => void paths.push(path) },
    });
    await l.start();
    const stats = emptyLinkStats();
    const report = (worker: number, path: 'stream' | 'pull') =>
      l.noteStats(worker, snapshotLinkStats('a', 'running', stats, 0, IDLE_VIEW, { path }));
    report(0, 'stream');
    assert.equal(l.path, 'pull', 'not decided before every worker said its own');
    assert.deepEqual(paths, []);
    report(1, 'stream');
    assert.equal(l.path, 'stream');
    report(1, 'pull');
    assert.equal(l.path, 'pull', 'one worker pulling (its stream failed)');
    report(0, 'pull');
    report(1, 'stream');
    report(0, 'stream');
    assert.deepEqual(paths, ['stream', 'pull', 'stream'], 'told once per change');
  });

  it("counts the bytes its workers received from the source cluster with the main thread's", async () => {
    const l = link();
    await l.start();
    const stats = emptyLinkStats();
    l.noteStats(0, snapshotLinkStats('a', 'running', stats, 0, IDLE_VIEW, { sourceBytes: 100 }));
    l.noteStats(1, snapshotLinkStats('a', 'running', stats, 0, IDLE_VIEW, { sourceBytes: 250 }));
    l.noteStats(0, snapshotLinkStats('a', 'running', stats, 0, IDLE_VIEW, { sourceBytes: 150 }));
    assert.equal(l.sourceBytesReceived, 400, "each worker's latest count, summed");
    const remote = { bytesReceived: () => 7 };
    assert.equal(sourceClusterBytes({ remote, replicator: l }), 407);
    assert.equal(sourceClusterBytes(undefined), 0);
  });

  it('keeps the topics it is told to read', async () => {
    const l = link();
    await l.updateTopics(['t', 'u']);
    assert.deepEqual(l.topics, ['t', 'u']);
  });
});
