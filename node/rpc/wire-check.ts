/**
 * What the server checks of a request's bytes before @grpc/proto-loader decodes them: that they are a
 * protobuf message of the RPC's request type. protobufjs, left alone, throws on truncated bytes (grpc-js then
 * answers INTERNAL), reads a known field sent with the wrong wire type as whatever the bytes make, and turns
 * strings that are not UTF-8 into U+FFFD replacement characters. `wireProblem` walks the bytes against the
 * .proto schema instead and names the first problem:
 *
 * - bytes that end inside a field (truncated) or a length that runs past its message;
 * - a known field with a wire type its type cannot have (a packed list of numbers is allowed);
 * - a string field that is not valid UTF-8;
 * - wire types proto3 never uses (groups, 6 and 7) and field number 0;
 * - messages nested deeper than MAX_DEPTH.
 *
 * Unknown fields with a valid wire type are skipped (proto3: a newer peer may send fields this node does not
 * know). The walk reads the bytes once without building anything (a second walk names the problem, when
 * there is one); it runs before the decode.
 */
import { isUtf8 } from 'node:buffer';
import { join } from 'node:path';
import type { ServiceDefinition } from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { PROTO_FILES, PROTO_ROOT } from './proto-layout.ts';
import type { GeomeshService } from './wire-codecs.ts';

/** Deepest nesting of messages accepted (geomesh's requests nest 3 levels). */
export const MAX_DEPTH = 16;

/** The wire types of protobuf encoding. */
const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

const WIRE_OF_SCALAR: Readonly<Record<string, number>> = {
  int32: VARINT,
  int64: VARINT,
  uint32: VARINT,
  uint64: VARINT,
  sint32: VARINT,
  sint64: VARINT,
  bool: VARINT,
  fixed64: FIXED64,
  sfixed64: FIXED64,
  double: FIXED64,
  fixed32: FIXED32,
  sfixed32: FIXED32,
  float: FIXED32,
  string: LENGTH_DELIMITED,
  bytes: LENGTH_DELIMITED,
};

const WIRE_NAMES = ['varint', 'fixed64', 'length-delimited', 'group start', 'group end', 'fixed32'];

/** A problem found in the bytes: where (a field path as in the .proto, e.g. `checkpoints[2].group`) and what. */
class WireProblem extends Error {}

let schema: protobuf.Root | undefined;

/** The geomesh contracts as protobufjs reflection (field names as in the .proto files), loaded once. */
function geomeshSchema(): protobuf.Root {
  if (schema === undefined) {
    const root = new protobuf.Root();
    root.resolvePath = (_origin, target) => join(PROTO_ROOT, target);
    root.loadSync([...PROTO_FILES], { keepCase: true });
    root.resolveAll();
    schema = root;
  }
  return schema;
}

/** The request type of `rpc` of `service` (e.g. `Peer`, `PushCheckpoints`). */
export function requestTypeOf(service: string, rpc: string): protobuf.Type {
  const method = geomeshSchema().lookupService(`geomesh.v1.${service}`).methods[rpc];
  const type = method?.resolvedRequestType;
  if (!type) throw new Error(`geomesh.v1.${service}/${rpc} is not in the .proto files`);
  return type;
}

/** A request whose bytes are not a message of its RPC's type: the server answers it INVALID_ARGUMENT. */
export class UndecodableRequest {
  readonly problem: string;
  constructor(problem: string) {
    this.problem = problem;
  }
}

/**
 * `definition` (proto-loader's) with each request checked by `wireProblem` before it is decoded: a request
 * that is not a message of its type, or that protobufjs cannot decode, arrives at the handler wrapper as an
 * UndecodableRequest instead of making grpc-js answer INTERNAL.
 */
export function checkedDecoding<D extends ServiceDefinition>(definition: D, service: GeomeshService): D {
  const checked: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(definition)) {
    const type = requestTypeOf(service, method.path.slice(method.path.lastIndexOf('/') + 1));
    checked[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer): unknown => {
        const problem = wireProblem(type, bytes);
        if (problem !== undefined) return new UndecodableRequest(problem);
        try {
          return method.requestDeserialize(bytes);
        } catch (err) {
          return new UndecodableRequest(`cannot be decoded: ${(err as Error).message}`);
        }
      },
    };
  }
  return checked as D;
}

