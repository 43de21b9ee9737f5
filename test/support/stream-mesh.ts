/**
 * What the record stream's end-to-end tests share over a WanMesh (docs/record-stream.md): a mesh whose links
 * stream, the path a link reports in its node's metrics, and one round of writes checked by the audit.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { metricSum, waitFor } from './polling.ts';
import { WanMesh, Writers, auditConverged } from './wan-mesh.ts';

/** Bound on a link reaching the path asked for: a heartbeat round (5 s) and a retry (10 s), with margin. */
export const PATH_BOUND_MS = 45_000;

/** A mesh of `regions` through WAN proxies at 5 ms each way, every link on `transport: stream`. */
export function startStreamMesh(options: {
  mesh: string;
  regions: readonly string[];
  topics: readonly string[];
  topicPattern: string;
  key: string;
}): Promise<WanMesh> {
  return WanMesh.start({
    ...options,
    etcdProxied: [],
    delayMs: 5,
    defaults: ['options: { transport: stream }'],
  });
}

/** The path the link `from` → `region` is on, by its node's metrics: `stream`, `pull`, or `none` reported. */
export async function linkPathOf(mesh: WanMesh, region: string, from: string): Promise<string> {
  const text = await mesh.metrics(region);
  for (const path of ['stream', 'pull'])
    if (metricSum(text, 'geomesh_link_path{', `from="${from}",to="${region}",path="${path}"`) === 1)
      return path;
  return 'none';
}

/** Waits until the link `from` → `region` is on `path` (PATH_BOUND_MS at most). */
export function waitLinkPath(mesh: WanMesh, region: string, from: string, path: string): Promise<void> {
  return waitFor(async () => (await linkPathOf(mesh, region, from)) === path, {
    timeoutMs: PATH_BOUND_MS,
    intervalMs: 500,
    what: `link ${from} → ${region} on the ${path} path`,
  });
}

/**
 * Writes `records` numbered records of `valueBytes` into `topic` in each of `regions` at once, then waits
 * until every region holds all of them and audits them (each once, in order per origin, none back home).
 */
export async function writeAndAudit(
  mesh: WanMesh,
  topic: string,
  options: { regions: readonly string[]; records: number; valueBytes: number; convergeMs: number },
): Promise<void> {
  const writers = await new Writers(mesh.kafka, topic, {
    regions: options.regions,
    batch: 0,
    intervalMs: 0,
    valueBytes: options.valueBytes,
    isLooping: false,
  }).start();
  for (const r of options.regions) await writers.burst(r, options.records);
  await writers.stop();
  await auditConverged(mesh, writers, options.convergeMs);
}

/** A copy of the mesh's topology whose links pull instead of streaming, written beside it; returns its path. */
export function pullTopologyFile(mesh: WanMesh): string {
  const file = mesh.topologyFile.replace(/\.yaml$/, '-pull.yaml');
  writeFileSync(
    file,
    readFileSync(mesh.topologyFile, 'utf8').replace('transport: stream', 'transport: pull'),
  );
  return file;
}

/** Stops every node of `regions`, starts them again on `file` (default the mesh's topology), waits until ready. */
export async function restartNodes(
  mesh: WanMesh,
  regions: readonly string[],
  file?: string,
  args: readonly string[] = [],
): Promise<void> {
  for (const r of regions) await mesh.stopNode(r);
  for (const r of regions) mesh.startNode(r, file, args);
  for (const r of regions) await mesh.waitReady(r);
}
