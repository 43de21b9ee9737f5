/**
 * Generates the TypeScript types of geomesh's gRPC contracts (proto/geomesh/v1/*.proto) into
 * node/rpc/generated/ with @grpc/proto-loader's `proto-loader-gen-types`, using the same options as the
 * runtime loader (node/rpc/proto-layout.ts). The output is deterministic and never edited by hand; a unit test
 * regenerates it into a temporary folder and fails when the committed copy is stale.
 *
 * Run: npm run proto:gen            (writes node/rpc/generated/)
 *      node scripts/generate-proto.ts --out DIR   (writes DIR, replacing it: for the staleness test)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseScriptArgs } from './script-args.ts';
import { PROTO_FILES, PROTO_GEN_TYPES_FLAGS, PROTO_ROOT } from '../node/rpc/index.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseScriptArgs('proto:gen', { options: { out: { type: 'string' } } });
const outDir = resolve(values.out ?? join(root, 'node', 'rpc', 'generated'));

const generator = createRequire(import.meta.url).resolve(
  '@grpc/proto-loader/build/bin/proto-loader-gen-types.js',
);

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
// Run from the repository root with a relative include folder: the generator writes the .proto path it read
// into each file ("Original file: proto/..."), which must not depend on where the clone lives.
const result = spawnSync(
  process.execPath,
  [
    generator,
    ...PROTO_GEN_TYPES_FLAGS,
    `--includeDirs=${relative(root, PROTO_ROOT) || '.'}`,
    `--outDir=${outDir}`,
    ...PROTO_FILES,
  ],
  { cwd: root, encoding: 'utf8' },
);
if (result.status !== 0) {
  process.stderr.write(result.stdout + result.stderr);
  console.error(`proto-loader-gen-types failed (exit ${result.status ?? result.signal})`);
  process.exit(1);
}
writeFileSync(
  join(outDir, 'README.md'),
  [
    '# Generated: do not edit',
    '',
    `TypeScript types of ${PROTO_FILES.map((f) => `\`proto/${f}\``).join(', ')},`,
    'written by `npm run proto:gen` (scripts/generate-proto.ts, @grpc/proto-loader `proto-loader-gen-types`).',
    'Change the .proto files and run it again; a unit test fails when this folder is stale.',
    '',
  ].join('\n'),
);
console.log(`wrote ${relative(process.cwd(), outDir) || '.'}`);
