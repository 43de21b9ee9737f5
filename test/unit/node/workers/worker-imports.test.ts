/**
 * What a worker thread loads: the data path, not the topology's schema and parser (zod, yaml and topology/,
 * ~9 MiB of heap in every thread that loads them; node/defaults). Checked by loading the worker's entry in a
 * fresh process with a resolve hook that records every module resolved.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const entry = new URL('../../../../node/workers/worker-main.ts', import.meta.url).href;

describe("a worker thread's modules", () => {
  it('leave out the topology package, zod and yaml', async () => {
    const script = `
      import { registerHooks } from 'node:module';
      const seen = [];
      registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); seen.push(r.url); return r; } });
      // Outside a worker thread the entry throws once its imports are loaded: what it loaded is what counts.
      await import(${JSON.stringify(entry)}).catch(() => undefined);
      console.log(JSON.stringify(seen));
    `;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script]);
    const seen = JSON.parse(stdout) as string[];
    assert.ok(
      seen.some((url) => url.endsWith('/node/kafka/index.ts')),
      `the data path was loaded (${seen.length} modules)`,
    );
    const unwanted = seen.filter((url) => /\/topology\/|\/node_modules\/(zod|yaml)\//.test(url));
    assert.deepEqual(unwanted, []);
  });
});
