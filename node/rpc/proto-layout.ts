/**
 * Where geomesh's gRPC contracts live and how they are loaded: one place for the runtime loader
 * (@grpc/proto-loader) and the type generator (`npm run proto:gen`, scripts/generate-proto.ts), so the
 * generated types always describe the objects the loader produces.
 */
import { fileURLToPath } from 'node:url';
import { loadSync } from '@grpc/proto-loader';
import { GeomeshError } from '../../base/index.ts';
import type { OperatorDefinition } from './generated/geomesh/v1/Operator.ts';
import type { PeerDefinition } from './generated/geomesh/v1/Peer.ts';

/** The include root of the .proto files (`proto/` at the top of the repository). */
export const PROTO_ROOT: string = fileURLToPath(new URL('../../proto/', import.meta.url));

/** The geomesh contracts, relative to PROTO_ROOT. */
export const PROTO_FILES: readonly string[] = Object.freeze([
  'geomesh/v1/common.proto',
  'geomesh/v1/operator.proto',
  'geomesh/v1/peer.proto',
]);

/**
 * How messages become JavaScript objects, shared by the loader and the generator:
 * - field names in lowerCamelCase (`committed_offset` → `committedOffset`);
 * - int64 as `number`: offsets and epoch milliseconds stay below 2^53 (a partition written at a million
 *   records a second reaches it after ~285 years), and plain numbers keep the business code free of Long
 *   or bigint; a larger value would lose precision, so none is ever sent;
 * - enums as their names (`'FRONTIER_SOURCE_LIVE'`);
 * - defaults for absent fields (proto3 has no presence: "" / 0 / [] are what the peer meant).
 */
export const PROTO_LOADER_OPTIONS = Object.freeze({
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
});

/** The `proto-loader-gen-types` flags, derived from PROTO_LOADER_OPTIONS so the two cannot disagree. */
export const PROTO_GEN_TYPES_FLAGS: readonly string[] = Object.freeze([
  ...(PROTO_LOADER_OPTIONS.keepCase ? ['--keepCase'] : []),
  `--longs=${PROTO_LOADER_OPTIONS.longs.name}`,
  `--enums=${PROTO_LOADER_OPTIONS.enums.name}`,
  ...(PROTO_LOADER_OPTIONS.defaults ? ['--defaults'] : []),
  ...(PROTO_LOADER_OPTIONS.oneofs ? ['--oneofs'] : []),
  '--includeComments',
  '--grpcLib=@grpc/grpc-js',
  // Node runs the generated files by type stripping: relative imports need their real extension.
  '--importFileExtension=.ts',
]);

/** The service definitions of geomesh's contracts, as grpc-js serves and calls them. */
export interface GeomeshDefinitions {
  readonly operator: OperatorDefinition;
  readonly peer: PeerDefinition;
}

let definitions: GeomeshDefinitions | undefined;

/** Loads the .proto files once (on first use, not at import) and returns the service definitions. */
export function geomeshDefinitions(): GeomeshDefinitions {
  if (definitions === undefined) {
    const loaded = loadSync([...PROTO_FILES], { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_ROOT] });
    const service = (name: string): unknown => {
      const definition = loaded[name];
      // A service definition is a map of methods; messages and enums carry a `format` instead.
      if (definition === undefined || 'format' in definition) {
        throw new GeomeshError('GEOMESH_INTERNAL_INVARIANT', `${name} is not a service in ${PROTO_ROOT}`);
      }
      return definition;
    };
    definitions = Object.freeze({
      operator: service('geomesh.v1.Operator') as OperatorDefinition,
      peer: service('geomesh.v1.Peer') as PeerDefinition,
    });
  }
  return definitions;
}
