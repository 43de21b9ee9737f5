import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateTopology, type TopologyConfig } from '../../../../topology/index.ts';
import { etcdSectionKey } from '../../../../node/supervisor/etcd-connection.ts';
import { coordinationOptionsFor } from '../../../../node/coordination/index.ts';
import { silentLogger } from '../../../../node/log/index.ts';
import { EtcdSessions, type OwnedSession } from '../../../../node/supervisor/etcd-sessions.ts';

/** A topology of two regions; `etcd` is its etcd section, `topics` what its link replicates. */
function topology(etcd: string, topics = "['.*']"): TopologyConfig {
  const result = validateTopology(
    [
      'mesh: orders',
      `etcd: ${etcd}`,
      'regions:',
      "  east: { kafka: { brokers: ['127.0.0.1:9092'] }, node: { grpc: '127.0.0.1:7101' } }",
      "  west: { kafka: { brokers: ['127.0.0.1:9093'] }, node: { grpc: '127.0.0.1:7102' } }",
      'links:',
      '  - between: [east, west]',
      `    topics: { include: ${topics} }`,
      '',
    ].join('\n'),
    { file: 'mesh.yaml', env: { ETCD_PASSWORD: 'first-secret', OTHER_PASSWORD: 'second-secret' } },
  );
  assert.ok(result.ok, JSON.stringify(result.diagnostics));
  return result.topology;
}

const LOCAL = "{ endpoints: ['http://127.0.0.1:2379'] }";
const MOVED = "{ endpoints: ['http://127.0.0.1:2479'] }";

/** Sessions that record what happens to them, in order. */
function recorder() {
  const events: string[] = [];
  let made = 0;
  const open = (config: TopologyConfig): OwnedSession => {
    const name = `s${++made}(${config.etcd.endpoints.join(',')})`;
    return {
      state: 'idle',
      lastError: undefined,
      current: () => undefined,
      ready: () => Promise.reject(new Error('not used')),
      start: () => void events.push(`start ${name}`),
      stop: () => {
        events.push(`stop ${name}`);
        return Promise.resolve();
      },
    };
  };
  return { events, sessions: new EtcdSessions({ open, key: etcdSectionKey }) };
}

describe('EtcdSessions: one session per etcd section', () => {
  it('a reload with the same etcd section keeps the open session', async () => {
    const { events, sessions } = recorder();
    const file = topology(LOCAL);
    const first = sessions.for(file);
    const reloaded = sessions.for(topology(LOCAL, "['orders-.*']"));
    assert.equal(reloaded, first);
    await sessions.keepOnly([file, topology(LOCAL, "['orders-.*']")]);
    assert.deepEqual(events, ['start s1(http://127.0.0.1:2379)'], 'opened and started once, never stopped');
    assert.equal(sessions.size, 1);
    await sessions.stop();
    await sessions.stop();
    assert.deepEqual(events, ['start s1(http://127.0.0.1:2379)', 'stop s1(http://127.0.0.1:2379)']);
    assert.throws(() => sessions.for(file), /stopped/);
  });

  it('a version naming another etcd gets a session of its own; the unused one stops once, after its users', async () => {
    const { events, sessions } = recorder();
    const file = topology(LOCAL);
    const root = sessions.for(file);
    const moved = sessions.for(topology(MOVED));
    assert.notEqual(moved, root);
    // The supervisor on the moved etcd stopped; the next version is back on the file's etcd.
    await sessions.keepOnly([file, topology(LOCAL, "['orders-.*']")]);
    assert.equal(sessions.for(topology(LOCAL, "['orders-.*']")), root);
    await sessions.stop();
    assert.deepEqual(events, [
      'start s1(http://127.0.0.1:2379)',
      'start s2(http://127.0.0.1:2479)',
      'stop s2(http://127.0.0.1:2479)',
      'stop s1(http://127.0.0.1:2379)',
    ]);
  });

  it('tells sections apart by endpoints, TLS and credentials, never by the rest; the key holds no secret', () => {
    const withAuth = (password: string) =>
      topology(
        `{ endpoints: ['http://127.0.0.1:2379'], auth: { username: mesh, password: '\${${password}}' } }`,
      );
    assert.equal(etcdSectionKey(topology(LOCAL)), etcdSectionKey(topology(LOCAL, "['orders-.*']")));
    assert.notEqual(etcdSectionKey(topology(LOCAL)), etcdSectionKey(topology(MOVED)));
    assert.notEqual(etcdSectionKey(topology(LOCAL)), etcdSectionKey(withAuth('ETCD_PASSWORD')));
    assert.notEqual(etcdSectionKey(withAuth('ETCD_PASSWORD')), etcdSectionKey(withAuth('OTHER_PASSWORD')));
    assert.doesNotMatch(etcdSectionKey(withAuth('ETCD_PASSWORD')), /first-secret/);
  });

  it("a node's own endpoints (--etcd-endpoints) replace the topology's in the client options and the section", () => {
    const proxy = ['http://127.0.0.1:3379'];
    const config = topology(LOCAL);
    assert.deepEqual(coordinationOptionsFor(config, silentLogger()).endpoints, ['http://127.0.0.1:2379']);
    const options = coordinationOptionsFor(config, silentLogger(), { endpoints: proxy, dialTimeoutMs: 500 });
    assert.deepEqual(options.endpoints, proxy);
    assert.equal(options.dialTimeoutMs, 500);
    assert.equal(etcdSectionKey(config, proxy), etcdSectionKey(topology(LOCAL, "['orders-.*']"), proxy));
    assert.notEqual(etcdSectionKey(config, proxy), etcdSectionKey(config));
    assert.equal(
      etcdSectionKey(topology(MOVED), proxy),
      etcdSectionKey(config, proxy),
      'the topology’s are unused',
    );
  });
});
