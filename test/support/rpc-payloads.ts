/**
 * Request bytes for the RPC fuzz and wire tests: a valid request of every geomesh method (for a mesh of
 * regions east and west served by west, groups `billing.*` linked), encoded by protobufjs from the .proto
 * files, and seeded ways to break one: random bytes, a cut inside its last field, a string made invalid
 * UTF-8, flipped bytes, and a size over the server's limit.
 */
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { PROTO_FILES, PROTO_ROOT } from '../../node/rpc/index.ts';

export { seededRandom } from './seeded-random.ts';

/** A geomesh RPC: its service and name (the gRPC path is `/geomesh.v1.<service>/<rpc>`). */
export interface RpcMethod {
  readonly service: 'Operator' | 'Peer';
  readonly rpc: string;
}

export const pathOf = (m: RpcMethod): string => `/geomesh.v1.${m.service}/${m.rpc}`;

/** A valid request of each method (field names as in the .proto files). */
export const VALID_REQUESTS: readonly (RpcMethod & { request: Record<string, unknown> })[] = [
  { service: 'Peer', rpc: 'GetFrontiers', request: { group: 'billing', topics: ['orders'] } },
  {
    service: 'Peer',
    rpc: 'Seek',
    request: {
      partitions: [
        {
          topic: 'orders',
          partition: 0,
          committed_offset: 5,
          frontier: [
            { region: 'east', offset: 4 },
            { region: 'west', offset: 4 },
          ],
        },
      ],
    },
  },
  {
    service: 'Peer',
    rpc: 'PushCheckpoints',
    request: {
      from_region: 'east',
      checkpoints: [
        {
          region: 'east',
          group: 'billing',
          computed_at_ms: 1_700_000_000_000,
          partitions: [
            { topic: 'orders', partition: 0, committed_offset: 5, frontier: [{ region: 'east', offset: 4 }] },
          ],
        },
      ],
    },
  },
  {
    service: 'Peer',
    rpc: 'Ping',
    request: { region: 'east', instance: 'east-1', sent_at_ms: 1_700_000_000_000 },
  },
  { service: 'Peer', rpc: 'ListGroups', request: {} },
  {
    service: 'Operator',
    rpc: 'TranslateOffsets',
    request: { group: 'billing', from_region: 'east', to_region: 'west', topics: ['orders'] },
  },
  { service: 'Operator', rpc: 'GetStatus', request: {} },
  {
    service: 'Operator',
    rpc: 'Failover',
    request: { from_region: 'east', to_region: 'west', groups: ['billing'], dry_run: true },
  },
  { service: 'Operator', rpc: 'GetFailoverProgress', request: { progress_id: 'p-1' } },
];

let root: protobuf.Root | undefined;

/** The .proto files as protobufjs reflection (field names kept as written there). */
function schema(): protobuf.Root {
  if (!root) {
    root = new protobuf.Root();
    root.resolvePath = (_origin, target) => join(PROTO_ROOT, target);
    root.loadSync([...PROTO_FILES], { keepCase: true });
    root.resolveAll();
  }
  return root;
}

/** A message type by full name, e.g. `geomesh.v1.TopicPartitions`. */
export const messageType = (name: string): protobuf.Type => schema().lookupType(name);

/** The request type of a method. */
export function requestType(m: RpcMethod): protobuf.Type {
  return schema().lookupService(`geomesh.v1.${m.service}`).methods[m.rpc]!.resolvedRequestType!;
}

/** `request` encoded as a message of the method's request type (unknown keys are an error). */
export function encode(m: RpcMethod, request: Record<string, unknown>): Buffer {
  const type = requestType(m);
  const problem = type.verify(request);
  if (problem) throw new Error(`${m.rpc}: ${problem}`);
  return Buffer.from(type.encode(type.fromObject(request)).finish());
}

const below = (random: () => number, n: number): number => Math.floor(random() * n);

/** `length` random bytes. */
export function randomBytes(random: () => number, length: number): Buffer {
  return Buffer.from(Array.from({ length }, () => below(random, 256)));
}

/** Where the last top-level field of `bytes` starts (its tag's first byte). */
function lastFieldStart(bytes: Buffer): number {
  const reader = protobuf.Reader.create(bytes);
  let start = 0;
  while (reader.pos < reader.len) {
    start = reader.pos;
    reader.skipType(reader.uint32() & 7);
  }
  return start;
}

/** `bytes` cut somewhere inside its last field (after its tag, before its end): never a whole message. */
export function truncated(random: () => number, bytes: Buffer): Buffer {
  const start = lastFieldStart(bytes);
  return bytes.subarray(0, start + 1 + below(random, bytes.length - start - 1));
}

/** Byte sequences that are not UTF-8: a lone continuation byte, a cut sequence, an overlong form, 0xff. */
const NOT_UTF8 = [[0x80], [0xc3], [0xc0, 0xaf], [0xff], [0xed, 0xa0, 0x80], [0xe2, 0x82]];

/**
 * The request with one of its strings (the first one that holds `marker`) made invalid UTF-8: `marker` must
 * appear once in the encoded bytes, and is replaced by as many bytes that are not UTF-8.
 */
export function brokenUtf8(random: () => number, bytes: Buffer, marker: string): Buffer {
  const at = bytes.indexOf(marker);
  if (at < 0) throw new Error(`"${marker}" is not in the request`);
  const bad = NOT_UTF8[below(random, NOT_UTF8.length)]!;
  const out = Buffer.from(bytes);
  for (let i = 0; i < marker.length; i++) out[at + i] = bad[i % bad.length]!;
  return out;
}

/** `bytes` with 1 to 4 bytes replaced at random. */
export function mutated(random: () => number, bytes: Buffer): Buffer {
  const out = Buffer.from(bytes);
  if (out.length === 0) return randomBytes(random, 1 + below(random, 4));
  for (let n = 1 + below(random, 4); n > 0; n--) out[below(random, out.length)] = below(random, 256);
  return out;
}
