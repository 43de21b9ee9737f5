import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { silentLogger } from '../../../../node/log/index.ts';
import {
  MAX_RESTARTS_IN_WINDOW,
  WorkerPool,
  type WorkerPoolHost,
  type WorkerStart,
} from '../../../../node/workers/index.ts';

const ENTRY = new URL('./fixtures/scripted-worker.ts', import.meta.url);
/** Every pool a test made: stopped after it, whatever its outcome (their threads would keep the process). */
const pools: WorkerPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.stop()));
});

/**
 * A pool of `scripts.length` scripted workers and what its host was told; with `restartScript`, a worker that
 * ends on its own is restarted with that script.
 */
function pool(
  scripts: string[],
  stopGraceMs = 2_000,
  restartScript?: string,
  restartGate: Promise<void> = Promise.resolve(),
) {
  const told: string[] = [];
  const failed: Error[] = [];
  const host: WorkerPoolHost = {
    acked: (topic, partition, baseOffset, origins) =>
      told.push(
        `acked ${topic}/${partition}@${baseOffset} ${Array.from({ length: origins.length }, (_, i) => `${origins.region(i)}:${origins.offset(i)}`).join(',')}`,
      ),
    unsure: (topic, partition, through) => told.push(`unsure ${topic}/${partition} from ${through}`),
    rewound: (topic, partition, origin, offset) =>
      told.push(`rewound ${topic}/${partition} ${origin}:${offset}`),
    resync: (topic, partition) => {
      told.push(`resync ${topic}/${partition}`);
      return Promise.resolve({ marks: [], through: 40 + partition });
    },
    observerOf: () => undefined,
    stats: () => undefined,
    fenced: (count) => told.push(`fenced ${count}`),
    failed: (_worker, err) => failed.push(err),
    ...(restartScript !== undefined && {
      restart: async (worker: number) => {
        told.push(`restart ${worker}`);
        await restartGate;
        return {
          start: { worker, script: restartScript } as unknown as WorkerStart,
          first: [{ v: 1, kind: 'refresh-lag' } as const],
        };
      },
    }),
  };
  const starts = scripts.map((script, worker) => ({ worker, script }) as unknown as WorkerStart);
  const made = new WorkerPool({
    starts,
    reportMs: 100,
    stopGraceMs,
    host,
    logger: silentLogger(),
    entry: ENTRY,
  });
  pools.push(made);
  return { told, failed, pool: made };
}

async function until(what: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!what()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('WorkerPool', () => {
  it('runs every worker, hands their runs to the host and answers their resyncs, then drains them', async () => {
    const { pool: p, told, failed } = pool(['run', 'run']);
    await p.start();
    assert.equal(p.state, 'running');
    await until(() => told.filter((t) => t.startsWith('unsure')).length === 2);
    assert.deepEqual(
      told.filter((t) => t.includes('t/0')),
      ['acked t/0@10 a:5,b:7', 'rewound t/0 a:2', 'resync t/0', 'unsure t/0 from 40'],
    );
    assert.ok(told.includes('unsure t/1 from 41'));
    await p.stop();
    assert.equal(p.state, 'stopped');
    assert.deepEqual(failed, []);
  });

  it('rejects the start when a worker fails to start, and ends the others', async () => {
    const { pool: p } = pool(['run', 'fail']);
    await assert.rejects(p.start(), /worker thread 1 failed to start: no broker/);
    assert.equal(p.state, 'failed');
  });

  it('terminates a worker that does not drain within the grace', async () => {
    const { pool: p } = pool(['deaf'], 300);
    await p.start();
    const began = Date.now();
    await p.stop();
    const took = Date.now() - began;
    assert.ok(took >= 300 && took < 5_000, `stopped after ${took} ms`);
  });

  it('settles a drop once every worker answered it, after the runs each sent before its answer', async () => {
    const { pool: p, told } = pool(['run', 'run']);
    await p.start();
    await p.drop([{ topic: 't', partition: 0 }]);
    assert.ok(told.includes('acked t/0@20 a:9'), 'worker 0 ran its last write before it answered');
    assert.ok(told.includes('acked t/1@20 a:9'), 'worker 1 too');
    assert.equal(told.filter((t) => t === 'fenced 2').length, 2, 'fenced writes counted');
    await p.stop();
  });

  it('settles a drop sent to a worker that never answers once the worker is terminated', async () => {
    const { pool: p } = pool(['deaf'], 300);
    await p.start();
    let isSettled = false;
    const dropped = p.drop([{ topic: 't', partition: 0 }]).then(() => (isSettled = true));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(isSettled, false, 'not settled while the worker may still write');
    await p.stop();
    await dropped;
    assert.equal(isSettled, true);
  });

  it('restarts a worker that ends on its own in its slot, from the start the host gives', async () => {
    const { pool: p, told, failed } = pool(['exit'], 2_000, 'run');
    await p.start();
    await until(() => p.restarts === 1);
    assert.deepEqual(failed, []);
    assert.equal(told.filter((t) => t === 'restart 0').length, 1);
    await until(() => told.filter((t) => t === 'acked t/0@10 a:5,b:7').length === 2);
    // The replacement answers drops as any worker does.
    await p.drop([{ topic: 't', partition: 0 }]);
    assert.ok(told.includes('acked t/0@20 a:9'));
    await p.stop();
    assert.equal(p.state, 'stopped');
  });

  it('a drop sent while a worker is being restarted waits for the replacement to answer it', async () => {
    const gate = Promise.withResolvers<void>();
    const { pool: p, told } = pool(['exit'], 2_000, 'run', gate.promise);
    await p.start();
    await until(() => told.includes('restart 0'));
    let isSettled = false;
    const dropped = p.drop([{ topic: 't', partition: 0 }]).then(() => (isSettled = true));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(isSettled, false, 'not settled while the replacement may still own the partition');
    gate.resolve();
    await dropped;
    assert.equal(p.restarts, 1);
    assert.ok(told.includes('acked t/0@20 a:9'), 'answered by the replacement, after its last run');
    await p.stop();
  });

  it('fails, instead of restarting it again, a worker that keeps ending', async () => {
    const { pool: p, told, failed } = pool(['exit'], 2_000, 'exit');
    await p.start();
    await until(() => failed.length === 1);
    assert.equal(told.filter((t) => t === 'restart 0').length, MAX_RESTARTS_IN_WINDOW);
    assert.match(failed[0]!.message, /not restarted again: 3 restarts in the last 60 s/);
    await p.stop();
  });

  it('tells the host when a running worker ends on its own', async () => {
    const { pool: p, failed } = pool(['exit']);
    await p.start();
    await until(() => failed.length === 1);
    assert.match(failed[0]!.message, /worker thread 0 ended \(exit code 3\) before it was stopped/);
    await p.stop();
  });
});
