import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isGeomeshError } from '../../../../base/index.ts';
import { Lifecycle, delay, runStopSteps } from '../../../../node/lifecycle/index.ts';
import { createLogger, silentLogger } from '../../../../node/log/index.ts';
import { Writable } from 'node:stream';

/** A logger whose lines are kept, to check what a lifecycle logs. */
function recordingLogger() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), lines };
}

describe('delay', () => {
  it('resolves true after the time, false at once when the signal aborts', async () => {
    assert.equal(await delay(5), true);
    const controller = new AbortController();
    const waiting = delay(60_000, controller.signal);
    controller.abort();
    assert.equal(await waiting, false);
    assert.equal(await delay(60_000, AbortSignal.abort()), false);
  });
});

describe('Lifecycle', () => {
  it('moves idle → starting → running → stopping → stopped, logs each move, settles closed', async () => {
    const { logger, lines } = recordingLogger();
    const life = new Lifecycle('thing', logger);
    assert.equal(life.state, 'idle');
    await life.start(() => assert.equal(life.state, 'starting'));
    assert.equal(life.state, 'running');
    await life.stop(() => assert.equal(life.state, 'stopping'));
    assert.equal(life.state, 'stopped');
    assert.equal(await life.closed, undefined);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(
      lines.filter((l) => l['state']).map((l) => l['state']),
      ['starting', 'running', 'stopping', 'stopped'],
    );
  });

  it('stop is idempotent: concurrent and later callers share one run', async () => {
    const life = new Lifecycle('thing', silentLogger());
    await life.start(() => undefined);
    let runs = 0;
    const body = async () => {
      runs++;
      await delay(10);
    };
    const [a, b] = [life.stop(body), life.stop(body)];
    assert.equal(a, b);
    await a;
    await life.stop(body);
    assert.equal(runs, 1);
  });

  it('a failed start runs the cleanup, settles closed with the error, and needs no stop', async () => {
    const life = new Lifecycle('thing', silentLogger());
    let cleaned = false;
    await assert.rejects(
      life.start(
        () => Promise.reject(new Error('boom')),
        () => {
          cleaned = true;
        },
      ),
      /boom/,
    );
    assert.equal(life.state, 'failed');
    assert.equal(cleaned, true);
    assert.equal((await life.closed)?.message, 'boom');
    let stopped = false;
    await life.stop(() => {
      stopped = true;
    });
    assert.equal(stopped, false);
  });

  it('a stop during the start waits for the start, then stops', async () => {
    const life = new Lifecycle('thing', silentLogger());
    const order: string[] = [];
    const starting = life.start(async () => {
      await delay(20);
      order.push('started');
    });
    const stopping = life.stop(() => {
      order.push('stopped');
    });
    await Promise.all([starting, stopping]);
    assert.deepEqual(order, ['started', 'stopped']);
    assert.equal(life.state, 'stopped');
  });

  it('a stop before any start only marks it stopped; a later start is refused', async () => {
    const life = new Lifecycle('thing', silentLogger());
    await life.stop(() => Promise.reject(new Error('must not run')));
    assert.equal(life.state, 'stopped');
    await assert.rejects(
      life.start(() => undefined),
      /cannot start: it is stopped/,
    );
  });

  it('fail() while running: state failed, closed settles with the fatal error', async () => {
    const life = new Lifecycle('thing', silentLogger());
    await life.start(() => undefined);
    life.fail(new Error('lost the disk'));
    assert.equal(life.state, 'failed');
    assert.equal((await life.closed)?.message, 'lost the disk');
  });
});

describe('runStopSteps', () => {
  it('runs the steps in order and goes on after a step that throws', async () => {
    const order: string[] = [];
    await runStopSteps(
      [
        { name: 'a', run: () => order.push('a') },
        { name: 'b', run: () => Promise.reject(new Error('b failed')) },
        { name: 'c', run: () => order.push('c') },
      ],
      { logger: silentLogger(), what: 'test', deadlineMs: 1_000 },
    );
    assert.deepEqual(order, ['a', 'c']);
  });

  it('past the deadline it names the innermost step still running and the steps not started', async () => {
    const never = new Promise(() => undefined);
    const inner = () =>
      runStopSteps(
        [
          { name: 'links', run: () => undefined },
          { name: 'index writer', run: () => never },
        ],
        { logger: silentLogger(), what: 'region node' },
      );
    const error = await runStopSteps(
      [
        { name: 'gRPC server', run: () => undefined },
        { name: 'region node', run: inner },
        { name: 'peers', run: () => undefined },
      ],
      { logger: silentLogger(), what: 'node of west', deadlineMs: 50 },
    ).then(
      () => assert.fail('the stop must time out'),
      (err: unknown) => err,
    );
    assert.ok(isGeomeshError(error, 'GEOMESH_LIFECYCLE_STOP_TIMEOUT'));
    assert.match(
      error.message,
      /node of west did not stop within 50 ms: still running: "region node", "region node › index writer"; not started: peers/,
    );
  });

  it('a stop within its deadline resolves and leaves no timer behind', async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    await runStopSteps([{ name: 'quick', run: () => undefined }], {
      logger: silentLogger(),
      what: 'test',
      deadlineMs: 60_000,
    });
    assert.equal(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length, before);
  });

  it('a step with a grace is abandoned past it (logged), the next steps run, and its late failure is swallowed', async () => {
    const { logger, lines } = recordingLogger();
    const ran: string[] = [];
    let failLate: (err: Error) => void = () => undefined;
    const started = performance.now();
    await runStopSteps(
      [
        { name: 'settles in time', run: () => delay(10).then(() => ran.push('in time')), graceMs: 5_000 },
        {
          name: 'waits on a cluster',
          run: () => new Promise((_, reject) => (failLate = reject)),
          graceMs: 50,
        },
        { name: 'after', run: () => ran.push('after') },
      ],
      { logger, what: 'test' },
    );
    assert.ok(performance.now() - started < 4_000, 'the abandoned step did not hold the stop');
    assert.deepEqual(ran, ['in time', 'after']);
    const abandoned = lines.filter((l) => String(l['msg']).includes('abandoned'));
    assert.deepEqual(
      abandoned.map((l) => l['step']),
      ['waits on a cluster'],
    );
    // A rejection after the step was abandoned reaches nobody: no unhandled rejection ends the process.
    failLate(new Error('late'));
    await delay(20);
  });

  it('a step that fails within its grace is logged as failed, not as abandoned', async () => {
    const { logger, lines } = recordingLogger();
    await runStopSteps([{ name: 'fails', run: () => Promise.reject(new Error('boom')), graceMs: 1_000 }], {
      logger,
      what: 'test',
    });
    assert.equal(lines.filter((l) => String(l['msg']).includes('failed')).length, 1);
    assert.equal(lines.filter((l) => String(l['msg']).includes('abandoned')).length, 0);
  });
});
