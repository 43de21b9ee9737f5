#!/usr/bin/env -S node --max-semi-space-size=16
/**
 * Entry point of the `geomesh` command. The Node flags on the first line are the node's runtime settings, read
 * from there by the `geomesh` launcher too: `--max-semi-space-size=16` caps V8's young generation at 2 × 16
 * MiB (on a machine with many GiB V8 lets it grow to 2 × 64 MiB, which a node copying small records fills:
 * about 90 MiB of its peak resident memory, for no CPU gain; docs/benchmarks.md, "Memory"). The modules it loads are compiled once and kept in Node's module
 * compile cache (in the system's temporary folder; NODE_COMPILE_CACHE names another, and
 * NODE_DISABLE_COMPILE_CACHE=1 turns it off): a start then takes about 0.6× the time. The CLI is imported
 * after the cache is on, or its modules would load before it.
 */
import { enableCompileCache } from 'node:module';

enableCompileCache();
const { runCli } = await import('./index.ts');

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
});
