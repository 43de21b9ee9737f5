/**
 * The topology in a real etcd: apply, versions and diffs, compare-and-swap against stale and concurrent applies,
 * no-op re-applies, a node's watcher across an etcd kill and restart, and `geomesh topology apply | diff | get`
 * run as a child process.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import type { EtcdCoordinator } from '../../../node/coordination/index.ts';
import { isGeomeshError } from '../../../base/index.ts';
import { silentLogger } from '../../../node/log/index.ts';
import {
  TopologyStore,
  compareTopologyWithStore,
  watchTopology,
  type TopologyUpdate,
} from '../../../node/topology-store/index.ts';
import { compileTopology, type TopologyConfig } from '../../../topology/index.ts';
import { TestEnvironment } from '../../harness/index.ts';
import { eventually, startCoordinator, take, uniqueMesh } from '../coordination/coordination-support.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const NODE = `${ROOT}node_modules/.bin/node`;
const BIN = `${ROOT}node/cli/bin.mjs`;
const ENV = { GEOMESH_PROVENANCE_KEY: 'integration-provenance-key-0123456789abcdef' };

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function geomesh(args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      NODE,
      [BIN, ...args],
      { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', ...ENV }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('topology store against a real etcd', () => {
  let env: TestEnvironment;
  let mesh: string;
  let dir: string;
  let applier: EtcdCoordinator;
  let other: EtcdCoordinator;
  let node: EtcdCoordinator;
  let store: TopologyStore;
  const watchStop = new AbortController();
  let updates: AsyncIterator<TopologyUpdate>;

  /** A topology of the test's mesh on the test's etcd: a ⇄ b, with `compression` on a → b, plus `extra` links. */
  function topologyText(compression: string, extraRegion = false): string {
    return stringify({
      mesh,
      etcd: { endpoints: env.etcd!.endpoints },
      provenance: { key: '${GEOMESH_PROVENANCE_KEY}' },
      regions: {
        a: { kafka: { brokers: ['127.0.0.1:19092'] } },
        b: { kafka: { brokers: ['127.0.0.1:29092'] } },
        ...(extraRegion && { c: { kafka: { brokers: ['127.0.0.1:39092'] } } }),
      },
      links: [
        { from: 'a', to: 'b', topics: { include: ['orders-.*'] }, options: { compression } },
        { from: 'b', to: 'a', topics: { include: ['orders-.*'] } },
        ...(extraRegion ? [{ from: 'a', to: 'c', topics: { include: ['orders-.*'] } }] : []),
      ],
    });
  }
  const compiled = (compression: string, extraRegion = false): TopologyConfig =>
    compileTopology(topologyText(compression, extraRegion), { env: ENV });
  function topologyFile(name: string, compression: string, extraRegion = false): string {
    const file = join(dir, name);
    writeFileSync(file, topologyText(compression, extraRegion));
    return file;
  }

  before(async () => {
    env = await TestEnvironment.start({ etcd: true });
    mesh = uniqueMesh('topology');
    dir = mkdtempSync(join(tmpdir(), 'geomesh-topology-store-'));
    applier = await startCoordinator(env, mesh);
    other = await startCoordinator(env, mesh);
    node = await startCoordinator(env, mesh);
    store = new TopologyStore({ coordination: applier, mesh, logger: silentLogger() });
    updates = watchTopology({
      coordination: node,
      env: ENV,
      logger: silentLogger(),
      signal: watchStop.signal,
    })[Symbol.asyncIterator]();
  });

  after(async () => {
    watchStop.abort();
    await updates?.return?.();
    await applier?.stop();
    await other?.stop();
    await node?.stop();
    await env?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('apply v1: the watcher sees it', async () => {
    const v1 = compiled('none');
    const result = await store.apply(v1);
    assert.equal(result.outcome, 'applied');
    assert.equal(result.version, 1);
    const [update] = await take(updates, 1, 20_000);
    assert.equal(update?.version, 1);
    assert.equal(update.hash, v1.hash);
    assert.equal(update.diff, null);
    assert.equal(update.config.provenanceKey?.reveal(), ENV.GEOMESH_PROVENANCE_KEY);
    const stored = await applier.get('topology/current');
    assert.doesNotMatch(stored!.value.toString(), new RegExp(ENV.GEOMESH_PROVENANCE_KEY));
  });

  it('apply v2 with a changed link: the watcher sees v2 and the diff names the link', async () => {
    const result = await store.apply(compiled('gzip'), { expectedVersion: 1 });
    assert.equal(result.outcome, 'applied');
    assert.deepEqual(result.diff?.links.changed, [{ id: 'a->b', fields: ['options.compression'] }]);
    const [update] = await take(updates, 1, 20_000);
    assert.equal(update?.version, 2);
    assert.deepEqual(update.diff?.links.changed, [{ id: 'a->b', fields: ['options.compression'] }]);
    assert.equal(update.config.link('a', 'b')?.options.compression, 'gzip');
  });

  it('an apply with a stale expected version is refused and changes nothing', async () => {
    const before = await applier.get('topology/current');
    await assert.rejects(store.apply(compiled('lz4'), { expectedVersion: 1 }), (err: unknown) => {
      assert.ok(isGeomeshError(err, 'GEOMESH_TOPOLOGY_CONFLICT'), String(err));
      assert.match(err.message, /^topology version 2 is current in etcd but this apply expected 1: /);
      return true;
    });
    const afterwards = await applier.get('topology/current');
    assert.equal(afterwards?.modRevision, before?.modRevision);
    assert.equal(await applier.get('topology/versions/3'), undefined);
  });

  it('of two concurrent applies expecting the same version, exactly one wins', async () => {
    const otherStore = new TopologyStore({ coordination: other, mesh, logger: silentLogger() });
    const results = await Promise.allSettled([
      store.apply(compiled('lz4'), { expectedVersion: 2 }),
      otherStore.apply(compiled('snappy'), { expectedVersion: 2 }),
    ]);
    const applied = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected');
    assert.equal(applied.length, 1, JSON.stringify(results));
    assert.equal(refused.length, 1);
    assert.ok(isGeomeshError(refused[0]?.reason, 'GEOMESH_TOPOLOGY_CONFLICT'), String(refused[0]?.reason));
    const current = await store.current();
    assert.equal(current?.version, 3);
    assert.equal(current.hash, applied[0]?.value.hash);
    const [update] = await take(updates, 1, 20_000);
    assert.equal(update?.version, 3);
    assert.equal(update.hash, current.hash);
  });

  it('re-applying identical content is a no-op', async () => {
    const current = (await store.current())!;
    const same = current.hash === compiled('lz4').hash ? compiled('lz4') : compiled('snappy');
    const before = await applier.get('topology/current');
    const result = await store.apply(same);
    assert.equal(result.outcome, 'unchanged');
    assert.equal(result.version, 3);
    assert.equal(result.diff?.isEmpty, true);
    assert.equal((await applier.get('topology/current'))?.modRevision, before?.modRevision);
  });

  it('a node started with an older file is told etcd is newer, and how to resolve it', async () => {
    const agreement = await compareTopologyWithStore(store, compiled('none'), { file: 'mesh.yaml' });
    assert.equal(agreement.status, 'file-older');
    assert.equal(agreement.fileVersion, 1);
    assert.equal(agreement.currentVersion, 3);
    assert.match(agreement.message, /--topology-from etcd/);
    const unapplied = await compareTopologyWithStore(store, compiled('zstd'), { file: 'mesh.yaml' });
    assert.equal(unapplied.status, 'file-not-applied');
    assert.match(unapplied.message, /geomesh topology apply mesh\.yaml/);
  });

  it('the watcher keeps working across an etcd kill and restart', async (t) => {
    await env.etcd!.kill();
    await env.etcd!.restart();
    const result = await eventually(
      'an apply to succeed after the restart',
      () => store.apply(compiled('zstd'), { expectedVersion: 3 }),
      30_000,
      250,
    );
    t.diagnostic(`applied version ${result.version} after the restart`);
    const [update] = await take(updates, 1, 30_000);
    assert.equal(update?.version, 4);
    assert.equal(update.config.link('a', 'b')?.options.compression, 'zstd');
    assert.deepEqual(
      update.diff?.links.changed.map((c) => c.id),
      ['a->b'],
    );
  });

  it('geomesh topology apply (spawned): exit 0, then exit 3 for a stale --expected-version; --dry-run writes nothing', async () => {
    const v5 = topologyFile('v5.yaml', 'zstd', true);
    const applied = await geomesh(['topology', 'apply', v5]);
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, new RegExp(`^applied: mesh ${mesh} topology version 5 `));
    assert.match(applied.stdout, /region added: c/);
    assert.match(applied.stdout, /link added: a->c/);
    const [update] = await take(updates, 1, 20_000);
    assert.equal(update?.version, 5);

    const v6 = topologyFile('v6.yaml', 'gzip', true);
    const stale = await geomesh(['topology', 'apply', v6, '--expected-version', '4']);
    assert.equal(stale.code, 3, stale.stderr);
    assert.match(
      stale.stderr,
      /topology version 5 is current in etcd but this apply expected 4: re-run `geomesh topology apply` after reviewing `geomesh topology diff`/,
    );
    assert.equal((await store.current())?.version, 5);

    const before = await applier.get('topology/current');
    const dryRun = await geomesh(['topology', 'apply', v6, '--dry-run', '--json']);
    assert.equal(dryRun.code, 0, dryRun.stderr);
    const report = JSON.parse(dryRun.stdout) as {
      outcome: string;
      version: number;
      diff: { links: unknown };
    };
    assert.equal(report.outcome, 'dry-run');
    assert.equal(report.version, 6);
    assert.deepEqual(report.diff.links, {
      added: [],
      removed: [],
      changed: [{ id: 'a->b', fields: ['options.compression'] }],
    });
    assert.equal((await applier.get('topology/current'))?.modRevision, before?.modRevision);
    assert.equal(await applier.get('topology/versions/6'), undefined);

    const again = await geomesh(['topology', 'apply', v5]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^unchanged: /);

    const got = await geomesh([
      'topology',
      'get',
      '--mesh',
      mesh,
      '--etcd',
      ...env.etcd!.endpoints,
      '--json',
    ]);
    assert.equal(got.code, 0, got.stderr);
    const doc = JSON.parse(got.stdout) as { version: number; hash: string; topology: unknown };
    assert.equal(doc.version, 5);
    assert.equal(doc.hash, compiled('zstd', true).hash);
    assert.doesNotMatch(got.stdout, new RegExp(ENV.GEOMESH_PROVENANCE_KEY));
  });

  it('geomesh topology apply (spawned): an invalid file exits 2; an unreachable etcd exits 1 naming the fix', async () => {
    const invalid = join(dir, 'invalid.yaml');
    writeFileSync(invalid, topologyText('brotli'));
    const bad = await geomesh(['topology', 'apply', invalid]);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /invalid\.yaml:\d+:\d+ links\[0\]\.options\.compression/);
    const unreachable = join(dir, 'unreachable.yaml');
    writeFileSync(unreachable, topologyText('none').replace(env.etcd!.endpoints[0]!, 'http://127.0.0.1:9'));
    const down = await geomesh(['topology', 'apply', unreachable]);
    assert.equal(down.code, 1, down.stderr);
    assert.match(
      down.stderr,
      /cannot reach etcd at http:\/\/127\.0\.0\.1:9 .*check that etcd is running and reachable/,
    );
    assert.match(down.stderr, /\[GEOMESH_COORD_UNAVAILABLE\]/);
  });
});
