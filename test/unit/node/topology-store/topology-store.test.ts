import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../../../../node/log/index.ts';
import {
  TOPOLOGY_CURRENT_KEY,
  TopologyStore,
  decodeTopologyRecordV1,
  describeTopologyAgreement,
  encodeTopologyRecordV1,
} from '../../../../node/topology-store/index.ts';
import type { TopologyOptions } from '../../../../topology/index.ts';
import { baseOptions, compile, yamlOf } from '../../topology/fixtures.ts';
import { FakeDocuments } from './fake-documents.ts';

const ENV = {
  EU_WEST_KAFKA_PASSWORD: 'kafka-very-secret',
  GEOMESH_PROVENANCE_KEY: 'provenance-very-secret-0123456789abcdef',
};

function options(compression: 'none' | 'gzip' = 'none'): TopologyOptions {
  const o = baseOptions();
  o.regions['eu-west'] = {
    kafka: {
      brokers: ['10.1.1.10:9092'],
      sasl: { mechanism: 'scram-sha-512', username: 'mesh', password: '${EU_WEST_KAFKA_PASSWORD}' },
    },
  };
  o.links[1] = {
    from: 'us-east',
    to: 'ap-south',
    topics: { include: ['orders-.*'] },
    options: { compression },
  };
  return { ...o, provenance: { key: '${GEOMESH_PROVENANCE_KEY}' } };
}

const v1 = compile(yamlOf(options('none')), ENV);
const v2 = compile(yamlOf(options('gzip')), ENV);

function setup(): { docs: FakeDocuments; store: TopologyStore } {
  const docs = new FakeDocuments();
  const store = new TopologyStore({
    coordination: docs,
    mesh: 'orders',
    logger: silentLogger(),
    now: () => new Date('2025-01-01T00:00:00.000Z'),
  });
  return { docs, store };
}

