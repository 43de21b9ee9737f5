/**
 * What a node promotes to V8's old generation, by where it was allocated: loaded into a node with
 * `npm run bench:mirrormaker -- --contenders geomesh --node-args=--import=$PWD/scripts/bench/promoted-allocations.ts`
 * (or `node --import=… node/cli/bin.mjs node …`). It runs V8's sampling heap profiler over the inspector with
 * objects collected by a major GC kept and those collected by a minor GC left out: what remains is what
 * outlived a young-generation collection (promoted), live or not. Every 2 s it writes the 40 largest
 * allocation sites (four frames each) to `promoted-PID.txt` in GEOMESH_PROMOTED_DIR (default the system's
 * temporary folder) and says where on standard error once. The main thread only; profiling costs CPU, so the
 * figures of such a run are not comparable (docs/benchmarks.md, "Memory").
 */
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

function frameOf(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  return `${functionName || '(anonymous)'} ${url.replace(/^.*\//, '')}:${lineNumber + 1}`;
}

async function start(): Promise<void> {
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: false,
  });
  const dir = process.env['GEOMESH_PROMOTED_DIR'] ?? tmpdir();
  const out = join(dir, `promoted-${process.pid}.txt`);
  try {
    writeFileSync(out, 'no profile yet\n');
  } catch (err) {
    // Said before the node starts, not lost in a timer: a profile nobody can read is no profile.
    throw new Error(
      `promoted-allocations: cannot write ${out} (${(err as Error).message}): set GEOMESH_PROMOTED_DIR to a writable folder`,
      { cause: err },
    );
  }
  process.stderr.write(`promoted-allocations: writing ${out} every 2 s\n`);
  const write = async (): Promise<void> => {
    const { profile } = (await session.post('HeapProfiler.getSamplingProfile')) as {
      profile: { head: ProfileNode };
    };
    const sites = new Map<string, number>();
    const walk = (node: ProfileNode, stack: readonly string[]): void => {
      const here = [frameOf(node), ...stack].slice(0, 4);
      if (node.selfSize > 0) {
        const key = here.join(' < ');
        sites.set(key, (sites.get(key) ?? 0) + node.selfSize);
      }
      for (const child of node.children) walk(child, here);
    };
    walk(profile.head, []);
    const mib = (n: number): string => (n / 1_048_576).toFixed(1).padStart(7);
    const total = [...sites.values()].reduce((a, b) => a + b, 0);
    const top = [...sites].sort((a, b) => b[1] - a[1]).slice(0, 40);
    writeFileSync(
      out,
      `${mib(total)} MiB promoted in all\n${top.map(([k, v]) => `${mib(v)} MiB  ${k}`).join('\n')}\n`,
    );
  };
  setInterval(() => void write().catch(() => undefined), 2_000).unref();
}

if (isMainThread) await start();
