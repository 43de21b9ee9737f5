#!/usr/bin/env node
// Makes a fresh clone ready to run: npm packages (including the pinned Node LTS binary), Apache Kafka jars
// (Maven), etcd (Debian's etcd-server and etcd-client) and Prometheus (Debian's prometheus, for promtool). Runs on any Node >= 18 because it may run before the pinned
// Node is installed; everything after it runs on the pinned Node. Idempotent and quick when all is there.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const log = (line) => console.error(`[bootstrap] ${line}`);

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.error?.code === 'ENOENT') {
    log(`${command} is not installed; it is needed to set up geomesh`);
    process.exit(1);
  }
  if (result.status !== 0) {
    log(`${command} ${args.join(' ')} failed with exit code ${result.status}`);
    process.exit(result.status ?? 1);
  }
}

// 1. npm packages: installed when missing or when package-lock.json changed since the last install.
const lock = join(root, 'package-lock.json');
const installed = join(root, 'node_modules', '.package-lock.json');
const pinnedNode = join(root, 'node_modules', '.bin', 'node');
if (
  !existsSync(installed) ||
  !existsSync(pinnedNode) ||
  statSync(lock).mtimeMs > statSync(installed).mtimeMs
) {
  log('installing npm packages (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}
const wanted = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies.node;
const actual = execFileSync(pinnedNode, ['--version'], { encoding: 'utf8' }).trim();
if (actual !== `v${wanted}`) {
  log(`the pinned Node is ${wanted} but node_modules has ${actual}; reinstalling`);
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

// 2. Kafka jars, etcd and Prometheus, through the harness itself (on the pinned Node, which runs TypeScript).
run(pinnedNode, [join(root, 'scripts', 'setup-servers.ts')]);
