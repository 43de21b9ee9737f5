/**
 * The benchmark starts `geomesh node` as the `geomesh` command would: with the environment and Node flags of
 * the entry point's first line, read from any checkout (older ones had `bin.ts`, some without `env -S`).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PROJECT_ROOT } from '../../harness/index.ts';
import { findEntryPoint, launchSettings } from '../../../scripts/bench/mirror-contenders.ts';

/** A checkout holding only `node/cli/NAME` with `firstLine`. */
function checkout(name: string, firstLine: string): string {
  const root = mkdtempSync(join(tmpdir(), 'geomesh-launch-'));
  mkdirSync(join(root, 'node', 'cli'), { recursive: true });
  writeFileSync(join(root, 'node', 'cli', name), `${firstLine}\nconsole.log('geomesh');\n`);
  return root;
}

describe('launchSettings', () => {
  it("reads this checkout's entry point: glibc's mmap threshold and the semi-space flag", () => {
    assert.equal(findEntryPoint(PROJECT_ROOT), join(PROJECT_ROOT, 'node', 'cli', 'bin.mjs'));
    assert.deepEqual(launchSettings(PROJECT_ROOT), {
      env: { MALLOC_MMAP_THRESHOLD_: '131072' },
      flags: ['--max-semi-space-size=16'],
    });
  });

  it('reads older entry points: flags only, a bare node, none at all', () => {
    const cases: [string, string, ReturnType<typeof launchSettings>][] = [
      [
        'bin.ts',
        '#!/usr/bin/env -S node --max-semi-space-size=16',
        { env: {}, flags: ['--max-semi-space-size=16'] },
      ],
      ['bin.ts', '#!/usr/bin/env node', { env: {}, flags: [] }],
      ['bin.mjs', '#!/usr/bin/env -S A=1 B= node', { env: { A: '1', B: '' }, flags: [] }],
      ['bin.ts', '// no shebang', { env: {}, flags: [] }],
    ];
    for (const [name, line, expected] of cases) {
      const root = checkout(name, line);
      try {
        assert.deepEqual(launchSettings(root), expected, line);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    }
  });

  it('names no entry point in a folder that is not a checkout', () => {
    const root = mkdtempSync(join(tmpdir(), 'geomesh-launch-'));
    try {
      assert.equal(findEntryPoint(root), undefined);
      assert.throws(() => launchSettings(root), /not a geomesh checkout/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
