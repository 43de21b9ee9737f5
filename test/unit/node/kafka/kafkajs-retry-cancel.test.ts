/**
 * kafkajs' retrier as patched (patches/kafkajs+2.2.4.patch): a `signal` in the retry options cancels every
 * retry once it aborts, and KafkaCluster.close() aborts its clients' signal. Work a stop abandoned (a send
 * or a metadata refresh against a cluster that does not answer) then fails at once instead of retrying for
 * up to a minute and keeping the process alive. No broker: port 1 of loopback refuses every connection.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { KafkaCluster } from '../../../../node/kafka/index.ts';
import { silentLogger } from '../../../../node/log/index.ts';

type Retrier = <T>(fn: (bail: (e: Error) => void, retryCount: number) => Promise<T>) => Promise<T>;
const requireKafkajs = createRequire(import.meta.url);
const createRetry = requireKafkajs('kafkajs/src/retry/index.js') as (
  options: Record<string, unknown>,
) => Retrier;

/** A kafkajs-style retriable failure. */
const retriable = () => Object.assign(new Error('broker not reachable'), { retriable: true });

describe('kafkajs retries with a signal (patched)', () => {
  it(
    'cancels a retry already scheduled when the signal aborts: rejects at once, never calls again',
    { timeout: 10_000 },
    async () => {
      const closed = new AbortController();
      // Without the signal this would call fn 6 times over about a minute before giving up.
      const retry = createRetry({
        retries: 5,
        initialRetryTime: 60_000,
        maxRetryTime: 60_000,
        signal: closed.signal,
      });
      let calls = 0;
      const outcome = retry(() => {
        calls++;
        return Promise.reject(retriable());
      });
      await new Promise((r) => setImmediate(r));
      assert.equal(calls, 1, 'first attempt made, the second scheduled');
      closed.abort();
      await assert.rejects(outcome, (err: Error) => {
        assert.equal(err.name, 'KafkaJSNonRetriableError');
        assert.match(err.message, /client was closed/);
        return true;
      });
      assert.equal(calls, 1, 'no attempt after the abort');
    },
  );

  it('makes no attempt at all once the signal is aborted', async () => {
    const closed = new AbortController();
    closed.abort();
    let calls = 0;
    const retry = createRetry({ retries: 5, signal: closed.signal });
    await assert.rejects(
      retry(() => Promise.resolve(++calls)),
      /client was closed/,
    );
    assert.equal(calls, 0);
  });

  it('retries as before without a signal, and succeeds when an attempt does', async () => {
    const retry = createRetry({ retries: 3, initialRetryTime: 1, maxRetryTime: 5 });
    let calls = 0;
    const value = await retry(() => (++calls < 3 ? Promise.reject(retriable()) : Promise.resolve('ok')));
    assert.equal(value, 'ok');
    assert.equal(calls, 3);
  });

  it(
    'KafkaCluster.close() ends the retries of a call still trying to reach the cluster',
    { timeout: 10_000 },
    async () => {
      const cluster = new KafkaCluster({
        brokers: ['127.0.0.1:1'],
        clientId: 'retry-cancel',
        connectionTimeoutMs: 500,
        logger: silentLogger(),
      });
      const listing = cluster.listTopics();
      // Let it fail its first connection and schedule a retry, then stop as a node's last stop step does.
      await new Promise((r) => setTimeout(r, 300));
      cluster.close();
      await assert.rejects(listing, (err: Error & { cause?: Error }) => {
        assert.match(`${err.message} ${err.cause?.message ?? ''}`, /client was closed/);
        return true;
      });
    },
  );
});
