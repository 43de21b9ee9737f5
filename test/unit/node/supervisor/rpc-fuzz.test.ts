/**
 * Fuzzing every geomesh RPC over real gRPC on loopback: an in-process RpcServer with the node's real
 * handlers (rpc-handlers.ts) over a real translation service (a fake Kafka cluster behind it) receives, per
 * method, random bytes, requests cut inside their last field, strings that are not UTF-8, flipped bytes,
 * messages over the size limit and well-formed requests with impossible values. Seeded: a failure replays.
 *
 * Asserts: no call is answered INTERNAL or UNKNOWN (those are for bugs); no random, cut, non-UTF-8,
 * oversized or impossible request is answered OK (random bytes included for PushCheckpoints and
 * GetFrontiers); a refused call leaves the checkpoints held as they were (a flipped byte can make another
 * valid push, e.g. a frontier origin `east` → `6ast`, a well-formed region name: those are accepted and
 * counted); a request with an impossible value is refused naming its field; and the server still answers
 * valid calls. The counts of the
 * status codes seen are printed (test diagnostics).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { Client, credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { silentLogger } from '../../../../node/log/index.ts';
import { NODE_DEFAULTS } from '../../../../node/config/index.ts';
import { RpcServer } from '../../../../node/rpc/index.ts';
import { operatorHandlers, peerHandlers } from '../../../../node/supervisor/rpc-handlers.ts';
import type { CoordinationSession } from '../../../../node/coordination-ports/index.ts';
import { compileTopology } from '../../../../topology/index.ts';
import {
  brokenUtf8,
  encode,
  mutated,
  pathOf,
  randomBytes,
  seededRandom,
  truncated,
  VALID_REQUESTS,
  type RpcMethod,
} from '../../../support/rpc-payloads.ts';
import { fakeTranslationService } from '../../../support/fake-translation.ts';
import { nodeStatus } from '../status/fixtures.ts';

const SEED = 20_261_206;
/** The server's message size limit: small, so an oversized request is quick to send. */
const MAX_MESSAGE_BYTES = 256 * 1024;
/** Payloads of each kind sent to each method. */
const PER_KIND = 8;

const topology = compileTopology(
  [
    'mesh: fuzz',
    "etcd: { endpoints: ['http://127.0.0.1:1'] }",
    "provenance: { key: '${GEOMESH_PROVENANCE_KEY}' }",
    'regions:',
    "  east: { kafka: { brokers: ['127.0.0.1:1'] }, node: { grpc: '127.0.0.1:7001' } }",
    "  west: { kafka: { brokers: ['127.0.0.1:2'] }, node: { grpc: '127.0.0.1:7002' } }",
    'links:',
    "  - { between: [east, west], topics: { include: ['orders'] }, groups: { include: ['billing.*'] } }",
    '',
  ].join('\n'),
  { file: 'fuzz.yaml', env: { GEOMESH_PROVENANCE_KEY: '0123456789abcdef0123456789abcdef' } },
);

/** West's node: its real handlers over a translation service whose Kafka cluster is a fake. */
function westNode() {
  const { svc: translation, checkpoints } = fakeTranslationService({
    region: 'west',
    regions: ['east', 'west'],
  });
  translation.start();
  const ctx = {
    config: topology,
    region: 'west',
    instanceId: 'west-1',
    logger: silentLogger(),
    translation: () => translation,
    status: () => nodeStatus('west', ['east']),
    nodeState: () => 'running',
    keys: () => null,
    agreement: () => undefined,
    // No node.operators in the topology: Failover is refused before it would reach etcd.
    coordination: {} as CoordinationSession,
    failoverEtcdTimeoutMs: NODE_DEFAULTS.failover.etcdTimeoutMs,
  };
  return { checkpoints, translation, operator: operatorHandlers(ctx), peer: peerHandlers(ctx) };
}

interface Answer {
  code: status;
  details: string;
  response: Buffer | undefined;
}

/** One unary call with raw bytes (no serialisation on the client side). */
function call(client: Client, method: RpcMethod, payload: Buffer): Promise<Answer> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      pathOf(method),
      (b: Buffer) => b,
      (b: Buffer) => b,
      payload,
      new Metadata(),
      { deadline: Date.now() + 10_000 },
      (err: ServiceError | null, response?: Buffer) =>
        resolve(
          err
            ? { code: err.code, details: err.details, response: undefined }
            : { code: status.OK, details: '', response },
        ),
    );
  });
}

type Kind = 'random' | 'truncated' | 'broken-utf8' | 'mutated' | 'oversized' | 'bad-value';

/** A string of each method's valid request to break the UTF-8 of (methods without strings have none). */
const UTF8_MARKER: Readonly<Record<string, string | undefined>> = {
  GetFrontiers: 'billing',
  Seek: 'orders',
  PushCheckpoints: 'billing',
  Ping: 'east-1',
  TranslateOffsets: 'billing',
  Failover: 'billing',
  GetFailoverProgress: 'p-1',
};

