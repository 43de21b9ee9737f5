/**
 * The V8 heap sizes of a node's threads. A worker copying records allocates fast, and V8 lets a heap's young
 * generation grow to its most (2 × 16 MiB under the main thread's `--max-semi-space-size=16`, bin.mjs' first
 * line) and keeps it: with 2 workers, 96 MiB of a node's peak resident memory were three young generations.
 * A worker's semi-space is capped on its own (NODE_DEFAULTS.workerSemiSpaceMiB) through `resourceLimits`; the
 * main thread's, grown while the node loaded its modules, is given back once the workers run (`shrinkMainHeap`).
 */
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { ResourceLimits } from 'node:worker_threads';

/**
 * The `resourceLimits` of a worker whose semi-spaces are at most `semiSpaceMiB` each. V8 reads a
 * `--max-semi-space-size` flag over a heap's own limits when it sets the heap up, so the main thread's flag
 * would hold in every worker: it is cleared here. That touches no heap set up already (the main thread's
 * keeps its size); the next workers' young generations then follow their `resourceLimits`.
 */
export function workerResourceLimits(semiSpaceMiB: number): ResourceLimits {
  if (!Number.isInteger(semiSpaceMiB) || semiSpaceMiB < 1)
    throw new RangeError(`a worker's semi-space is a whole number of MiB, at least 1 (got ${semiSpaceMiB})`);
  setFlagsFromString('--max-semi-space-size=0');
  // A young generation is two semi-spaces and a space for large young objects of the same size.
  return { maxYoungGenerationSizeMb: 3 * semiSpaceMiB };
}

/** The bytes V8 has committed to this thread's young generation (its semi-spaces and young large objects). */
export function youngGenerationBytes(): number {
  return getHeapSpaceStatistics()
    .filter((s) => s.space_name === 'new_space' || s.space_name === 'new_large_object_space')
    .reduce((sum, s) => sum + s.space_size, 0);
}

/**
 * Gives back the young generation this thread grew: V8 grows it while most of what is allocated survives (a
 * node loading its modules: 2 × 16 MiB) and shrinks it only on a collection meant to reduce memory, which a
 * thread that allocates little never sees. Called on the main thread once the data path runs on workers: it
 * then only coordinates, and ~30 MiB of a node's peak resident memory were its idle semi-spaces (with 2
 * workers at 100 B, 275 → 245 MiB; docs/benchmarks.md, "Seventh round"). The collection is V8's on low memory
 * (every heap space compacted, tens of milliseconds once). Node exposes it only through V8's `gc` extension:
 * the flag is set for the one context that takes the function, then cleared, so no later context (a worker)
 * has a `gc` global.
 */
export function shrinkMainHeap(): { beforeMiB: number; afterMiB: number } {
  const before = youngGenerationBytes();
  setFlagsFromString('--expose-gc');
  let gc: (options: object) => void;
  try {
    gc = runInNewContext('gc') as typeof gc;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
  gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  return { beforeMiB: mib(before), afterMiB: mib(youngGenerationBytes()) };
}

function mib(bytes: number): number {
  return Math.round((bytes / 1048576) * 10) / 10;
}
