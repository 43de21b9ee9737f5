/** Small helpers end-to-end tests share: bounded polling and reading Prometheus text. */

/** Probes every second until `isDone` or `timeoutMs`; returns the last value (the caller asserts on it). */
export async function pollUntil<T>(
  probe: () => Promise<T>,
  isDone: (t: T) => boolean,
  timeoutMs = 90_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  // A probe that fails (e.g. a broker just restarted and has no leader yet) is retried until the deadline.
  const attempt = async (): Promise<T | undefined> => {
    try {
      return await probe();
    } catch (err) {
      if (Date.now() >= deadline) throw err;
      return undefined;
    }
  };
  let value = await attempt();
  while ((value === undefined || !isDone(value)) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1_000));
    value = await attempt();
  }
  return value ?? (await probe());
}

/** The sum of every sample of metric `name` whose line contains `filter` (e.g. `reason="loop"`). */
export function metricSum(text: string, name: string, filter = ''): number {
  return text
    .split('\n')
    .filter((l) => l.startsWith(name) && l.includes(filter))
    .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
}

/** Polls `isDone` every `intervalMs` until true; fails with `what` after `timeoutMs`. */
export async function waitFor(
  isDone: () => boolean | Promise<boolean>,
  options: { timeoutMs: number; intervalMs: number; what: string },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  while (!(await isDone())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what}`);
    await new Promise((r) => setTimeout(r, options.intervalMs));
  }
}

/** Lets `n` turns of the event loop pass (for tests of code that interleaves promises). */
export async function ticks(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
