import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isGeomeshError } from '../../../../base/index.ts';
import { EtcdSession } from '../../../../node/coordination/index.ts';
import type { Coordination } from '../../../../node/coordination-ports/index.ts';
import { waitFor } from '../../../support/polling.ts';
import { testLogger } from '../../../support/test-logger.ts';

const options = { endpoints: ['http://127.0.0.1:1'], mesh: 'test', logger: testLogger() };

/** A coordination that counts its stops (nothing else of it is used here). */
function fakeCoordination() {
  const counts = { stops: 0 };
  const coordination = {
    stop: () => {
      counts.stops++;
      return Promise.resolve();
    },
  } as unknown as Coordination & { stop(): Promise<void> };
  return { coordination, counts };
}

/** A connect that fails while `isReachable` is false, and counts its attempts. */
function connector(coordination: Coordination & { stop(): Promise<void> }) {
  const control = { attempts: 0, isReachable: false };
  const connect = () => {
    control.attempts++;
    return control.isReachable ? Promise.resolve(coordination) : Promise.reject(new Error('connect refused'));
  };
  return { control, connect };
}

const until = (what: string, isDone: () => boolean) =>
  waitFor(isDone, { timeoutMs: 5_000, intervalMs: 5, what });

describe('EtcdSession (fake connection)', () => {
  it('connects in the background, retrying at its pace; every waiter gets the one coordination', async () => {
    const { coordination, counts } = fakeCoordination();
    const { control, connect } = connector(coordination);
    const session = new EtcdSession({ coordination: options, retryMs: 10, connect });
    assert.equal(session.state, 'idle');
    session.start();
    session.start();
    assert.equal(session.state, 'connecting', 'start returns at once');
    const waiters = [session.ready(), session.ready()];
    await until('three attempts', () => control.attempts >= 3);
    assert.equal(session.current(), undefined);
    assert.equal(session.lastError, 'connect refused');
    control.isReachable = true;
    const [a, b] = await Promise.all(waiters);
    assert.equal(a, coordination);
    assert.equal(b, coordination);
    assert.equal(session.current(), coordination);
    assert.equal(await session.ready(), coordination, 'at once when connected');
    assert.equal(session.state, 'connected');
    assert.equal(session.lastError, undefined);
    const attempts = control.attempts;
    await new Promise((r) => setTimeout(r, 40));
    assert.equal(control.attempts, attempts, 'no attempt once connected');
    await Promise.all([session.stop(), session.stop()]);
    await session.stop();
    assert.equal(counts.stops, 1, 'stop closes the coordination once');
    assert.equal(session.state, 'stopped');
    assert.equal(session.current(), undefined);
  });

  it('ready() starts an idle session; rejects when its signal aborts and when the session stops', async () => {
    const { coordination } = fakeCoordination();
    const { control, connect } = connector(coordination);
    const session = new EtcdSession({ coordination: options, retryMs: 10, connect });
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(control.attempts, 0, 'a session nothing uses does not connect');
    const reason = new Error('the caller gave up');
    const controller = new AbortController();
    const aborted = session.ready(controller.signal);
    assert.equal(session.state, 'connecting', 'the first ready() started it');
    controller.abort(reason);
    await assert.rejects(aborted, (err: unknown) => err === reason);
    const waiting = session.ready();
    await until('an attempt', () => control.attempts >= 1);
    await session.stop();
    await assert.rejects(waiting, (err: unknown) => isGeomeshError(err, 'GEOMESH_COORD_CLOSED'));
    await assert.rejects(session.ready(), (err: unknown) => isGeomeshError(err, 'GEOMESH_COORD_CLOSED'));
    const attempts = control.attempts;
    await new Promise((r) => setTimeout(r, 40));
    assert.equal(control.attempts, attempts, 'stop ended the retries');
  });

  it('a connection made while stopping is closed, not kept', async () => {
    const { coordination, counts } = fakeCoordination();
    let finish!: () => void;
    const session = new EtcdSession({
      coordination: options,
      retryMs: 10,
      connect: () => new Promise((resolve) => (finish = () => resolve(coordination))),
    });
    session.start();
    const stopping = session.stop();
    finish();
    await stopping;
    assert.equal(counts.stops, 1);
    assert.equal(session.current(), undefined);
  });

  it('rejects a bad etcd section at construction, naming the field', () => {
    assert.throws(
      () => new EtcdSession({ coordination: { ...options, endpoints: ['etcd:2379'] }, retryMs: 10 }),
      (err: unknown) => isGeomeshError(err, 'GEOMESH_CONFIG_INVALID') && /endpoints\[0\]/.test(err.message),
    );
  });
});