/** Well-formed requests with one impossible value each, and the field the refusal must name. */
const BAD_VALUES: Readonly<Record<string, readonly { request: Record<string, unknown>; field: string }[]>> = {
  GetFrontiers: [
    { request: { group: '' }, field: 'group' },
    { request: { group: 'billing\u0007' }, field: 'group' },
    { request: { group: 'g'.repeat(2000) }, field: 'group' },
    { request: { group: 'billing', topics: ['orders', 'no spaces'] }, field: 'topics[1]' },
    { request: { group: 'billing', topics: ['t'.repeat(250)] }, field: 'topics[0]' },
  ],
  Seek: [
    { request: { partitions: [{ topic: 'orders', partition: -1 }] }, field: 'partitions[0].partition' },
    {
      request: { partitions: [{ topic: 'orders', partition: 5_000_000 }] },
      field: 'partitions[0].partition',
    },
    { request: { partitions: [{ topic: 'orders', committed_offset: -2 }] }, field: 'committed_offset' },
    { request: { partitions: [{ topic: 'orders', committed_offset: 2 ** 60 }] }, field: 'committed_offset' },
    {
      request: { partitions: [{ topic: 'orders', frontier: [{ region: 'Not A Region', offset: 1 }] }] },
      field: 'frontier[0].region',
    },
    {
      request: { partitions: [{ topic: 'orders', frontier: [{ region: 'east', offset: -5 }] }] },
      field: 'frontier[0].offset',
    },
    { request: { partitions: [{ topic: 'orders' }, { topic: 'orders' }] }, field: 'partitions[1]' },
  ],
  PushCheckpoints: [
    { request: { from_region: '' }, field: 'from_region' },
    { request: { from_region: 'mars' }, field: 'from_region' },
    { request: { from_region: 'west' }, field: 'from_region' },
    { request: { from_region: 'east' }, field: 'checkpoints' },
    {
      request: {
        from_region: 'east',
        checkpoints: [{ region: 'west', group: 'billing', computed_at_ms: 1 }],
      },
      field: 'checkpoints[0].region',
    },
    {
      request: {
        from_region: 'east',
        checkpoints: [{ region: 'east', group: 'billing', computed_at_ms: 0 }],
      },
      field: 'computed_at_ms',
    },
    {
      request: { from_region: 'east', checkpoints: [{ region: 'east', group: 'audit', computed_at_ms: 1 }] },
      field: 'checkpoints[0].group',
    },
    {
      request: {
        from_region: 'east',
        checkpoints: [
          {
            region: 'east',
            group: 'billing',
            computed_at_ms: 1,
            partitions: [{ topic: 'orders', partition: -3 }],
          },
        ],
      },
      field: 'partitions[0].partition',
    },
    {
      request: {
        from_region: 'east',
        checkpoints: [
          { region: 'east', group: 'billing', computed_at_ms: 1 },
          { region: 'east', group: 'billing', computed_at_ms: 2 },
        ],
      },
      field: 'checkpoints[1].group',
    },
  ],
  Ping: [
    { request: { region: 'mars', instance: 'm-1', sent_at_ms: 1 }, field: 'region' },
    { request: { region: 'east', instance: '', sent_at_ms: 1 }, field: 'instance' },
    { request: { region: 'east', instance: 'e', sent_at_ms: -1 }, field: 'sent_at_ms' },
    {
      request: { region: 'east', instance: 'e', sent_at_ms: 1, provenance_key_id: 'xyz' },
      field: 'provenance_key_id',
    },
  ],
  TranslateOffsets: [
    { request: { group: 'billing', from_region: 'east', to_region: 'east' }, field: 'to_region' },
    { request: { group: 'billing', from_region: 'mars', to_region: 'west' }, field: 'from_region' },
    {
      request: { group: 'billing', from_region: 'east', to_region: 'west', topics: ['a/b'] },
      field: 'topics[0]',
    },
  ],
  Failover: [
    { request: { from_region: 'east', to_region: 'west', groups: ['ok', ''] }, field: 'groups[1]' },
    {
      request: { from_region: 'east', to_region: 'west', progress_id: 'p'.repeat(65) },
      field: 'progress_id',
    },
    { request: { from_region: 'mars', to_region: 'west' }, field: 'from_region' },
  ],
  GetFailoverProgress: [{ request: { progress_id: '' }, field: 'progress_id' }],
};

