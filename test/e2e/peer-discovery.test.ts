/**
 * Peer discovery end to end, on a real etcd and real Kafka: the node of west (a RegionSupervisor in this
 * process) calls east's node at the oldest live instance east registered in etcd, not at the topology's
 * `node.grpc` (a decoy server here); it follows joins and leaves, falls back to the topology address when
 * east has no live instance or etcd is down, and comes back when etcd does. Its heartbeats' last answers show
 * in GetStatus (`peers`) and in the metrics. The east "instances" are Peer servers on loopback registered
 * in etcd by the test.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { EtcdCoordinator } from '../../node/coordination/index.ts';
import type { MemberRegistration } from '../../node/coordination-ports/index.ts';
import {
  RpcServer,
  createOperatorClient,
  type PingRequest,
  type PingResponse,
} from '../../node/rpc/index.ts';
import type { PeerStatus } from '../../node/status/index.ts';
import { compileNodeConfig } from '../../node/config/index.ts';
import { RegionSupervisor, openEtcdSession } from '../../node/supervisor/index.ts';
import { compileTopology } from '../../topology/index.ts';
import { TestEnvironment, freePort } from '../harness/index.ts';
import { startCoordinator, uniqueMesh } from '../integration/coordination/coordination-support.ts';
import { pollUntil } from '../support/polling.ts';
import { testLogger } from '../support/test-logger.ts';
import { E2E_WORKERS } from '../support/e2e-workers.ts';
import { fakeHandlers } from '../unit/node/rpc/fixtures.ts';

const LINK = {
  fromRegion: 'west',
  state: 'running',
  lagRecords: 7,
  recordsPerSecond: 3.5,
  haltedPartitions: 0,
};

/** A Peer server on a free loopback port that answers pings as instance `id` of east and counts them. */
async function eastInstance(id: string) {
  const pings: PingRequest[] = [];
  const fakes = fakeHandlers({
    ping: (request) => {
      pings.push(request);
      const answer: PingResponse = {
        region: 'east',
        instance: id,
        version: '0.1.0',
        nodeState: 'running',
        links: [LINK],
      };
      return Promise.resolve(answer);
    },
  });
  const server = new RpcServer({
    address: '127.0.0.1:0',
    transport: { mode: 'insecure' },
    operator: fakes.operator,
    peer: fakes.peer,
    logger: testLogger(),
  });
  const address = await server.start();
  return { id, address, pings, stop: () => server.stop(AbortSignal.abort()) };
}

type EastInstance = Awaited<ReturnType<typeof eastInstance>>;

