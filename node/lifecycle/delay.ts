/**
 * The one abortable wait of geomesh: resolves `true` after `ms`, or `false` as soon as `signal` aborts (at
 * once when it already has). It never rejects, so a loop reads `if (!(await delay(ms, signal))) return;`, and
 * its timer never keeps a stopping process alive longer than the signal allows.
 */
export function delay(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
