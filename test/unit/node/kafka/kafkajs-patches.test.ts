/**
 * kafkajs 2.2.4 as patched by patches/kafkajs+2.2.4.patch (applied by patch-package on install):
 * - the request queue arms no timer with nothing pending and no throttle (unpatched, every response re-armed
 *   a 1 ms timer forever, kafkajs #1751); queued requests still leave when a slot frees or the throttle ends;
 * - the encoder's buffers are not zero-filled: what it encodes decodes back the same, even from a pool full of
 *   old bytes, and varints keep Kafka's bytes;
 * - messages are grouped per partition in one pass: every message once, in order, in its partition;
 * - record batches are checksummed by a native CRC32C (@node-rs/crc32) where it loads: the same values.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { afterEach, describe, it } from 'node:test';
import fc from 'fast-check';

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

const requireKafkajs = createRequire(import.meta.url);
const RequestQueueImpl = requireKafkajs('kafkajs/src/network/requestQueue/index.js') as RequestQueueClass;

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

interface EncodedRecord {
  buffer: Buffer;
}
type Headers = Record<string, Buffer | Buffer[]>;
const encodeRecord = requireKafkajs('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (record: {
  offsetDelta: number;
  timestampDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Headers;
}) => EncodedRecord;
const DecoderImpl = requireKafkajs('kafkajs/src/protocol/decoder.js') as new (buffer: Buffer) => {
  readVarInt(): number;
  readVarLong(): { toString(): string };
};
const EncoderImpl = requireKafkajs('kafkajs/src/protocol/encoder.js') as new () => {
  writeVarInt(value: number): unknown;
  writeVarLong(value: number): unknown;
  buffer: Buffer;
};
const decodeRecord = requireKafkajs('kafkajs/src/protocol/recordBatch/record/v0/decoder.js') as (
  decoder: InstanceType<typeof DecoderImpl>,
  context: Record<string, unknown>,
) => {
  attributes: number;
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Headers;
};
const groupMessagesPerPartition = requireKafkajs(
  'kafkajs/src/producer/groupMessagesPerPartition.js',
) as (args: {
  topic: string;
  partitionMetadata: unknown[];
  messages: { partition: number; value: string }[];
  partitioner: (args: { message: { partition: number } }) => number;
}) => Record<string, { partition: number; value: string }[]>;

describe('kafkajs encoder (patched: buffers not zero-filled)', () => {
  it('records with keys, values and repeated headers decode back the same, from a pool full of old bytes', () => {
    const bytes = fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a));
    fc.assert(
      fc.property(
        fc.record({
          offsetDelta: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
          timestampDelta: fc.maxSafeInteger(),
          key: fc.option(bytes, { nil: null }),
          value: fc.option(bytes, { nil: null }),
          headers: fc.dictionary(
            // Not a name Object.prototype has: kafkajs's decoder would merge the inherited value (not the encoder's doing).
            fc.string({ minLength: 1, maxLength: 20 }).filter((k) => !(k in Object.prototype)),
            fc.oneof(bytes, fc.array(bytes, { minLength: 2, maxLength: 3 })),
            { maxKeys: 5, noNullPrototype: true },
          ),
        }),
        (record) => {
          // Dirty the allocation pool the encoder's buffers come from.
          for (let i = 0; i < 16; i++) Buffer.allocUnsafe(512).fill(0xa5);
          const decoder = new DecoderImpl(encodeRecord(record).buffer);
          decoder.readVarInt(); // the record's length
          const decoded = decodeRecord(decoder, { firstOffset: '0', firstTimestamp: '0', magicByte: 2 });
          assert.equal(decoded.attributes, 0);
          assert.equal(decoded.offset, String(record.offsetDelta));
          assert.equal(decoded.timestamp, String(record.timestampDelta));
          assert.deepEqual(decoded.key, record.key);
          assert.deepEqual(decoded.value, record.value);
          assert.deepEqual(decoded.headers, record.headers);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('kafkajs varints (in buffers not zero-filled)', () => {
  it("writes Kafka's zigzag LEB128 bytes", () => {
    const varInt = (v: number) => {
      const e = new EncoderImpl();
      e.writeVarInt(v);
      return [...e.buffer];
    };
    const varLong = (v: number) => {
      const e = new EncoderImpl();
      e.writeVarLong(v);
      return [...e.buffer];
    };
    assert.deepEqual(varInt(0), [0x00]);
    assert.deepEqual(varInt(-1), [0x01]);
    assert.deepEqual(varInt(1), [0x02]);
    assert.deepEqual(varInt(300), [0xd8, 0x04]);
    assert.deepEqual(varInt(2 ** 31 - 1), [0xfe, 0xff, 0xff, 0xff, 0x0f]);
    assert.deepEqual(varInt(-(2 ** 31)), [0xff, 0xff, 0xff, 0xff, 0x0f]);
    assert.deepEqual(varLong(0), [0x00]);
    assert.deepEqual(varLong(-1), [0x01]);
    assert.deepEqual(varLong(300), [0xd8, 0x04]);
    assert.deepEqual(varLong(2 ** 53 - 1), [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f]);
  });

  it('decodes back what it encodes, many in one buffer, from a pool full of old bytes', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({
              kind: fc.constant('int' as const),
              value: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
            }),
            fc.record({
              kind: fc.constant('long' as const),
              value: fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }),
            }),
          ),
          { maxLength: 300 },
        ),
        (values) => {
          for (let i = 0; i < 16; i++) Buffer.allocUnsafe(512).fill(0xff);
          const e = new EncoderImpl();
          for (const v of values) {
            if (v.kind === 'int') e.writeVarInt(v.value);
            else e.writeVarLong(v.value);
          }
          const d = new DecoderImpl(e.buffer);
          for (const v of values) {
            if (v.kind === 'int') assert.equal(d.readVarInt(), v.value);
            else assert.equal(d.readVarLong().toString(), String(v.value));
          }
        },
      ),
    );
  });
});

describe('kafkajs groupMessagesPerPartition (patched: one pass)', () => {
  it('puts every message once into its partition, in order', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(7), { maxLength: 2_000 }), (partitions) => {
        const messages = partitions.map((partition, i) => ({ partition, value: String(i) }));
        const grouped = groupMessagesPerPartition({
          topic: 't',
          partitionMetadata: [{}],
          messages,
          partitioner: ({ message }) => message.partition,
        });
        for (const [partition, list] of Object.entries(grouped)) {
          assert.deepEqual(
            list,
            messages.filter((m) => String(m.partition) === partition),
          );
        }
        assert.equal(Object.values(grouped).flat().length, messages.length);
      }),
    );
  });

  it('groups nothing without partition metadata', () => {
    assert.deepEqual(
      groupMessagesPerPartition({
        topic: 't',
        partitionMetadata: [],
        messages: [{ partition: 0, value: 'x' }],
        partitioner: () => 0,
      }),
      {},
    );
  });
});

describe('kafkajs record batch checksum (patched)', () => {
  const crc32C = requireKafkajs('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (b: Buffer) => number;
  const tableCrc32C = requireKafkajs('kafkajs/src/protocol/recordBatch/crc32C/crc32C.js') as (
    b: Buffer,
  ) => number;
  const native = requireKafkajs('@node-rs/crc32') as { crc32c(this: void, b: Buffer): number };
  const nativeCrc32C = native.crc32c;

  it("is the native CRC32C where it loads, and Kafka's check values", () => {
    const sample = Buffer.from('123456789');
    // The CRC-32C check value (RFC 3720), what a broker recomputes for every batch it is sent.
    assert.equal(crc32C(sample), 0xe3069283);
    assert.equal(nativeCrc32C(sample) >>> 0, crc32C(sample));
    assert.equal(crc32C(Buffer.alloc(0)), 0);
  });

  it("property: the same unsigned checksum as kafkajs' own table, for any bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5_000 }), (bytes) => {
        const buffer = Buffer.from(bytes);
        assert.equal(crc32C(buffer), tableCrc32C(buffer) >>> 0);
      }),
    );
  });
});