describe('peer discovery from etcd (real etcd, real Kafka, west node in process)', () => {
  let env: TestEnvironment;
  let coordinator: EtcdCoordinator;
  let west: RegionSupervisor;
  let session: ReturnType<typeof openEtcdSession> | undefined;
  const servers: EastInstance[] = [];
  const registrations = new Map<string, MemberRegistration>();
  let decoy: EastInstance;
  const mesh = uniqueMesh('discovery');

  /** West's view of east, once `isDone` holds (fails with the last view after the timeout). */
  async function eastSeenByWest(isDone: (p: PeerStatus) => boolean, timeoutMs = 30_000): Promise<PeerStatus> {
    const view = await pollUntil(
      () => Promise.resolve(west.status()!.peers.find((p) => p.region === 'east')!),
      isDone,
      timeoutMs,
    );
    assert.ok(isDone(view), `west's view of east: ${JSON.stringify(view)}`);
    return view;
  }

  /** Registers `instance` as a node of east in etcd, as a geomesh node would. */
  const register = (instance: EastInstance, ttlMs = 10_000): Promise<MemberRegistration> =>
    coordinator.register(
      {
        region: 'east',
        id: instance.id,
        address: instance.address,
        version: '0.1.0',
        startedAt: new Date().toISOString(),
      },
      { ttlMs },
    );

  /** Pings `instance` receives from now on within `ms`. */
  async function pingsWithin(instance: EastInstance, ms: number): Promise<number> {
    const before = instance.pings.length;
    await new Promise((r) => setTimeout(r, ms));
    return instance.pings.length - before;
  }

  before(async () => {
    env = await TestEnvironment.start({ kafka: ['east', 'west'], etcd: true });
    decoy = await eastInstance('decoy');
    servers.push(decoy);
    const [grpc, http] = [await freePort(), await freePort()];
    const cluster = (r: string) => env.cluster(r).bootstrapServers[0]!;
    const config = compileTopology(
      [
        `mesh: ${mesh}`,
        `etcd: { endpoints: ['${env.etcd!.endpoints[0]!}'] }`,
        "provenance: { key: '${GEOMESH_PROVENANCE_KEY}' }",
        'regions:',
        // east's node.grpc is the decoy: west calls it only when etcd lists no live instance of east.
        `  east: { kafka: { brokers: ['${cluster('east')}'] }, node: { grpc: '${decoy.address}', http: '127.0.0.1:1' } }`,
        `  west: { kafka: { brokers: ['${cluster('west')}'] }, node: { grpc: '127.0.0.1:${grpc}', http: '127.0.0.1:${http}' } }`,
        'links:',
        "  - { from: east, to: west, topics: { include: ['orders-.*'] } }",
        '',
      ].join('\n'),
      { file: 'discovery.yaml', env: { GEOMESH_PROVENANCE_KEY: randomBytes(32).toString('hex') } },
    );
    coordinator = await startCoordinator(env, mesh);
    // The process's one etcd session, as `geomesh node` opens it (retrying while etcd is down).
    session = openEtcdSession(config, testLogger());
    session.start();
    west = new RegionSupervisor({
      config,
      node: compileNodeConfig(config, 'west', { peerHeartbeatMs: 300, workers: E2E_WORKERS }),
      coordination: session,
      logger: testLogger(),
      http: { host: '127.0.0.1', port: http },
      instanceId: 'west-1',
    });
  });

  after(async () => {
    await west?.stop();
    await session?.stop();
    await coordinator?.stop();
    await Promise.all(servers.map((s) => s.stop()));
    await env?.stop();
  });

  it('calls the registered instance, not the topology address; GetStatus and the metrics show it', async () => {
    const first = await eastInstance('east-1');
    servers.push(first);
    registrations.set(first.id, await register(first));
    await west.start();

    const seen = await eastSeenByWest((p) => p.isUp && p.instance === 'east-1');
    assert.equal(seen.address, first.address);
    assert.notEqual(seen.address, decoy.address);
    assert.equal(seen.addressSource, 'etcd');
    assert.deepEqual(seen.links, [LINK]);
    assert.ok(first.pings.some((p) => p.region === 'west' && p.instance === 'west-1'));
    assert.equal(await pingsWithin(decoy, 1_500), 0, 'the topology address is not called');

    // Operators see it through GetStatus.
    const operator = createOperatorClient(west.grpcAddress!, { transport: { mode: 'insecure' } });
    try {
      const { node } = await operator.getStatus({});
      const east = node.peers.find((p) => p.region === 'east')!;
      assert.deepEqual([east.address, east.addressSource, east.instance], [first.address, 'etcd', 'east-1']);
    } finally {
      operator.close();
    }
    const metrics = await (await fetch(`http://${west.node!.httpAddress}/metrics`)).text();
    assert.match(metrics, /geomesh_peer_up\{peer="east"\} 1/);
    assert.match(metrics, /geomesh_peer_address_from_etcd\{peer="east"\} 1/);
    assert.match(metrics, /geomesh_peer_link_lag_records\{from="west",to="east"\} 7/);
  });

  it('keeps the oldest instance when a newer one joins, moves to the next when it leaves, then to the topology', async () => {
    const [first] = servers.filter((s) => s.id === 'east-1');
    const second = await eastInstance('east-2');
    servers.push(second);
    const secondRegistration = await register(second);
    assert.equal(
      await pingsWithin(second, 1_500),
      0,
      'the newer instance is not called while the oldest lives',
    );

    await registrations.get('east-1')!.deregister();
    const moved = await eastSeenByWest((p) => p.isUp && p.instance === 'east-2');
    assert.deepEqual([moved.address, moved.addressSource], [second.address, 'etcd']);
    assert.equal(await pingsWithin(first!, 1_000), 0);

    await secondRegistration.deregister();
    const fallback = await eastSeenByWest((p) => p.isUp && p.instance === 'decoy');
    assert.deepEqual([fallback.address, fallback.addressSource], [decoy.address, 'topology']);
    assert.ok((await pingsWithin(decoy, 1_000)) > 0);
  });

  it('etcd down: the topology address; etcd back: the registered instance again', async () => {
    const third = await eastInstance('east-3');
    servers.push(third);
    // A TTL longer than the outage: etcd keeps the registration across its restart.
    await register(third, 60_000);
    await eastSeenByWest((p) => p.isUp && p.instance === 'east-3');

    await env.etcd!.kill();
    const during = await eastSeenByWest((p) => p.addressSource === 'topology' && p.instance === 'decoy');
    assert.equal(during.address, decoy.address);
    assert.equal(await pingsWithin(third, 1_000), 0);

    await env.etcd!.restart();
    const back = await eastSeenByWest((p) => p.addressSource === 'etcd' && p.instance === 'east-3', 60_000);
    assert.equal(back.address, third.address);
  });
});
