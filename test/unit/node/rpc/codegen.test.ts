import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const committed = join(root, 'node', 'rpc', 'generated');

/** Every file under `dir`, as relative path → content. */
function tree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(relative(dir, path), readFileSync(path, 'utf8'));
  }
  return new Map([...files].sort(([a], [b]) => a.localeCompare(b)));
}

describe('generated gRPC types (node/rpc/generated)', () => {
  it('are what `npm run proto:gen` writes from proto/ today (run it after changing a .proto file)', (t) => {
    const out = mkdtempSync(join(tmpdir(), 'geomesh-proto-gen-'));
    t.after(() => rmSync(out, { recursive: true, force: true }));
    const result = spawnSync(process.execPath, [join(root, 'scripts', 'generate-proto.ts'), '--out', out], {
      cwd: root,
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, result.stderr);
    const fresh = tree(out);
    const current = tree(committed);
    assert.deepEqual([...current.keys()], [...fresh.keys()], 'the generated file list changed');
    for (const [path, content] of fresh) {
      assert.equal(current.get(path), content, `node/rpc/generated/${path} is stale: run npm run proto:gen`);
    }
    assert.ok(fresh.size > 10);
  });

  it('import each other with .ts extensions and only as types, so Node runs them by type stripping', () => {
    for (const [path, content] of tree(committed)) {
      if (!path.endsWith('.ts')) continue;
      for (const line of content.split('\n').filter((l) => /^import /.test(l))) {
        assert.match(line, /^import type /, `${path}: ${line}`);
        const from = /from '([^']+)'/.exec(line)?.[1] ?? '';
        if (from.startsWith('.')) assert.match(from, /\.ts$/, `${path}: ${line}`);
      }
    }
  });
});