/** The payloads of each kind for `method`, from its valid request. */
function payloadsOf(
  method: RpcMethod,
  valid: Buffer,
  random: () => number,
): { kind: Kind; payload: Buffer; field?: string }[] {
  const out: { kind: Kind; payload: Buffer; field?: string }[] = [];
  const marker = UTF8_MARKER[method.rpc];
  for (let i = 0; i < PER_KIND; i++) {
    out.push({ kind: 'random', payload: randomBytes(random, 1 + Math.floor(random() * 200)) });
    if (valid.length > 1) out.push({ kind: 'truncated', payload: truncated(random, valid) });
    if (marker) out.push({ kind: 'broken-utf8', payload: brokenUtf8(random, valid, marker) });
    out.push({ kind: 'mutated', payload: mutated(random, valid) });
  }
  out.push({
    kind: 'oversized',
    payload: Buffer.concat([valid, randomBytes(random, MAX_MESSAGE_BYTES + 1)]),
  });
  for (const bad of BAD_VALUES[method.rpc] ?? [])
    out.push({ kind: 'bad-value', payload: encode(method, bad.request), field: bad.field });
  return out;
}

/** The kinds no method may answer OK: nothing in them is a request a geomesh node sends. */
const NEVER_OK: readonly Kind[] = ['truncated', 'broken-utf8', 'oversized', 'bad-value'];

describe('RPC fuzz: every method of Peer and Operator, real handlers over loopback gRPC', () => {
  const node = westNode();
  let server: RpcServer;
  let client: Client;

  before(async () => {
    server = new RpcServer({
      address: '127.0.0.1:0',
      transport: { mode: 'insecure' },
      operator: node.operator,
      peer: node.peer,
      maxMessageBytes: MAX_MESSAGE_BYTES,
      logger: silentLogger(),
    });
    const address = await server.start();
    client = new Client(address, credentials.createInsecure());
  });
  after(async () => {
    client?.close();
    await server?.stop(AbortSignal.abort());
    await node.translation.stop();
  });

  it('refuses every broken request without INTERNAL, keeps no broken push, and still serves', async (t: TestContext) => {
    const random = seededRandom(SEED);
    const held = () => JSON.stringify(node.checkpoints.all());
    let acceptedMutants = 0;
    const counts = new Map<string, number>();
    const failures: string[] = [];
    let calls = 0;
    const startedAt = performance.now();
    for (const method of VALID_REQUESTS) {
      const valid = encode(method, method.request);
      for (const { kind, payload, field } of payloadsOf(method, valid, random)) {
        const heldBefore = held();
        const answer = await call(client, method, payload);
        calls++;
        // A refused call changes nothing; only a flipped byte can make another valid push (counted).
        if (answer.code !== status.OK && held() !== heldBefore)
          failures.push(`refused, yet the checkpoints held changed: ${method.rpc} ${kind}`);
        if (answer.code === status.OK && method.rpc === 'PushCheckpoints') acceptedMutants++;
        const name = status[answer.code] ?? String(answer.code);
        counts.set(`${method.rpc} ${name}`, (counts.get(`${method.rpc} ${name}`) ?? 0) + 1);
        const what = `${method.service}/${method.rpc} ${kind} ${payload.subarray(0, 48).toString('hex')}: ${name} ${answer.details}`;
        if (answer.code === status.INTERNAL || answer.code === status.UNKNOWN) failures.push(what);
        if (answer.code === status.OK && NEVER_OK.includes(kind)) failures.push(`answered OK: ${what}`);
        const isPushOrFrontiers = method.rpc === 'PushCheckpoints' || method.rpc === 'GetFrontiers';
        if (answer.code === status.OK && kind === 'random' && isPushOrFrontiers)
          failures.push(`random bytes answered OK: ${what}`);
        if (field !== undefined && answer.code !== status.OK && !answer.details.includes(field))
          failures.push(`the refusal does not name ${field}: ${what}`);
      }
    }
    const seconds = (performance.now() - startedAt) / 1000;
    t.diagnostic(`${calls} calls in ${seconds.toFixed(1)} s (seed ${SEED}); status codes per method:`);
    t.diagnostic(`  (valid pushes made by flipping bytes of a valid one, accepted: ${acceptedMutants})`);
    for (const [key, n] of [...counts].sort()) t.diagnostic(`  ${key}: ${n}`);
    assert.deepEqual(failures, []);

    // Still serving: a valid push is stored, a valid ping and a translation from the pushed checkpoint answer.
    const push = VALID_REQUESTS.find((m) => m.rpc === 'PushCheckpoints')!;
    const pushed = await call(client, push, encode(push, push.request));
    assert.equal(pushed.code, status.OK, pushed.details);
    assert.ok(node.checkpoints.get('east', 'billing'), 'the valid push is held');
    for (const rpc of ['Ping', 'TranslateOffsets', 'GetFrontiers', 'Seek', 'ListGroups', 'GetStatus']) {
      const method = VALID_REQUESTS.find((m) => m.rpc === rpc)!;
      const answer = await call(client, method, encode(method, method.request));
      assert.equal(answer.code, status.OK, `${rpc}: ${answer.details}`);
    }
  });
});
