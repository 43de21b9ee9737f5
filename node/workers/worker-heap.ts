/**
 * The V8 heap limits of a worker thread. A worker copying records allocates fast, and V8 lets a heap's young
 * generation grow to its most (2 × 16 MiB under the main thread's `--max-semi-space-size=16`, bin.mjs' first
 * line) and keeps it: with 2 workers, 96 MiB of a node's peak resident memory were three young generations.
 * A worker's semi-space is capped on its own (NODE_DEFAULTS.workerSemiSpaceMiB) through `resourceLimits`.
 */
import { setFlagsFromString } from 'node:v8';
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
