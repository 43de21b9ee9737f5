/** Small helpers: a promise that gives up on an AbortSignal, and etcd's int64 revisions read. */
import { GeomeshError } from '../../base/index.ts';

/** Settles like `promise`, or rejects with the signal's reason as soon as it aborts (the work itself goes on). */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passes the original through
        reject(err);
      },
    );
  });
}

/** etcd revisions and counters arrive as int64 decimal strings; geomesh uses them as safe integers. */
export function toSafeInteger(value: string | number | null | undefined, what: string): number {
  const n = typeof value === 'number' ? value : Number(value ?? 0);
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new GeomeshError(
      'GEOMESH_INTERNAL_INVARIANT',
      `etcd returned ${what} ${String(value)}, not a safe integer`,
    );
  }
  return n;
}
