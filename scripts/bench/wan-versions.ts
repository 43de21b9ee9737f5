/**
 * The topologies of bench:wan's backlog mode: one link a → b only (nothing flows back, as with MirrorMaker 2
 * one way), a's node on a file that lets b stream every `wan-` topic, b's node following etcd's versions
 * (`--topology-from etcd`) whose link carries the topics of the copy at hand on the path at hand. A version
 * restarts b's link and nothing else: its heartbeats to a's node keep running, so a streaming link starts on
 * the stream (a node that starts pulls until a's node answered a first heartbeat).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { BrokerJit } from '../../test/harness/index.ts';
import { runGeomeshToEnd } from '../../test/support/cli-process.ts';
import { WanMesh } from '../../test/support/wan-mesh.ts';

export type LinkPath = 'pull' | 'stream';

/**
 * bench:wan's two regions through the WAN proxy (no delay yet), `topic` made in both, every `wan-` topic
 * selected, links streaming, each node on `workers` worker threads; `kafkaJit` of the brokers (default the
 * tests' quick one).
 */
export function startBenchMesh(topic: string, workers: number, kafkaJit?: BrokerJit): Promise<WanMesh> {
  return WanMesh.start({
    mesh: 'benchwan',
    regions: ['a', 'b'],
    topics: [topic],
    topicPattern: 'wan-.*',
    etcdProxied: [],
    delayMs: 0,
    defaults: ['options: { transport: stream }'],
    key: randomBytes(32).toString('hex'),
    nodeArgs: ['--workers', String(workers)],
    ...(kafkaJit && { kafkaJit }),
  });
}

/**
 * `base` (a two-region WanMesh topology) with its links replaced by one link a → b carrying the topics
 * matching `topics` (regexes) on `path`.
 */
export function oneWayTopology(base: string, topics: readonly string[], path: LinkPath): string {
  const at = base.indexOf('\nlinks:\n');
  if (at < 0) throw new Error('the mesh topology has no links section');
  return [
    base.slice(0, at),
    'links:',
    '  - from: a',
    '    to: b',
    `    topics: { include: [${topics.map((t) => `'${t}'`).join(', ')}] }`,
    'defaults:',
    `  options: { transport: ${path} }`,
    '',
  ].join('\n');
}

let versions = 0;

/** Stores a version whose link a → b carries `topics` on `path` in etcd; b's node follows it. */
export async function applyVersion(
  mesh: WanMesh,
  topics: readonly string[],
  path: LinkPath,
): Promise<string> {
  const file = join(mesh.dir, `version-${++versions}.yaml`);
  writeFileSync(file, oneWayTopology(readBase(mesh), topics, path));
  const out = await runGeomeshToEnd(['topology', 'apply', file], {
    GEOMESH_PROVENANCE_KEY: mesh.options.key,
  });
  if (out.code !== 0)
    throw new Error(`geomesh topology apply ${file} exited with ${out.code}:\n${out.stderr}`);
  return file;
}

function readBase(mesh: WanMesh): string {
  return readFileSync(mesh.topologyFile, 'utf8');
}

/**
 * Restarts both nodes one way: a's on a file whose link carries every `wan-` topic (what b's streams may
 * ask for), b's following etcd from a version carrying `idleTopic` only.
 */
export async function startOneWay(mesh: WanMesh, idleTopic: string): Promise<void> {
  const aFile = join(mesh.dir, 'one-way-a.yaml');
  writeFileSync(aFile, oneWayTopology(readBase(mesh), ['wan-.*'], 'stream'));
  const version = await applyVersion(mesh, [idleTopic], 'stream');
  await mesh.stopNode('b');
  await mesh.stopNode('a');
  mesh.startNode('a', aFile);
  mesh.startNode('b', version, ['--topology-from', 'etcd']);
  await mesh.waitReady('a');
  await mesh.waitReady('b');
}