/** The first problem of `bytes` as a message of `type`, or undefined when they are one. */
export function wireProblem(type: protobuf.Type, bytes: Uint8Array): string | undefined {
  // The first walk builds no field paths (most requests are fine); a second one names the problem.
  if (walkAll(type, bytes, false) === undefined) return undefined;
  return walkAll(type, bytes, true);
}

function walkAll(type: protobuf.Type, bytes: Uint8Array, isNamed: boolean): string | undefined {
  const reader = protobuf.Reader.create(bytes);
  try {
    walk(type, reader, bytes.length, isNamed ? '' : undefined, 0);
    return undefined;
  } catch (err) {
    if (err instanceof WireProblem) return err.message;
    // protobufjs' own reader errors: a varint or a fixed field running past the end.
    return `truncated or malformed at byte ${reader.pos} of ${bytes.length}: ${(err as Error).message}`;
  }
}

function expectedWireType(field: protobuf.Field): number {
  if (field.resolvedType instanceof protobuf.Type) return LENGTH_DELIMITED;
  if (field.resolvedType instanceof protobuf.Enum) return VARINT;
  const wire = WIRE_OF_SCALAR[field.type];
  if (wire === undefined) throw new Error(`field ${field.name}: unknown type ${field.type}`);
  return wire;
}

/** Reads a length prefix and checks the bytes it announces are within `end`; returns where they end. */
function lengthDelimitedEnd(reader: protobuf.Reader, end: number, where: string): number {
  const length = reader.uint32();
  if (length > end - reader.pos) {
    throw new WireProblem(
      `${where}: announces ${length} bytes, only ${end - reader.pos} remain (truncated message)`,
    );
  }
  return reader.pos + length;
}

/** Walks one message; `path` is the field path so far, undefined for a walk that names nothing. */
function walk(
  type: protobuf.Type,
  reader: protobuf.Reader,
  end: number,
  path: string | undefined,
  depth: number,
): void {
  const here = (): string => (path === undefined ? '' : path || type.name);
  if (depth > MAX_DEPTH) throw new WireProblem(`${here()}: nested deeper than ${MAX_DEPTH}`);
  const counts = path === undefined ? undefined : new Map<number, number>();
  while (reader.pos < end) {
    const tag = reader.uint32();
    const id = tag >>> 3;
    const wire = tag & 7;
    if (id === 0) throw new WireProblem(`${here()}: field number 0 does not exist`);
    if (wire === 3 || wire === 4 || wire > 5) {
      throw new WireProblem(
        `${here()}: field ${id} has wire type ${wire} (${WIRE_NAMES[wire] ?? 'invalid'}), ` +
          'which proto3 messages never use',
      );
    }
    const field = type.fieldsById[id];
    if (field === undefined) {
      if (wire === LENGTH_DELIMITED) reader.pos = lengthDelimitedEnd(reader, end, `${path ?? ''}field ${id}`);
      else reader.skipType(wire);
      continue;
    }
    let where = '';
    if (counts !== undefined) {
      const index = counts.get(id) ?? 0;
      counts.set(id, index + 1);
      where = `${path}${field.name}${field.repeated ? `[${index}]` : ''}`;
    }
    const expected = expectedWireType(field);
    const isPacked = field.repeated && expected !== LENGTH_DELIMITED && wire === LENGTH_DELIMITED;
    if (wire !== expected && !isPacked) {
      throw new WireProblem(
        `${where}: sent as ${WIRE_NAMES[wire]}, but a ${field.type} is ${WIRE_NAMES[expected]}`,
      );
    }
    if (wire !== LENGTH_DELIMITED) {
      reader.skipType(wire);
      continue;
    }
    const fieldEnd = lengthDelimitedEnd(reader, end, where);
    if (field.resolvedType instanceof protobuf.Type) {
      walk(field.resolvedType, reader, fieldEnd, path === undefined ? undefined : `${where}.`, depth + 1);
    } else if (field.type === 'string') {
      if (!isUtf8(reader.buf.subarray(reader.pos, fieldEnd)))
        throw new WireProblem(`${where}: not valid UTF-8`);
    } else if (isPacked) {
      walkPacked(reader, fieldEnd, expected, where);
    }
    reader.pos = fieldEnd;
  }
  if (reader.pos !== end) throw new WireProblem(`${here()}: the last field runs past its message`);
}

/** A packed list of numbers: whole values up to its end. */
function walkPacked(reader: protobuf.Reader, end: number, wire: number, where: string): void {
  while (reader.pos < end) reader.skipType(wire);
  if (reader.pos !== end) throw new WireProblem(`${where}: the packed list's last value runs past it`);
}
