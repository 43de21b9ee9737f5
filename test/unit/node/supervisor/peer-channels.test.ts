/**
 * PeerChannels against real gRPC servers on loopback: heartbeats go to the address the directory gives,
 * switch when it changes, and keep each peer's last answer (links, lag, rate) for the status and metrics.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { Registry } from 'prom-client';
import { RpcServer, type PingRequest, type PingResponse } from '../../../../node/rpc/index.ts';
import type { PeerAddress } from '../../../../node/supervisor/peer-directory.ts';
import { PeerChannels } from '../../../../node/supervisor/peer-channels.ts';
import { compileTopology } from '../../../../topology/index.ts';
import { waitFor } from '../../../support/polling.ts';
import { testLogger } from '../../../support/test-logger.ts';
import { fakeHandlers } from '../rpc/fixtures.ts';

/** A Peer service on a free loopback port answering pings as `instance` of east; records the pings. */
async function peerNode(t: TestContext, instance: string, links: PingResponse['links'] = []) {
  const pings: PingRequest[] = [];
  const fakes = fakeHandlers({
    ping: (request) => {
      pings.push(request);
      return Promise.resolve({ region: 'east', instance, version: '0.1.0', nodeState: 'running', links });
    },
  });
  const server = new RpcServer({
    address: '127.0.0.1:0',
    transport: { mode: 'insecure' },
    operator: fakes.operator,
    peer: fakes.peer,
    logger: testLogger(),
  });
  t.after(() => server.stop(AbortSignal.abort()));
  const address = await server.start();
  return { address, pings, stop: () => server.stop(AbortSignal.abort()) };
}

function topology(eastGrpc: string, eastAdvertise?: string) {
  return compileTopology(
    [
      'mesh: unit',
      "etcd: { endpoints: ['http://127.0.0.1:1'] }",
      "provenance: { key: '${GEOMESH_PROVENANCE_KEY}' }",
      'regions:',
      `  east: { kafka: { brokers: ['127.0.0.1:1'] }, node: { grpc: '${eastGrpc}', http: '127.0.0.1:9001'${eastAdvertise ? `, advertise: '${eastAdvertise}'` : ''} } }`,
      "  west: { kafka: { brokers: ['127.0.0.1:2'] }, node: { grpc: '127.0.0.1:7002', http: '127.0.0.1:9002' } }",
      'links:',
      '  - { from: west, to: east, topics: { include: [orders] } }',
      '',
    ].join('\n'),
    { file: 'unit.yaml', env: { GEOMESH_PROVENANCE_KEY: '0123456789abcdef0123456789abcdef' } },
  );
}

/** A directory whose answer the test sets. */
function fakeDirectory(initial: PeerAddress) {
  const state = { address: initial, isStarted: false, isStopped: false };
  return {
    state,
    start: () => void (state.isStarted = true),
    stop: () => {
      state.isStopped = true;
      return Promise.resolve();
    },
    address: (_region: string, fallback: string): PeerAddress =>
      state.address.source === 'topology' ? { ...state.address, address: fallback } : state.address,
  };
}

/** West's channels without a directory (every peer at its topology address), stopped after the test. */
function westWithoutDirectory(t: TestContext, config: ReturnType<typeof topology>): PeerChannels {
  const channels = new PeerChannels({
    config,
    region: 'west',
    instance: 'west-node',
    logger: testLogger(),
    transport: { mode: 'insecure' },
    peerTimeoutMs: 1_000,
    heartbeatMs: 60_000,
  });
  t.after(() => channels.stop());
  return channels;
}

const until = (what: string, isDone: () => boolean) =>
  waitFor(isDone, { timeoutMs: 5_000, intervalMs: 10, what });