describe('TopologyStore', () => {
  it('applies the first version under topology/current and its history, without secrets', async () => {
    const { docs, store } = setup();
    const result = await store.apply(v1);
    assert.equal(result.outcome, 'applied');
    assert.equal(result.version, 1);
    assert.equal(result.previousVersion, null);
    assert.equal(result.diff, null);
    assert.deepEqual(docs.writes, ['topology/current', 'topology/versions/1']);
    const stored = decodeTopologyRecordV1(docs.entries.get(TOPOLOGY_CURRENT_KEY)!.value);
    assert.deepEqual(stored, {
      version: 1,
      hash: v1.hash,
      appliedAt: '2025-01-01T00:00:00.000Z',
      canonical: v1.toCanonicalJSON(),
    });
    for (const entry of docs.entries.values()) assert.doesNotMatch(entry.value.toString(), /very-secret/);
    assert.match(stored.canonical, /\$\{GEOMESH_PROVENANCE_KEY\}/);
  });

  it('treats the same content as a no-op and writes nothing', async () => {
    const { docs, store } = setup();
    await store.apply(v1);
    const writes = docs.writes.length;
    const again = await store.apply(
      compile(yamlOf(options('none')), { ...ENV, EU_WEST_KAFKA_PASSWORD: 'rotated' }),
    );
    assert.equal(again.outcome, 'unchanged');
    assert.equal(again.version, 1);
    assert.equal(again.diff?.isEmpty, true);
    assert.equal(docs.writes.length, writes);
  });

  it('applies a change as the next version and returns the diff naming the changed link', async () => {
    const { docs, store } = setup();
    await store.apply(v1);
    const result = await store.apply(v2, { expectedVersion: 1 });
    assert.equal(result.outcome, 'applied');
    assert.equal(result.version, 2);
    assert.equal(result.previousVersion, 1);
    assert.equal(result.previousHash, v1.hash);
    assert.deepEqual(result.diff?.links.changed, [
      { id: 'us-east->ap-south', fields: ['options.compression'] },
    ]);
    assert.equal((await store.current())?.hash, v2.hash);
    assert.deepEqual(
      (await store.history()).map((r) => [r.version, r.hash]),
      [
        [1, v1.hash],
        [2, v2.hash],
      ],
    );
    assert.ok(docs.entries.has('topology/versions/2'));
  });

  it('dry run: reports the version it would become and writes nothing', async () => {
    const { docs, store } = setup();
    await store.apply(v1);
    const writes = docs.writes.length;
    const result = await store.apply(v2, { dryRun: true });
    assert.equal(result.outcome, 'dry-run');
    assert.equal(result.version, 2);
    assert.equal(result.appliedAt, null);
    assert.equal(result.diff?.links.changed.length, 1);
    assert.equal(docs.writes.length, writes);
    assert.equal((await store.current())?.version, 1);
  });

  it('refuses a stale expected version with a clear message and changes nothing', async () => {
    const { docs, store } = setup();
    await store.apply(v1);
    await store.apply(v2);
    const writes = docs.writes.length;
    await assert.rejects(store.apply(v1, { expectedVersion: 1 }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'GEOMESH_TOPOLOGY_CONFLICT');
      assert.equal(
        err.message,
        'topology version 2 is current in etcd but this apply expected 1: re-run `geomesh topology apply` after reviewing `geomesh topology diff`',
      );
      return true;
    });
    await assert.rejects(store.apply(v2, { expectedVersion: 0 }), { code: 'GEOMESH_TOPOLOGY_CONFLICT' });
    assert.equal(docs.writes.length, writes);
  });

  it('loses to a concurrent apply between its read and its write', async () => {
    const { docs, store } = setup();
    await store.apply(v1);
    const winner = { ...decodeTopologyRecordV1(docs.entries.get(TOPOLOGY_CURRENT_KEY)!.value), version: 2 };
    // Another client writes topology/current just before this apply's compare-and-swap (puts of other keys pass).
    const interfere = (key: string): void => {
      if (key === TOPOLOGY_CURRENT_KEY) void docs.put(TOPOLOGY_CURRENT_KEY, encodeTopologyRecordV1(winner));
      else docs.beforePut = interfere;
    };
    docs.beforePut = interfere;
    await assert.rejects(store.apply(v2), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'GEOMESH_TOPOLOGY_CONFLICT');
      assert.match(err.message, /^topology version 2 is current in etcd but this apply expected 1/);
      return true;
    });
    assert.equal((await store.current())?.hash, v1.hash);
  });

  it('refuses a topology of another mesh', async () => {
    const { store } = setup();
    const other = compile(yamlOf({ ...baseOptions(), mesh: 'payments' }));
    await assert.rejects(store.apply(other), { code: 'GEOMESH_CONFIG_INVALID' });
  });

  it('writes a missing history record before replacing its version, and never reuses a version number', async () => {
    const { docs, store } = setup();
    await store.apply(v1);
    await docs.delete('topology/versions/1');
    await store.apply(v2);
    assert.equal((await store.version(1))?.hash, v1.hash);
    await docs.delete(TOPOLOGY_CURRENT_KEY);
    const result = await store.apply(v1);
    assert.equal(result.version, 3);
    assert.equal((await store.findVersionByHash(v2.hash))?.version, 2);
    assert.equal((await store.findVersionByHash(v1.hash))?.version, 3);
  });
});

describe('describeTopologyAgreement', () => {
  const base = { file: 'mesh.yaml', mesh: 'orders', fileHash: 'a'.repeat(64) };
  const current = { version: 4, hash: 'b'.repeat(64), appliedAt: '2025-01-02T00:00:00.000Z' };

  it('same, not in etcd, file older, file not applied', () => {
    assert.equal(
      describeTopologyAgreement({
        ...base,
        current: { ...current, hash: base.fileHash },
        fileRecord: undefined,
      }).status,
      'same',
    );
    const absent = describeTopologyAgreement({ ...base, current: undefined, fileRecord: undefined });
    assert.equal(absent.status, 'not-in-etcd');
    assert.match(absent.message, /run `geomesh topology apply mesh\.yaml`/);
    const older = describeTopologyAgreement({
      ...base,
      current,
      fileRecord: { version: 2, appliedAt: '2025-01-01T00:00:00.000Z' },
    });
    assert.equal(older.status, 'file-older');
    assert.equal(older.fileVersion, 2);
    assert.match(
      older.message,
      /is topology version 2, but etcd's current .* is version 4 .*, which is newer/,
    );
    assert.match(older.message, /--topology-from etcd/);
    const unapplied = describeTopologyAgreement({ ...base, current, fileRecord: undefined });
    assert.equal(unapplied.status, 'file-not-applied');
    assert.match(unapplied.message, /never applied/);
    assert.match(unapplied.message, /geomesh topology apply mesh\.yaml/);
    assert.match(unapplied.message, /--topology-from etcd/);
  });
});
