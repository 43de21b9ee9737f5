/**
 * Waiting for a node that is still starting (patient-calls.ts) over scripted calls and a fake clock: a call
 * that never reached a serving node (connection refused, or the node answers it is not running) is made
 * again within --wait-ms with one line saying what is waited for; anything else fails at once.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GeomeshError } from '../../../../base/index.ts';
import { patientCalls, type FailoverCalls } from '../../../../node/failover/index.ts';
import { isNodeNotServing, type FailoverResponse } from '../../../../node/rpc/index.ts';

const refused = () =>
  new GeomeshError(
    'GEOMESH_RPC_UNAVAILABLE',
    'geomesh.v1.Operator/Failover at 127.0.0.1:5001: UNAVAILABLE: No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:5001',
    { details: { status: 'UNAVAILABLE' } },
  );
const notRunning = () =>
  new GeomeshError('GEOMESH_RPC_UNAVAILABLE', 'UNAVAILABLE: the node of west is not running', {
    details: { status: 'UNAVAILABLE', remoteCode: 'GEOMESH_RPC_UNAVAILABLE' },
  });
const etcdDown = () =>
  new GeomeshError('GEOMESH_RPC_UNAVAILABLE', 'UNAVAILABLE: cannot record east in etcd', {
    details: { status: 'UNAVAILABLE', remoteCode: 'GEOMESH_COORD_UNAVAILABLE' },
  });
const ANSWER: FailoverResponse = { groups: [], regionState: null, regionStateError: '' };

/** Calls whose failover fails with `errors` in turn, then answers; a fake clock; the lines said. */
function scripted(errors: (() => Error)[], waitMs: number) {
  let attempts = 0;
  const calls: FailoverCalls = {
    failover: () => {
      const next = errors[attempts++];
      return next ? Promise.reject(next()) : Promise.resolve(ANSWER);
    },
    links: () => Promise.resolve([]),
    progress: () => Promise.reject(new Error('not followed')),
  };
  let now = 0;
  const lines: string[] = [];
  const patient = patientCalls(calls, {
    waitMs,
    node: "west's node at 127.0.0.1:5001",
    clock: { now: () => now, sleep: (ms) => ((now += ms), Promise.resolve()), pollMs: 500 },
    say: (line) => lines.push(line),
  });
  const request = { fromRegion: 'east', toRegion: 'west', groups: [], dryRun: false, failback: '' };
  return { call: () => patient.failover(request), lines, attempts: () => attempts, now: () => now };
}

describe('waiting for a node that is still starting', () => {
  it('tells a call that never reached a serving node from one the node refused', () => {
    assert.equal(isNodeNotServing(refused()), true);
    assert.equal(isNodeNotServing(notRunning()), true);
    assert.equal(isNodeNotServing(etcdDown()), false, 'the node answered: it did not wait for etcd');
    assert.equal(
      isNodeNotServing(new GeomeshError('GEOMESH_RPC_UNAVAILABLE', 'TLS handshake failed')),
      false,
    );
    assert.equal(isNodeNotServing(new Error('ECONNREFUSED')), false);
  });

  it('calls again until the node serves, saying once what it waits for and once that it answers', async () => {
    const s = scripted([refused, refused, notRunning], 10_000);
    assert.equal(await s.call(), ANSWER);
    assert.equal(s.attempts(), 4);
    assert.equal(s.now(), 1_500);
    assert.deepEqual(s.lines, [
      "waiting for west's node at 127.0.0.1:5001 (connection refused): up to 10 s more (--wait-ms)",
      "west's node at 127.0.0.1:5001 answers",
    ]);
  });

  it('fails once --wait-ms has passed, saying how long it waited and the fix', async () => {
    const s = scripted(
      Array.from({ length: 100 }, () => refused),
      2_000,
    );
    await assert.rejects(s.call(), (err: GeomeshError) => {
      assert.equal(err.code, 'GEOMESH_RPC_UNAVAILABLE');
      assert.match(
        err.message,
        /ECONNREFUSED .*\(connection refused for the 2000 ms of --wait-ms: start the node, or wait longer\)$/,
      );
      return true;
    });
    assert.equal(s.now(), 2_000);
    assert.equal(s.attempts(), 5);
  });

  it('any other failure, and --wait-ms 0, fail at once', async () => {
    const other = scripted([etcdDown], 10_000);
    await assert.rejects(other.call(), /cannot record east in etcd/);
    assert.equal(other.attempts(), 1);
    assert.deepEqual(other.lines, []);
    const impatient = scripted([refused], 0);
    await assert.rejects(impatient.call(), (err: Error) => err.message === refused().message);
    assert.equal(impatient.attempts(), 1);
  });
});
