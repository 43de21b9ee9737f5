/** Shared helpers of the coordination integration tests: a coordinator on the harness's etcd, bounded polling. */
import { randomBytes } from 'node:crypto';
import { EtcdCoordinator, type CoordinationOptions } from '../../../node/coordination/index.ts';
import { silentLogger } from '../../../node/log/index.ts';
import type { TestEnvironment } from '../../harness/index.ts';

/** A mesh name no other test uses, so every test has its own key prefix `/geomesh/<mesh>/`. */
export function uniqueMesh(label: string): string {
  return `${label}-${randomBytes(4).toString('hex')}`;
}

/** A started coordinator on the environment's etcd; the caller stops it (usually via `t.after`). */
export async function startCoordinator(
  env: TestEnvironment,
  mesh: string,
  overrides: Partial<CoordinationOptions> = {},
): Promise<EtcdCoordinator> {
  const coordinator = new EtcdCoordinator({
    endpoints: env.etcd!.endpoints,
    mesh,
    logger: silentLogger(),
    requestTimeoutMs: 2_000,
    ...overrides,
  });
  await coordinator.start(AbortSignal.timeout(10_000));
  return coordinator;
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs` naming `what`. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}` +
          (lastError ? ` (last error: ${(lastError as Error).message})` : ''),
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Takes the next `count` items of an async iterator, failing after `timeoutMs`. */
export async function take<T>(iterator: AsyncIterator<T>, count: number, timeoutMs = 10_000): Promise<T[]> {
  const items: T[] = [];
  const deadline = AbortSignal.timeout(timeoutMs);
  while (items.length < count) {
    const next = await Promise.race([
      iterator.next(),
      new Promise<never>((_, reject) =>
        deadline.addEventListener(
          'abort',
          () => reject(new Error(`timed out after ${timeoutMs} ms with ${items.length}/${count} items`)),
          { once: true },
        ),
      ),
    ]);
    if (next.done) throw new Error(`iterator ended after ${items.length}/${count} items`);
    items.push(next.value);
  }
  return items;
}
