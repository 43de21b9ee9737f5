/**
 * kafkajs 2.2.4's connection as patched by patches/kafkajs+2.2.4.patch: the socket reads a response was
 * copied together from are given back (detached) at once, and every response still reaches its request
 * whole, however the bytes were cut into reads.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import fc from 'fast-check';

interface Fulfilled {
  correlationId: number;
  payload: Buffer;
  size: number;
}
interface Connection {
  requestQueue: { fulfillRequest(response: Fulfilled): void };
  processData(rawData: Buffer): void;
}
type ConnectionClass = new (options: Record<string, unknown>) => Connection;

const requireKafkajs = createRequire(import.meta.url);
const ConnectionImpl = requireKafkajs('kafkajs/src/network/connection.js') as ConnectionClass;

const responseBuffers = requireKafkajs('kafkajs/src/network/responseBuffers.js') as {
  hold(buffer: ArrayBufferLike): boolean;
};

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** A connection that never connects: what `processData` hands on is collected in `got`. */
function connection(): { conn: Connection; got: Fulfilled[] } {
  const conn = new ConnectionImpl({
    host: '127.0.0.1',
    port: 9,
    logger: { namespace: () => quiet },
    requestTimeout: 30_000,
    connectionTimeout: 1_000,
  });
  const got: Fulfilled[] = [];
  conn.requestQueue = { fulfillRequest: (response) => got.push(response) };
  return { conn, got };
}

/** Responses as Kafka frames them: size, correlation id, payload. */
function framed(responses: readonly { correlationId: number; payload: Uint8Array }[]): Buffer {
  return Buffer.concat(
    responses.map(({ correlationId, payload }) => {
      const head = Buffer.alloc(8);
      head.writeInt32BE(4 + payload.length, 0);
      head.writeInt32BE(correlationId, 4);
      return Buffer.concat([head, payload]);
    }),
  );
}

/** `bytes` cut at `cuts` into reads, each in a buffer of its own (as a socket's reads are). */
function reads(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const to of [...at, bytes.length]) {
    if (to > from) out.push(Buffer.from(new Uint8Array(bytes.subarray(from, to)).buffer));
    from = Math.max(from, to);
  }
  return out;
}

describe('kafkajs connection (patched: reads given back once copied)', () => {
  it('detaches the reads a response was copied together from, and hands the response over whole', () => {
    const { conn, got } = connection();
    const payload = Buffer.from(Array.from({ length: 100_000 }, (_, i) => i % 251));
    const parts = reads(framed([{ correlationId: 7, payload }]), [30_000, 65_536]);
    assert.equal(parts.length, 3);
    for (const part of parts) conn.processData(part);
    assert.equal(got.length, 1);
    assert.equal(got[0]!.correlationId, 7);
    assert.deepEqual(got[0]!.payload, payload);
    for (const part of parts)
      assert.equal(part.buffer.byteLength, 0, 'a read copied into the response is given back');
  });

  it('leaves a read a response is a view of alone (one read, one response)', () => {
    const { conn, got } = connection();
    const payload = Buffer.from('a response that arrived in one read');
    const [only] = reads(framed([{ correlationId: 1, payload }]), []);
    conn.processData(only!);
    assert.equal(got.length, 1);
    assert.deepEqual(got[0]!.payload, payload);
    assert.ok(only!.buffer.byteLength > 0);
  });

  it('marks a buffer that holds one response alone as one to give back, and no other', () => {
    const { conn, got } = connection();
    const payload = Buffer.alloc(100_000, 7);
    for (const part of reads(framed([{ correlationId: 1, payload }]), [40_000])) conn.processData(part);
    // Two responses in one read: each is a view of a buffer holding the other too.
    const [both] = reads(
      framed([
        { correlationId: 2, payload: Buffer.from('first') },
        { correlationId: 3, payload: Buffer.from('second') },
      ]),
      [],
    );
    conn.processData(both!);
    assert.deepEqual(
      got.map((r) => r.correlationId),
      [1, 2, 3],
    );
    assert.equal(responseBuffers.hold(got[0]!.payload.buffer), true, 'copied together: the response alone');
    assert.equal(responseBuffers.hold(got[1]!.payload.buffer), false);
    assert.equal(responseBuffers.hold(got[2]!.payload.buffer), false);
  });

  it('property: every response reaches its request whole, in order, however the bytes are cut', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            correlationId: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
            payload: fc.uint8Array({ maxLength: 3_000 }),
          }),
          { minLength: 1, maxLength: 8 },
        ),
        fc.array(fc.nat(), { maxLength: 20 }),
        (responses, cuts) => {
          const { conn, got } = connection();
          for (const part of reads(framed(responses), cuts)) conn.processData(part);
          // Compared once every read was fed (and the earlier ones maybe detached): a response that were a
          // view of a read given back would read empty here.
          assert.deepEqual(
            got.map((r) => ({ correlationId: r.correlationId, payload: new Uint8Array(r.payload) })),
            responses.map((r) => ({ correlationId: r.correlationId, payload: new Uint8Array(r.payload) })),
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});