describe('PeerChannels', () => {
  it('pings the registered instance rather than the topology address, follows a change, keeps the last answer', async (t) => {
    const decoy = await peerNode(t, 'decoy'); // the topology's node.grpc of east
    const links = [
      { fromRegion: 'west', state: 'running', lagRecords: 42, recordsPerSecond: 12.5, haltedPartitions: 1 },
    ];
    const first = await peerNode(t, 'east-1', links);
    const second = await peerNode(t, 'east-2');
    const directory = fakeDirectory({ address: first.address, source: 'etcd', instance: 'east-1' });
    const registry = new Registry();
    const channels = new PeerChannels({
      config: topology(decoy.address),
      region: 'west',
      instance: 'west-node',
      logger: testLogger(),
      transport: { mode: 'insecure' },
      peerTimeoutMs: 1_000,
      heartbeatMs: 50,
      directory,
    });
    t.after(() => channels.stop());
    assert.deepEqual(channels.regions, ['east']);
    channels.startDiscovery();
    assert.equal(directory.state.isStarted, true);
    // Before any beat: the address and no answer.
    assert.deepEqual(channels.statuses(), [
      {
        region: 'east',
        address: first.address,
        addressSource: 'etcd',
        isUp: false,
        roundTripMs: -1,
        lastAnswerAgeMs: -1,
        error: '',
        instance: '',
        version: '',
        nodeState: '',
        links: [],
      },
    ]);

    channels.startHeartbeats(registry);
    await until('an answer from east-1', () => channels.statuses()[0]!.isUp);
    const up = channels.statuses()[0]!;
    assert.equal(up.instance, 'east-1');
    assert.equal(up.nodeState, 'running');
    assert.equal(up.addressSource, 'etcd');
    assert.deepEqual(up.links, links);
    assert.ok(up.roundTripMs >= 0 && up.lastAnswerAgeMs >= 0);
    assert.deepEqual(first.pings[0], {
      region: 'west',
      instance: 'west-node',
      sentAtMs: first.pings[0]!.sentAtMs,
      provenanceKeyId: '',
      acceptedKeyIds: [],
    });
    const metrics = await registry.metrics();
    assert.match(metrics, /geomesh_peer_up\{peer="east"\} 1/);
    assert.match(metrics, /geomesh_peer_address_from_etcd\{peer="east"\} 1/);
    assert.match(metrics, /geomesh_peer_link_lag_records\{from="west",to="east"\} 42/);
    assert.match(metrics, /geomesh_peer_link_records_per_second\{from="west",to="east"\} 12.5/);

    // The directory now names another instance: the next beats go there.
    directory.state.address = { address: second.address, source: 'etcd', instance: 'east-2' };
    await until('an answer from east-2', () => channels.statuses()[0]!.instance === 'east-2');
    assert.equal(channels.statuses()[0]!.address, second.address);
    assert.deepEqual(channels.statuses()[0]!.links, []);
    assert.doesNotMatch(
      await registry.metrics(),
      /geomesh_peer_link_lag_records\{/,
      'east-2 reports no link',
    );

    // No registered instance: the topology address.
    directory.state.address = { address: '', source: 'topology', instance: null };
    await until('an answer from the topology address', () => channels.statuses()[0]!.instance === 'decoy');
    assert.equal(channels.statuses()[0]!.addressSource, 'topology');
    assert.match(await registry.metrics(), /geomesh_peer_address_from_etcd\{peer="east"\} 0/);
    assert.equal(decoy.pings.length > 0, true);

    // The peer stops answering: down, with the error, the last answer kept.
    await decoy.stop();
    await until('the peer down', () => !channels.statuses()[0]!.isUp);
    const down = channels.statuses()[0]!;
    assert.notEqual(down.error, '');
    assert.equal(down.instance, 'decoy');
    assert.match(await registry.metrics(), /geomesh_peer_up\{peer="east"\} 0/);

    await channels.stop();
    assert.equal(directory.state.isStopped, true);
    assert.equal(channels.client('east'), undefined, 'no client once stopped');
    const pingsAtStop = second.pings.length + first.pings.length;
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(second.pings.length + first.pings.length, pingsAtStop, 'no beat after stop');
  });

  it('without a directory every peer is called at its topology address; no client for itself or an unknown region', async (t) => {
    const east = await peerNode(t, 'east-topology');
    const channels = westWithoutDirectory(t, topology(east.address));
    assert.deepEqual(channels.address('east'), { address: east.address, source: 'topology', instance: null });
    assert.equal(channels.client('west'), undefined);
    assert.equal(channels.client('nowhere'), undefined);
    const pong = await channels.client('east')!.ping({ region: 'west', instance: 'w', sentAtMs: 1 });
    assert.equal(pong.instance, 'east-topology');
    assert.equal(
      channels.client('east'),
      channels.client('east'),
      'one channel per peer while its address holds',
    );
  });

  it('calls a peer at its node.advertise (a proxy in front of it) rather than where it listens', async (t) => {
    const east = await peerNode(t, 'east-behind-proxy');
    const channels = westWithoutDirectory(t, topology('127.0.0.1:7003', east.address));
    assert.deepEqual(channels.address('east'), { address: east.address, source: 'topology', instance: null });
    const pong = await channels.client('east')!.ping({ region: 'west', instance: 'w', sentAtMs: 1 });
    assert.equal(pong.instance, 'east-behind-proxy');
  });
});
