#!/usr/bin/env -S MALLOC_MMAP_THRESHOLD_=131072 node --max-semi-space-size=16
/**
 * Entry point of the `geomesh` command. The first line holds the node's runtime settings, read from there by
 * the `geomesh` launcher too (docs/benchmarks.md, "Memory"):
 * - `--max-semi-space-size=16` caps V8's young generation at 2 × 16 MiB (on a machine with many GiB V8 lets
 *   it grow to 2 × 64 MiB, which a node copying small records fills: about 90 MiB of its peak resident memory,
 *   for no CPU gain). Worker threads have their own, smaller cap (workers/worker-heap.ts).
 * - `MALLOC_MMAP_THRESHOLD_=131072` has glibc map every allocation of 128 KiB or more (a fetch response, a
 *   write's buffer) on its own and give it back to the system when freed. By default glibc raises that
 *   threshold to the largest block freed so far, and blocks below it then come from each thread's heap,
 *   which keeps its highest size: with 2 workers ~45 MiB each.
 *
 * The modules it loads are compiled once and kept in Node's module compile cache (in the system's temporary
 * folder; NODE_COMPILE_CACHE names another, and NODE_DISABLE_COMPILE_CACHE=1 turns it off): a start then
 * takes about 0.6× the time. The CLI is imported after the cache is on, or its modules would load before it.
 * This file is JavaScript so that a start whose modules are all cached loads no TypeScript type stripper
 * (~17 MiB resident in every thread that loads it; docs/benchmarks.md, "Sixth round").
 */
import { enableCompileCache } from 'node:module';

const cache = enableCompileCache();
// Worker threads use the cache when the environment names it (enabling it here does not reach them): a worker
// whose modules are all cached never loads TypeScript's type stripper, ~17 MiB resident per thread.
if (cache.directory && process.env.NODE_COMPILE_CACHE === undefined)
  process.env.NODE_COMPILE_CACHE = cache.directory;
const { runCli } = await import('./index.ts');

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
});
