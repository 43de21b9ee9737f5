/**
 * kafkajs 2.2.4's request queue, as patched by patches/kafkajs+2.2.4.patch (applied by patch-package on
 * install): with nothing pending and no throttle it arms no timer (unpatched, every response re-armed a
 * 1 ms timer forever, kafkajs #1751); queued requests still leave when a slot frees or the throttle ends.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { afterEach, describe, it } from 'node:test';

interface Entry {
  correlationId: number;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}
interface RequestQueue {
  pending: unknown[];
  inflight: Map<number, unknown>;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  push(request: { entry: Entry; expectResponse: boolean; sendRequest(): void }): void;
  fulfillRequest(response: { correlationId: number; payload: Buffer; size: number }): void;
  maybeThrottle(ms: number): void;
  destroy(): void;
}
type RequestQueueClass = new (options: Record<string, unknown>) => RequestQueue;

const RequestQueueImpl = createRequire(import.meta.url)(
  'kafkajs/src/network/requestQueue/index.js',
) as RequestQueueClass;

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** Queues made by a test, destroyed after it (their timers would keep the process alive). */
const made: RequestQueue[] = [];

function queue(maxInFlightRequests: number | null): RequestQueue {
  const q = new RequestQueueImpl({
    maxInFlightRequests,
    requestTimeout: 30_000,
    enforceRequestTimeout: false,
    clientId: 'test',
    broker: 'localhost:9092',
    logger: quiet,
  });
  made.push(q);
  return q;
}

/** Pushes a request; `sent` records its correlation id when the queue hands it to the socket. */
function push(q: RequestQueue, correlationId: number, sent: number[]): Promise<unknown> {
  return new Promise((resolve, reject) =>
    q.push({
      entry: { correlationId, resolve, reject },
      expectResponse: true,
      sendRequest: () => sent.push(correlationId),
    }),
  );
}

function fulfil(q: RequestQueue, correlationId: number): void {
  q.fulfillRequest({ correlationId, payload: Buffer.alloc(0), size: 0 });
}

describe('kafkajs request queue (patched)', () => {
  afterEach(() => {
    for (const q of made.splice(0)) q.destroy();
  });

  it('arms no timer once a response leaves nothing pending', async () => {
    const q = queue(null);
    const sent: number[] = [];
    const answered = push(q, 1, sent);
    assert.deepEqual(sent, [1]);
    fulfil(q, 1);
    await answered;
    assert.equal(q.throttleCheckTimeoutId, null, 'no timer: the unpatched queue re-arms one every 1 ms');
  });

  it('sends a queued request when an in-flight one is answered', async () => {
    const q = queue(1);
    const sent: number[] = [];
    const first = push(q, 1, sent);
    const second = push(q, 2, sent);
    assert.deepEqual(sent, [1], 'one in flight at most');
    fulfil(q, 1);
    await first;
    assert.deepEqual(sent, [1, 2]);
    fulfil(q, 2);
    await second;
    assert.equal(q.pending.length, 0);
    // The check armed while the second one waited fires once and is not re-armed.
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(q.throttleCheckTimeoutId, null);
  });

  it('sends a request queued while throttled once the throttle ends', async () => {
    const q = queue(null);
    const sent: number[] = [];
    q.maybeThrottle(50);
    const answered = push(q, 7, sent);
    assert.deepEqual(sent, [], 'held while throttled');
    assert.notEqual(q.throttleCheckTimeoutId, null, 'a check is scheduled for the end of the throttle');
    const deadline = Date.now() + 5_000;
    while (sent.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(sent, [7]);
    fulfil(q, 7);
    await answered;
  });
});
