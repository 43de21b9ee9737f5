#!/usr/bin/env node
/** Entry point of the `geomesh` command. */
import { runCli } from './index.ts';

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
});
