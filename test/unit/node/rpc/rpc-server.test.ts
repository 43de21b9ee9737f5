import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { GeomeshError, isGeomeshError } from '../../../../base/index.ts';
import {
  RpcServer,
  createHealthClient,
  createOperatorClient,
  createPeerClient,
  type Checkpoint,
  type PingResponse,
  type RpcCallContext,
} from '../../../../node/rpc/index.ts';
import { isLoopbackHost } from '../../../../node/rpc/rpc-server.ts';
import { testLogger } from '../../../support/test-logger.ts';
import { BIG, capturingLogger, fakeHandlers, startServer } from './fixtures.ts';

const insecure = { transport: { mode: 'insecure' } } as const;

function handlers() {
  const { operator, peer } = fakeHandlers();
  return { operator, peer };
}

/** Asserts that `promise` rejects with a GeomeshError of `code`; returns it for more checks. */
async function rejectsWith(promise: Promise<unknown>, code: GeomeshError['code']): Promise<GeomeshError> {
  const err = await promise.then(
    () => assert.fail(`expected ${code}, but the call succeeded`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof GeomeshError, `expected a GeomeshError, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  return err;
}

describe('RpcServer and clients: round trips', () => {
  it('carries every field of TranslateOffsets both ways, int64 above 2^32 included', async (t) => {
    const { address, calls } = await startServer(t);
    const client = createOperatorClient(address, insecure);
    t.after(() => client.close());
    const request = {
      group: 'orders-app',
      fromRegion: 'us-east',
      toRegion: 'eu-west',
      topics: ['orders', 'refunds'],
    };
    const response = await client.translateOffsets(request);
    assert.deepEqual(calls[0]?.request, request);
    assert.equal(calls[0]?.context.method, 'geomesh.v1.Operator/TranslateOffsets');
    assert.deepEqual(response, {
      group: 'orders-app',
      fromRegion: 'us-east',
      toRegion: 'eu-west',
      source: 'checkpoint',
      frontierTimeMs: BIG + 1,
      partitions: ['orders', 'refunds'].map((topic, i) => ({
        topic,
        partition: i,
        sourceOffset: BIG + 2,
        targetOffset: BIG + 3,
        frontier: [
          { region: 'us-east', offset: BIG + 4 },
          { region: 'ap-south', offset: -1 },
        ],
        alreadySeen: 7,
        targetLogEnd: BIG + 5,
        notReplicated: [{ region: 'us-east', records: BIG + 10 }],
        notReplicatedCounted: true,
      })),
    });
    assert.equal(typeof response.frontierTimeMs, 'number');
  });

  it('sends the live frontier source too, and empty requests arrive with proto3 defaults', async (t) => {
    const fakes = fakeHandlers({
      translateOffsets: (req) =>
        Promise.resolve({ ...req, source: 'live', frontierTimeMs: 0, partitions: [] }),
    });
    const { address } = await startServer(t, { operator: fakes.operator });
    const client = createOperatorClient(address, insecure);
    t.after(() => client.close());
    const response = await client.translateOffsets({ group: '', fromRegion: '', toRegion: '', topics: [] });
    assert.deepEqual(response, {
      group: '',
      fromRegion: '',
      toRegion: '',
      source: 'live',
      frontierTimeMs: 0,
      partitions: [],
    });
  });

  it('carries every field of GetStatus (int64 above 2^32, a fractional rate, halted partitions)', async (t) => {
    const fakes = fakeHandlers();
    const { address } = await startServer(t, { operator: fakes.operator });
    const client = createOperatorClient(address, insecure);
    t.after(() => client.close());
    const response = await client.getStatus({});
    const call = fakes.calls[0];
    assert.ok(call);
    assert.equal(call.method, 'getStatus');
    assert.equal(call.context.method, 'geomesh.v1.Operator/GetStatus');
    const expected = await fakes.operator.getStatus({}, call.context);
    assert.deepEqual(response, expected);
    assert.equal(response.node.links[0]?.recordsPerSecond, 1234.5);
    assert.equal(response.node.links[0]?.lagRecords, BIG + 12);
    assert.equal(response.node.lastCheckpointAgeMs, -1);
  });

  it('carries the work sharing of GetStatus: state, lease, workers, owned partitions by topic, last error', async (t) => {
    const workSharing = {
      state: 'running',
      leaseTtlMs: BIG + 16,
      isLeaseValid: true,
      workers: ['host-a-12', 'host-b-7'],
      owned: [
        { topic: 'orders', partitions: [0, 2, 4, 2 ** 31 - 1] },
        { topic: 'payments', partitions: [1] },
      ],
      lastError: 'etcd: deadline exceeded',
    };
    const base = fakeHandlers();
    const fakes = fakeHandlers({
      getStatus: async (request, context) => {
        const { node } = await base.operator.getStatus(request, context);
        return { node: { ...node, workSharing } };
      },
    });
    const { address } = await startServer(t, { operator: fakes.operator });
    const client = createOperatorClient(address, insecure);
    t.after(() => client.close());
    const response = await client.getStatus({});
    assert.deepEqual(response.node.workSharing, workSharing);
    const expected = await fakes.operator.getStatus({}, fakes.calls[0]!.context);
    assert.deepEqual(response, expected);
  });

  it('reads the work sharing of a node that sends none (no sharing, or older than the field) as null', async (t) => {
    const base = fakeHandlers();
    const fakes = fakeHandlers({
      // An older node's report: the field does not exist.
      getStatus: async (request, context) => {
        const { workSharing: _absent, ...node } = (await base.operator.getStatus(request, context)).node;
        return { node } as unknown as Awaited<ReturnType<typeof base.operator.getStatus>>;
      },
    });
    const { address } = await startServer(t, { operator: fakes.operator });
    const client = createOperatorClient(address, insecure);
    t.after(() => client.close());
    const response = await client.getStatus({});
    assert.equal(response.node.workSharing, null);
    assert.equal(response.node.indexRuns, 42);
  });

  it('carries Failover both ways: outcomes, an absent translation, the frontier source, the region state', async (t) => {
    const fakes = fakeHandlers();
    const { address } = await startServer(t, { operator: fakes.operator });
    const client = createOperatorClient(address, insecure);
    t.after(() => client.close());
    const request = {
      fromRegion: 'us-east',
      toRegion: 'eu-west',
      groups: ['billing', 'audit'],
      dryRun: false,
      failback: '',
    };
    const response = await client.failover(request);
    // A request of a caller older than group selection arrives with the new fields empty: names as before.
    assert.deepEqual(fakes.calls[0]?.request, {
      ...request,
      groupPatterns: [],
      excludeGroupPatterns: [],
      progressId: '',
      parallelGroups: 0,
    });
    const expected = await fakes.operator.failover(request, fakes.calls[0].context);
    assert.deepEqual(response, expected);
    assert.equal(response.groups[0]?.translation?.source, 'live');
    assert.equal(response.groups[0]?.translation?.partitions[0]?.targetOffset, BIG + 22);
    assert.equal(response.groups[1]?.translation, undefined);
    assert.equal(response.groups[0]?.translation?.sourceActiveMembers, 2, 'the members in the source travel');
    assert.equal(response.groups[1]?.outcome, 'refused');
    // The operation in etcd, whether the call resumed it, and the groups an earlier call committed.
    assert.equal(response.operation, '20260101T000000Z-0a0b0c0d');
    assert.equal(response.resumed, true);
    assert.deepEqual(
      response.groups.map((g) => g.committedEarlier),
      [true, false],
    );
    assert.deepEqual(response.regionState, {
      region: 'us-east',
      state: 'failed-over',
      toRegion: 'eu-west',
      groups: ['audit', 'billing'],
      since: '2026-01-01T00:00:00.000Z',
      operation: 'op-1',
    });
    assert.equal(response.regionStateError, '');
    // The failback step travels; no region state (a dry run, or a node older than the field) arrives as null.
    const back = await client.failover({ ...request, dryRun: true, failback: 'finish' });
    assert.equal((fakes.calls[2]?.request as { failback?: string } | undefined)?.failback, 'finish');
    assert.equal(back.regionState, null);
    assert.equal(back.regionStateError, 'etcd did not answer');
    // Selection by pattern and the progress id travel; the progress answers for it.
    const selecting = {
      ...request,
      groups: [],
      groupPatterns: ['billing-.*'],
      excludeGroupPatterns: ['.*-test'],
      progressId: 'p-1',
      parallelGroups: 4,
    };
    await client.failover(selecting);
    assert.deepEqual(fakes.calls.at(-1)?.request, selecting);
    assert.deepEqual(await client.getFailoverProgress({ progressId: 'p-1' }), {
      progressId: 'p-1',
      phase: 'done',
      total: 2,
      translated: 2,
      committed: 1,
      refused: 1,
    });
  });

  it('refuses a GetStatus answer without its node (a broken contract) with GEOMESH_RPC_INTERNAL', async (t) => {
    const fakes = fakeHandlers({
      getStatus: () =>
        Promise.resolve({ node: null } as unknown as Awaited<ReturnType<typeof fakes.operator.getStatus>>),
    });
    const { address } = await startServer(t, { operator: fakes.operator });
    const client = createOperatorClient(address, insecure);
    t.after(() => client.close());
    await rejectsWith(client.getStatus({}), 'GEOMESH_RPC_INTERNAL');
  });

  it('carries every Peer RPC both ways', async (t) => {
    const { address, calls } = await startServer(t);
    const client = createPeerClient(address, insecure);
    t.after(() => client.close());

    assert.deepEqual(await client.listGroups({}), { region: 'eu-west', groups: ['audit', 'billing'] });
    const frontiers = await client.getFrontiers({ group: 'g1', topics: ['orders'] });
    assert.deepEqual(calls.at(-1)?.request, { group: 'g1', topics: ['orders'] });
    assert.deepEqual(frontiers, {
      region: 'eu-west',
      computedAtMs: BIG + 6,
      partitions: [
        {
          topic: 'orders',
          partition: 2,
          committedOffset: BIG + 7,
          frontier: [{ region: 'us-east', offset: BIG + 8 }],
          unconsumed: [{ region: 'us-east', fromOffset: BIG + 9, toOffset: BIG + 10, records: 2 }],
          unconsumedCounted: true,
        },
      ],
      activeMembers: 3,
      activeMembersKnown: true,
    });

    const seekRequest = {
      partitions: [
        {
          topic: 'orders',
          partition: 5,
          committedOffset: BIG,
          frontier: [
            { region: 'us-east', offset: BIG - 1 },
            { region: 'eu-west', offset: -1 },
          ],
          unconsumed: [{ region: 'us-east', fromOffset: BIG, toOffset: BIG + 4, records: 5 }],
          unconsumedCounted: true,
        },
      ],
    };
    const seek = await client.seek(seekRequest);
    assert.deepEqual(calls.at(-1)?.request, seekRequest);
    assert.deepEqual(seek, {
      region: 'eu-west',
      partitions: [
        {
          topic: 'orders',
          partition: 5,
          offset: BIG + 1,
          alreadySeen: 2,
          logEnd: BIG + 9,
          missing: [{ region: 'us-east', records: 4 }],
          missingCounted: true,
        },
      ],
    });
    // A caller older than the counts: they arrive empty, not counted, and none are answered.
    const { unconsumed: _u, unconsumedCounted: _c, ...older } = seekRequest.partitions[0]!;
    const olderSeek = await client.seek({ partitions: [older] });
    assert.deepEqual(calls.at(-1)?.request, {
      partitions: [{ ...older, unconsumed: [], unconsumedCounted: false }],
    });
    assert.deepEqual(olderSeek.partitions[0]?.missing, []);
    assert.equal(olderSeek.partitions[0]?.missingCounted, false);

    const checkpoints: Checkpoint[] = [
      { region: 'us-east', group: 'g1', computedAtMs: BIG, partitions: seekRequest.partitions },
      { region: 'us-east', group: 'g2', computedAtMs: BIG + 1, partitions: [] },
    ];
    const pushed = await client.pushCheckpoints({ fromRegion: 'us-east', checkpoints });
    assert.deepEqual(calls.at(-1)?.request, { fromRegion: 'us-east', checkpoints });
    assert.deepEqual(pushed, { accepted: 2 });

    const sentAtMs = Date.now();
    const pong = await client.ping({ region: 'us-east', instance: 'node-1', sentAtMs });
    // Fields a caller leaves out arrive as their defaults.
    assert.deepEqual(calls.at(-1)?.request, {
      region: 'us-east',
      instance: 'node-1',
      sentAtMs,
      provenanceKeyId: '',
      acceptedKeyIds: [],
    });
    assert.deepEqual(pong, {
      region: 'eu-west',
      instance: 'pong-node-1',
      version: '0.1.0',
      nodeState: 'running',
      provenanceKeyId: '1ff09dad29019f7c',
      acceptedKeyIds: ['1ff09dad29019f7c', '48caed08c12c85fa'],
      links: [
        {
          fromRegion: 'us-east',
          state: 'running',
          lagRecords: BIG + 16,
          recordsPerSecond: 12.5,
          haltedPartitions: 1,
        },
      ],
    });
  });

  it('Ping from a node older than the heartbeat fields: the caller reads state "" and no links', async (t) => {
    const fakes = fakeHandlers({
      // What an older node answers: region, instance and version only.
      ping: () => Promise.resolve({ region: 'eu-west', instance: 'old', version: '0.0.9' } as PingResponse),
    });
    const { address } = await startServer(t, { peer: fakes.peer });
    const client = createPeerClient(address, insecure);
    t.after(() => client.close());
    const pong = await client.ping({ region: 'us-east', instance: 'node-1', sentAtMs: 1 });
    assert.deepEqual(pong, {
      region: 'eu-west',
      instance: 'old',
      version: '0.0.9',
      nodeState: '',
      links: [],
      provenanceKeyId: '',
      acceptedKeyIds: [],
    });
  });

  it('gives handlers a context: method, peer address, deadline, caller, live signal', async (t) => {
    const { address, calls } = await startServer(t);
    const client = createPeerClient(address, insecure);
    t.after(() => client.close());
    const before = Date.now();
    await client.ping({ region: 'a', instance: 'b', sentAtMs: 1 }, { timeoutMs: 5_000 });
    const context = calls[0]?.context as RpcCallContext;
    assert.equal(context.method, 'geomesh.v1.Peer/Ping');
    assert.match(context.peerAddress, /^127\.0\.0\.1:\d+$/);
    assert.ok(
      context.deadlineMs !== undefined && context.deadlineMs >= before + 4_000,
      String(context.deadlineMs),
    );
    assert.deepEqual(context.caller, { certificateIdentities: [], hasValidToken: false });
    assert.equal(context.signal.aborted, false);
  });
});

describe('RpcServer: health checking', () => {
  it('reports SERVING for the server and both services once started, NOT_SERVING when told', async (t) => {
    const { server, address } = await startServer(t);
    const health = createHealthClient(address, insecure);
    t.after(() => health.close());
    assert.equal(await health.check(), 'SERVING');
    assert.equal(await health.check('geomesh.v1.Operator'), 'SERVING');
    assert.equal(await health.check('geomesh.v1.Peer'), 'SERVING');
    server.setServingStatus('NOT_SERVING', 'geomesh.v1.Peer');
    assert.equal(await health.check('geomesh.v1.Peer'), 'NOT_SERVING');
    assert.equal(await health.check(), 'SERVING');
    const err = await rejectsWith(health.check('no.such.Service'), 'GEOMESH_RPC_NOT_FOUND');
    assert.equal(err.details['status'], 'NOT_FOUND');
  });
});

describe('RpcServer: errors', () => {
  it('maps GEOMESH_RPC_NOT_FOUND and GEOMESH_RPC_INVALID_ARGUMENT to their statuses, keeping the message', async (t) => {
    const fakes = fakeHandlers({
      translateOffsets: (req) => {
        if (req.group === '')
          throw new GeomeshError('GEOMESH_RPC_INVALID_ARGUMENT', 'group: give a consumer group id');
        return Promise.reject(
          new GeomeshError(
            'GEOMESH_RPC_NOT_FOUND',
            `group "${req.group}" has no committed offsets in us-east`,
            {
              details: { region: 'us-east' },
            },
          ),
        );
      },
    });
    const { address } = await startServer(t, { operator: fakes.operator });
    const client = createOperatorClient(address, insecure);
    t.after(() => client.close());

    const notFound = await rejectsWith(
      client.translateOffsets({ group: 'ghost', fromRegion: 'us-east', toRegion: 'eu-west', topics: [] }),
      'GEOMESH_RPC_NOT_FOUND',
    );
    assert.match(notFound.message, /group "ghost" has no committed offsets in us-east/);
    assert.match(notFound.message, /geomesh\.v1\.Operator\/TranslateOffsets at 127\.0\.0\.1:\d+: NOT_FOUND/);
    assert.equal(notFound.retryable, false);
    assert.deepEqual(
      { ...notFound.details, target: 'x' },
      {
        region: 'us-east',
        method: 'geomesh.v1.Operator/TranslateOffsets',
        target: 'x',
        status: 'NOT_FOUND',
        remoteCode: 'GEOMESH_RPC_NOT_FOUND',
      },
    );

    const invalid = await rejectsWith(
      client.translateOffsets({ group: '', fromRegion: 'us-east', toRegion: 'eu-west', topics: [] }),
      'GEOMESH_RPC_INVALID_ARGUMENT',
    );
    assert.match(invalid.message, /INVALID_ARGUMENT: group: give a consumer group id$/);
    assert.equal(invalid.details['status'], 'INVALID_ARGUMENT');
  });

  it("keeps other codes' meaning: a remote code stays in details, retryable comes from the callee", async (t) => {
    const fakes = fakeHandlers({
      ping: () =>
        Promise.reject(new GeomeshError('GEOMESH_KAFKA_CONNECTION', 'cannot reach Kafka in eu-west')),
      seek: () => Promise.reject(new GeomeshError('GEOMESH_TOPOLOGY_UNKNOWN_REGION', 'no region "mars"')),
    });
    const { address } = await startServer(t, { peer: fakes.peer });
    const client = createPeerClient(address, insecure);
    t.after(() => client.close());
    const unavailable = await rejectsWith(
      client.ping({ region: 'a', instance: 'b', sentAtMs: 0 }),
      'GEOMESH_RPC_UNAVAILABLE',
    );
    assert.equal(unavailable.retryable, true);
    assert.equal(unavailable.details['remoteCode'], 'GEOMESH_KAFKA_CONNECTION');
    const notFound = await rejectsWith(client.seek({ partitions: [] }), 'GEOMESH_RPC_NOT_FOUND');
    assert.equal(notFound.details['remoteCode'], 'GEOMESH_TOPOLOGY_UNKNOWN_REGION');
  });

  it('answers any other error with INTERNAL and a generic message, logging the real one under a reference', async (t) => {
    const { logger, lines } = capturingLogger();
    const fakes = fakeHandlers({
      ping: () => Promise.reject(new Error('password=hunter2 at /etc/geomesh/secret.yaml')),
      seek: () => {
        throw new TypeError('Cannot read properties of undefined');
      },
      getFrontiers: () =>
        Promise.reject(new GeomeshError('GEOMESH_INTERNAL_INVARIANT', 'index of orders-3 went back')),
    });
    const { address } = await startServer(t, { peer: fakes.peer, logger });
    const client = createPeerClient(address, insecure);
    t.after(() => client.close());

    const err = await rejectsWith(
      client.ping({ region: 'a', instance: 'b', sentAtMs: 0 }),
      'GEOMESH_RPC_INTERNAL',
    );
    assert.doesNotMatch(err.message, /hunter2|secret\.yaml/);
    const reference = err.details['reference'];
    assert.match(String(reference), /^[0-9a-f-]{36}$/);
    assert.match(
      err.message,
      new RegExp(`INTERNAL: internal error \\(server log reference ${String(reference)}\\)`),
    );
    const logged = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l['reference'] === reference);
    assert.equal(logged?.['msg'], 'RPC handler failed');
    assert.match(JSON.stringify(logged?.['err']), /hunter2/);

    await rejectsWith(client.seek({ partitions: [] }), 'GEOMESH_RPC_INTERNAL');
    const invariant = await rejectsWith(
      client.getFrontiers({ group: 'g', topics: [] }),
      'GEOMESH_RPC_INTERNAL',
    );
    assert.doesNotMatch(invariant.message, /orders-3/);
    assert.equal(invariant.details['remoteCode'], 'GEOMESH_INTERNAL_INVARIANT');
  });

  it('fails a call past its deadline with GEOMESH_RPC_DEADLINE_EXCEEDED and aborts the handler', async (t) => {
    let handlerSignal: AbortSignal | undefined;
    const fakes = fakeHandlers({
      getFrontiers: (_req, context) => {
        handlerSignal = context.signal;
        return new Promise((_resolve, reject) =>
          context.signal.addEventListener('abort', () => reject(context.signal.reason as Error)),
        );
      },
    });
    const { address } = await startServer(t, { peer: fakes.peer });
    const client = createPeerClient(address, { ...insecure, defaultTimeoutMs: 150 });
    t.after(() => client.close());
    const started = Date.now();
    const err = await rejectsWith(
      client.getFrontiers({ group: 'g', topics: [] }),
      'GEOMESH_RPC_DEADLINE_EXCEEDED',
    );
    assert.equal(err.retryable, true);
    assert.ok(Date.now() - started < 3_000);
    for (let i = 0; i < 50 && !handlerSignal?.aborted; i++) await sleep(20);
    assert.equal(handlerSignal?.aborted, true, "the handler's signal was not aborted");
  });

  it('cancels a call when the caller aborts its signal; a timeout signal counts as a deadline', async (t) => {
    const fakes = fakeHandlers({
      ping: (_req, context) =>
        new Promise((_r, reject) =>
          context.signal.addEventListener('abort', () => reject(new Error('aborted'))),
        ),
    });
    const { address } = await startServer(t, { peer: fakes.peer });
    const client = createPeerClient(address, insecure);
    t.after(() => client.close());
    const controller = new AbortController();
    const pending = client.ping({ region: 'a', instance: 'b', sentAtMs: 0 }, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('operator pressed ^C')), 100);
    await rejectsWith(pending, 'GEOMESH_RPC_CANCELLED');
    await rejectsWith(
      client.ping({ region: 'a', instance: 'b', sentAtMs: 0 }, { signal: AbortSignal.timeout(100) }),
      'GEOMESH_RPC_DEADLINE_EXCEEDED',
    );
    await rejectsWith(
      client.ping({ region: 'a', instance: 'b', sentAtMs: 0 }, { signal: AbortSignal.abort() }),
      'GEOMESH_RPC_CANCELLED',
    );
  });

  it('fails fast with GEOMESH_RPC_UNAVAILABLE when nothing listens, and GEOMESH_RPC_CLOSED after close()', async (t) => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const client = createPeerClient(`127.0.0.1:${port}`, insecure);
    t.after(() => client.close());
    const err = await rejectsWith(
      client.ping({ region: 'a', instance: 'b', sentAtMs: 0 }),
      'GEOMESH_RPC_UNAVAILABLE',
    );
    assert.equal(err.retryable, true);
    assert.equal(err.details['target'], `127.0.0.1:${port}`);
    client.close();
    client.close();
    await rejectsWith(client.ping({ region: 'a', instance: 'b', sentAtMs: 0 }), 'GEOMESH_RPC_CLOSED');
  });
});

describe('RpcServer: lifecycle', () => {
  it('binds a free port for port 0, drains a call in flight on stop, is idempotent and refuses calls after', async (t) => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const fakes = fakeHandlers({
      ping: async () => {
        await released;
        return { region: 'r', instance: 'slow', version: 'v', nodeState: 'running', links: [] };
      },
    });
    const server = new RpcServer({
      address: '127.0.0.1:0',
      ...insecure,
      operator: fakes.operator,
      peer: fakes.peer,
      logger: testLogger(),
    });
    t.after(() => server.stop(AbortSignal.abort()));
    assert.equal(server.state, 'idle');
    const address = await server.start();
    assert.match(address, /^127\.0\.0\.1:(\d+)$/);
    assert.notEqual(address, '127.0.0.1:0');
    assert.equal(server.address, address);
    assert.equal(server.state, 'serving');
    assert.equal(await server.start(), address, 'start() again answers the same address');

    const client = createPeerClient(address, insecure);
    t.after(() => client.close());
    const inFlight = client.ping({ region: 'a', instance: 'b', sentAtMs: 0 });
    while (fakes.calls.length === 0) await sleep(10);
    const stopping = server.stop();
    assert.equal(server.stop(), stopping, 'concurrent stop() calls share one promise');
    assert.equal(server.state, 'stopping');
    setTimeout(release, 100);
    assert.deepEqual(await inFlight, {
      region: 'r',
      instance: 'slow',
      version: 'v',
      nodeState: 'running',
      links: [],
      provenanceKeyId: '',
      acceptedKeyIds: [],
    });
    await stopping;
    await server.closed;
    assert.equal(server.state, 'stopped');
    await server.stop();
    await rejectsWith(
      client.ping({ region: 'a', instance: 'b', sentAtMs: 0 }, { timeoutMs: 2_000 }),
      'GEOMESH_RPC_UNAVAILABLE',
    );
  });

  it('cancels calls still in flight after shutdownTimeoutMs', async (t) => {
    let handlerSignal: AbortSignal | undefined;
    const fakes = fakeHandlers({
      ping: (_req, context) => {
        handlerSignal = context.signal;
        return new Promise(() => undefined);
      },
    });
    const server = new RpcServer({
      address: '127.0.0.1:0',
      ...insecure,
      operator: fakes.operator,
      peer: fakes.peer,
      shutdownTimeoutMs: 200,
      logger: testLogger(),
    });
    const address = await server.start();
    const client = createPeerClient(address, insecure);
    t.after(() => client.close());
    const inFlight = client.ping({ region: 'a', instance: 'b', sentAtMs: 0 });
    while (fakes.calls.length === 0) await sleep(10);
    const started = Date.now();
    await server.stop();
    const tookMs = Date.now() - started;
    assert.ok(tookMs >= 150 && tookMs < 3_000, `stop took ${tookMs} ms`);
    assert.equal(handlerSignal?.aborted, true);
    const err = await inFlight.then(
      () => assert.fail('the call should have failed'),
      (e: unknown) => e,
    );
    assert.ok(
      isGeomeshError(err) && ['GEOMESH_RPC_CANCELLED', 'GEOMESH_RPC_UNAVAILABLE'].includes(err.code),
      String(err),
    );
  });

  it('fails start with GEOMESH_RPC_BIND_FAILED when the port is taken, and settles closed with it', async (t) => {
    const { address } = await startServer(t);
    const fakes = fakeHandlers();
    const second = new RpcServer({
      address,
      ...insecure,
      operator: fakes.operator,
      peer: fakes.peer,
      logger: testLogger(),
    });
    const err = await rejectsWith(second.start(), 'GEOMESH_RPC_BIND_FAILED');
    assert.match(err.message, new RegExp(`cannot listen on ${address.replace(/\./g, '\\.')}`));
    assert.equal(second.state, 'failed');
    await assert.rejects(second.closed, (e: unknown) => e === err);
    await second.stop();
    assert.equal(second.state, 'failed');
  });

  it('stops an idle server without starting it', async () => {
    const server = new RpcServer({
      address: '127.0.0.1:0',
      ...insecure,
      ...handlers(),
      logger: testLogger(),
    });
    await server.stop();
    assert.equal(server.state, 'stopped');
    await server.closed;
    await rejectsWith(server.start(), 'GEOMESH_RPC_CLOSED');
  });
});

describe('RpcServer: plaintext beyond loopback', () => {
  it('tells loopback hosts from the others', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', '::1', '[::1]'])
      assert.equal(isLoopbackHost(host), true, host);
    for (const host of [
      '0.0.0.0',
      '::',
      '[::]',
      '10.0.1.20',
      'node-1.example.com',
      '128.0.0.1',
      '127.0.0.1.nip.io',
    ])
      assert.equal(isLoopbackHost(host), false, host);
  });

  it('warns only when serving plaintext where other machines may reach it (here: loopback, no warning)', async (t) => {
    const { logger, lines } = capturingLogger();
    await startServer(t, { logger });
    assert.ok(lines.some((l) => l.includes('serving RPCs')));
    assert.equal(lines.filter((l) => l.includes('plaintext')).length, 0);
  });
});
