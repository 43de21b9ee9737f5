/**
 * The real EtcdSession over a fake coordination: its connection attempts can be made to fail, and what the
 * session is given and how often it is stopped are counted.
 */
import { EtcdSession } from '../../../../node/coordination/index.ts';
import type { Coordination } from '../../../../node/coordination-ports/index.ts';
import { testLogger } from '../../../support/test-logger.ts';

export interface SessionCounts {
  /** Connection attempts made. */
  attempts: number;
  /** Times the connected coordination was stopped. */
  stops: number;
  /** While false, every connection attempt fails (set it to let the next attempt through). */
  isReachable: boolean;
}

/**
 * A session (not started) that connects to `coordination` after `failConnects` failed attempts, and only
 * while `counts.isReachable`.
 */
export function fakeSession(
  coordination: object,
  options: { failConnects?: number; retryMs?: number } = {},
): { session: EtcdSession; counts: SessionCounts } {
  const counts: SessionCounts = { attempts: 0, stops: 0, isReachable: true };
  let failures = options.failConnects ?? 0;
  const connected = Object.assign(coordination, {
    stop: () => {
      counts.stops++;
      return Promise.resolve();
    },
  }) as unknown as Coordination & { stop(): Promise<void> };
  const session = new EtcdSession({
    coordination: { endpoints: ['http://127.0.0.1:1'], mesh: 'test', logger: testLogger() },
    retryMs: options.retryMs ?? 10,
    connect: () => {
      counts.attempts++;
      if (failures-- > 0 || !counts.isReachable)
        return Promise.reject(new Error('cannot reach etcd at http://127.0.0.1:1'));
      return Promise.resolve(connected);
    },
  });
  return { session, counts };
}
