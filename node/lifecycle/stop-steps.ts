/**
 * Stopping in named steps under one deadline. A composition root stops its components in reverse start order
 * with `runStopSteps`; a component may stop its own parts the same way, and its steps are named under the
 * step that stops it (`region node › links`), so when the deadline passes the error names the innermost steps
 * still running — the one that does not finish — instead of a process that silently stays.
 *
 * A step that throws is logged and the stop goes on with the next (a stop releases what it can). Each step's
 * time is logged at debug level.
 *
 * A step with `graceMs` is waited for that long at most: background work that is safe to drop (a topic
 * refresh, a checkpoint round, a last index flush the next start rebuilds from the log) must not hold a stop
 * while its client retries against a cluster that does not answer. Past its grace the step is logged as
 * abandoned and goes on in the background; the component must make sure it changes nothing after its stop.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { GeomeshError } from '../../base/index.ts';
import { delay } from './delay.ts';
import type { Logger } from '../log/index.ts';

export interface StopStep {
  /** Short and stable: it appears in logs and in the deadline's error (e.g. `gRPC server`). */
  name: string;
  run(): unknown;
  /** Wait at most this long, then abandon the step and go on; default: wait until it ends. */
  graceMs?: number;
}

export interface StopStepsOptions {
  logger: Logger;
  /** What is stopping, for messages (e.g. `node of west`). */
  what: string;
  /** The whole stop's bound; default none (a nested stop runs under its root's deadline). */
  deadlineMs?: number;
}

/** The steps running now, by full path, shared by a root stop and the stops nested in it. */
interface Trace {
  path: readonly string[];
  running: Set<string>;
}

const traces = new AsyncLocalStorage<Trace>();

/** Runs `steps` in order. Rejects with GEOMESH_LIFECYCLE_STOP_TIMEOUT naming the steps still running when
 * `deadlineMs` passes first (they go on in the background; the caller decides, e.g. to exit). */
export async function runStopSteps(steps: readonly StopStep[], options: StopStepsOptions): Promise<void> {
  const parent = traces.getStore();
  const running = parent?.running ?? new Set<string>();
  const base = parent?.path ?? [];
  const done: string[] = [];
  const sequence = (async () => {
    for (const step of steps) {
      const path = [...base, step.name];
      const key = path.join(' › ');
      running.add(key);
      const startedAt = performance.now();
      try {
        const run = traces.run({ path, running }, () => Promise.resolve().then(() => step.run()));
        if (step.graceMs === undefined) await run;
        else if (!(await settlesWithin(run, step.graceMs)))
          options.logger.warn(
            { step: key, graceMs: step.graceMs },
            `${options.what}: stop step "${key}" abandoned after ${step.graceMs} ms; stopping on`,
          );
      } catch (err) {
        options.logger.warn({ err, step: key }, `${options.what}: stop step "${key}" failed; stopping on`);
      } finally {
        running.delete(key);
        options.logger.debug(
          { step: key, ms: Math.round(performance.now() - startedAt) },
          `${options.what}: stop step done`,
        );
      }
      done.push(step.name);
    }
  })();
  if (options.deadlineMs === undefined) return sequence;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const stuck = [...running];
      const notRun = steps
        .map((s) => s.name)
        .filter((n) => !done.includes(n) && !stuck.some((k) => k.endsWith(n)));
      reject(
        new GeomeshError(
          'GEOMESH_LIFECYCLE_STOP_TIMEOUT',
          `${options.what} did not stop within ${options.deadlineMs} ms: ` +
            `still running: ${stuck.map((s) => `"${s}"`).join(', ') || 'none'}` +
            (notRun.length > 0 ? `; not started: ${notRun.join(', ')}` : ''),
          { details: { stuck: stuck.join(', '), done: done.join(', '), notRun: notRun.join(', ') } },
        ),
      );
    }, options.deadlineMs);
  });
  try {
    await Promise.race([sequence, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether `promise` settles (either way) within `ms`; a rejection after that is swallowed. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const settled = new AbortController();
  try {
    return await Promise.race([promise.then(() => true), delay(ms, settled.signal).then(() => false)]);
  } finally {
    settled.abort();
    promise.catch(() => undefined);
  }
}
