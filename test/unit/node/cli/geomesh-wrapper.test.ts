import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../../harness/index.ts';

const run = promisify(execFile);

describe('./geomesh (the CLI on the pinned Node)', () => {
  it('runs the CLI on the pinned Node with nothing on stderr, from any directory', async () => {
    const { version } = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    // A PATH without the pinned Node: the wrapper finds it in node_modules itself.
    const env = { ...process.env, PATH: '/usr/bin:/bin' };
    const { stdout, stderr } = await run(join(PROJECT_ROOT, 'geomesh'), ['--version'], { cwd: '/', env });
    assert.equal(stdout.trim(), version);
    assert.equal(stderr, '');
  });
});
