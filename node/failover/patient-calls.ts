/**
 * Patience where the operator would be: `geomesh failover` and `geomesh failback` run against a node that is
 * still starting (nothing listens yet: connection refused; or it answers that it is not running) wait for it
 * within the command's `--wait-ms` instead of failing at once, saying on stderr what they wait for. Only a
 * call that never reached a serving node is made again (node/rpc `isNodeNotServing`: nothing was done);
 * any other failure ends the command as before. Progress reads are not waited for (they are best effort).
 */
import { GeomeshError, isGeomeshError } from '../../base/index.ts';
import { NODE_DEFAULTS } from '../config/index.ts';
import { isNodeNotServing } from '../rpc/index.ts';
import type { FailoverCalls } from './operator-calls.ts';

export interface Patience {
  /** How long, from now, the calls may wait for the node (0: not at all). */
  waitMs: number;
  /** What is waited for, for the lines: `west's node at 127.0.0.1:5001`. */
  node: string;
  clock: { now(): number; sleep(ms: number): Promise<void>; pollMs?: number };
  say(line: string): void;
}

/** `calls` whose `failover` and `links` wait for the node within `patience.waitMs` (see the file comment). */
export function patientCalls(calls: FailoverCalls, patience: Patience): FailoverCalls {
  const { clock, node, waitMs } = patience;
  const say = (line: string): void => patience.say(line);
  const deadline = clock.now() + waitMs;
  const pollMs = clock.pollMs ?? NODE_DEFAULTS.failover.nodePollMs;
  let isWaiting = false;
  const patient = async <T>(call: () => Promise<T>): Promise<T> => {
    for (;;) {
      try {
        const result = await call();
        if (isWaiting) say(`${node} answers`);
        isWaiting = false;
        return result;
      } catch (err) {
        if (!isNodeNotServing(err)) throw err;
        const left = deadline - clock.now();
        const why =
          isGeomeshError(err) && err.details['remoteCode'] ? 'not running yet' : 'connection refused';
        if (left <= 0) {
          if (waitMs === 0) throw err;
          const e = err as GeomeshError;
          throw new GeomeshError(
            e.code,
            `${e.message} (${why} for the ${waitMs} ms of --wait-ms: start the node, or wait longer)`,
            { cause: err, details: e.details },
          );
        }
        if (!isWaiting)
          say(`waiting for ${node} (${why}): up to ${Math.ceil(left / 1000)} s more (--wait-ms)`);
        isWaiting = true;
        await clock.sleep(Math.min(left, pollMs));
      }
    }
  };
  return {
    failover: (request) => patient(() => calls.failover(request)),
    links: () => patient(() => calls.links()),
    progress: (id) => calls.progress(id),
  };
}
