/**
 * The project scripts' command line (scripts/script-args.ts): values parsed, `--help` answered, and bad input
 * refused with one line, the usage and exit code 2 (run in a child process, since it exits).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseScriptArgs, usageOf } from '../../../scripts/script-args.ts';

const MODULE = fileURLToPath(new URL('../../../scripts/script-args.ts', import.meta.url));
const OPTIONS = {
  runs: { type: 'string', default: '3' },
  json: { type: 'boolean', default: false },
} as const;

function runScript(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const code =
    `import { parseScriptArgs } from ${JSON.stringify(MODULE)};\n` +
    `const { values } = parseScriptArgs('bench:x', { options: ${JSON.stringify(OPTIONS)} });\n` +
    `console.log(JSON.stringify(values));`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', code, '--', ...args], {
    encoding: 'utf8',
  });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

describe('scripts: parseScriptArgs', () => {
  it('parses the options, with their defaults', () => {
    const { values } = parseScriptArgs('bench:x', { options: OPTIONS, args: ['--runs', '5'] });
    assert.equal(values.runs, '5');
    assert.equal(values.json, false);
  });

  it('writes a usage line per option, with its default', () => {
    const usage = usageOf('bench:x', OPTIONS);
    assert.match(usage, /^usage: bench:x \[options\]/);
    assert.match(usage, /--runs VALUE +\(default 3\)/);
    assert.match(usage, /--json\s*\n/);
    assert.match(usage, /--help +this text/);
    assert.equal(usageOf('bench:x', OPTIONS, 'my usage'), 'my usage');
  });

  it('an unknown flag, or a flag without its value: one line naming it, the usage, exit 2', () => {
    for (const args of [['--nope'], ['--runs']]) {
      const child = runScript(args);
      assert.equal(child.status, 2, child.stderr);
      assert.equal(child.stdout, '');
      assert.match(
        child.stderr,
        /^bench:x: (Unknown option '--nope'|Option '--runs <value>' argument missing)/,
      );
      assert.match(child.stderr, /usage: bench:x/);
      assert.doesNotMatch(child.stderr, /at .*\.ts:\d+/, 'no stack trace');
    }
  });

  it('--help prints the usage and exits 0', () => {
    const child = runScript(['--help']);
    assert.equal(child.status, 0);
    assert.match(child.stdout, /usage: bench:x/);
  });
});
