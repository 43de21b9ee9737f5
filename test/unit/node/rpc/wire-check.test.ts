/**
 * The server's check of a request's bytes (node/rpc/wire-check.ts): table tests of each problem it names,
 * and properties: a valid request of any method passes; any bytes it passes, proto-loader decodes without
 * throwing (so grpc-js never answers INTERNAL for a request's bytes); it never throws itself.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { requestTypeOf, wireProblem } from '../../../../node/rpc/wire-check.ts';
import { geomeshDefinitions } from '../../../../node/rpc/proto-layout.ts';
import { encode, messageType, VALID_REQUESTS, type RpcMethod } from '../../../support/rpc-payloads.ts';

const PUSH: RpcMethod = { service: 'Peer', rpc: 'PushCheckpoints' };
const push = (bytes: Buffer) => wireProblem(requestTypeOf('Peer', 'PushCheckpoints'), bytes);
const validPush = encode(PUSH, VALID_REQUESTS.find((m) => m.rpc === 'PushCheckpoints')!.request);

/** proto-loader's own decoder of a method's request (what grpc-js runs). */
function decoderOf(m: RpcMethod): (bytes: Buffer) => unknown {
  const definitions = geomeshDefinitions();
  const service = m.service === 'Peer' ? definitions.peer : definitions.operator;
  const method = (service as unknown as Record<string, { requestDeserialize(b: Buffer): unknown }>)[m.rpc]!;
  return (bytes) => method.requestDeserialize(bytes);
}

describe('wireProblem: the bytes of a request', () => {
  it('passes every valid request, and the empty message', () => {
    for (const m of VALID_REQUESTS) {
      assert.equal(wireProblem(requestTypeOf(m.service, m.rpc), encode(m, m.request)), undefined, m.rpc);
      assert.equal(wireProblem(requestTypeOf(m.service, m.rpc), Buffer.alloc(0)), undefined, m.rpc);
    }
  });

  it('names the field of each problem', () => {
    const cases: [string, Buffer, RegExp][] = [
      [
        'a cut inside a nested message',
        validPush.subarray(0, validPush.length - 3),
        /checkpoints\[0\]: announces \d+ bytes/,
      ],
      [
        'from_region sent as a varint',
        Buffer.from([0x08, 0x01]),
        /from_region: sent as varint, but a string is length-delimited/,
      ],
      ['from_region not UTF-8', Buffer.from([0x0a, 0x02, 0xc3, 0x28]), /from_region: not valid UTF-8/],
      [
        'a nested string not UTF-8',
        Buffer.from([0x12, 0x04, 0x12, 0x02, 0xff, 0xfe]),
        /checkpoints\[0\]\.group: not valid UTF-8/,
      ],
      ['a group wire type', Buffer.from([0x0b]), /field 1 has wire type 3 \(group start\)/],
      ['wire type 7', Buffer.from([0x0f]), /wire type 7 \(invalid\)/],
      ['field number 0', Buffer.from([0x00, 0x01]), /field number 0/],
      ['a varint that never ends', Buffer.from([0x18, 0xff, 0xff]), /truncated or malformed/],
      [
        'an unknown field longer than the message',
        Buffer.from([0x1a, 0x09, 0x01]),
        /field 3: announces 9 bytes/,
      ],
    ];
    for (const [what, bytes, expected] of cases) assert.match(push(bytes) ?? 'passed', expected, what);
  });

  it('skips unknown fields of every valid wire type (a newer peer may send them)', () => {
    const unknown = Buffer.from([
      0x18,
      0x05,
      0x21,
      ...Array<number>(8).fill(1),
      0x2a,
      0x01,
      0xff,
      0x35,
      1,
      2,
      3,
      4,
    ]);
    assert.equal(push(Buffer.concat([validPush, unknown])), undefined);
  });

  it('takes a packed list for a repeated number field, and refuses one for a single number', () => {
    // TopicPartitions { topic = 1; repeated int32 partitions = 2 }: packed [1, 2], then one unpacked 3.
    const topicPartitions = messageType('geomesh.v1.TopicPartitions');
    assert.equal(wireProblem(topicPartitions, Buffer.from([0x12, 0x02, 0x01, 0x02, 0x10, 0x03])), undefined);
    assert.match(
      wireProblem(topicPartitions, Buffer.from([0x12, 0x02, 0x01, 0xff])) ?? 'passed',
      /partitions\[0\]: the packed list's last value runs past it|truncated or malformed/,
    );
    // PartitionFrontier.partition is a single int32: length-delimited is wrong for it.
    const packedPartition = Buffer.from([0x12, 0x08, 0x22, 0x06, 0x12, 0x02, 0x01, 0x02, 0x0a, 0x00]);
    assert.match(push(packedPartition) ?? 'passed', /partitions\[0\]\.partition: sent as length-delimited/);
  });

  it('never throws; whatever it passes, proto-loader decodes', () => {
    for (const m of VALID_REQUESTS) {
      const type = requestTypeOf(m.service, m.rpc);
      const decode = decoderOf(m);
      const valid = encode(m, m.request);
      fc.assert(
        fc.property(
          fc.oneof(
            fc.uint8Array({ maxLength: 200 }),
            fc
              .tuple(fc.nat({ max: valid.length }), fc.uint8Array({ maxLength: 8 }))
              .map(([at, tail]) => Buffer.concat([valid.subarray(0, at), tail])),
          ),
          (bytes) => {
            const problem = wireProblem(type, bytes);
            if (problem === undefined) decode(Buffer.from(bytes));
          },
        ),
        { seed: 42, numRuns: 300 },
      );
    }
  });
});
