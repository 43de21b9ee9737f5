/**
 * What the Peer service accepts (node/rpc-checks/peer-checks.ts): a table of refused requests, each with its
 * status and the field its message names, and properties: every request a node sends passes; any request
 * with one value out of its rule is refused, and a refused call never reaches the handler.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertRefusals, refusal } from './fixtures.ts';
import fc from 'fast-check';
import { checkedPeerHandlers, PEER_CHECKS, type PeerScope } from '../../../../node/rpc-checks/index.ts';
import type {
  Checkpoint,
  PartitionFrontier,
  PeerHandlers,
  PushCheckpointsRequest,
  RpcCallContext,
} from '../../../../node/rpc/index.ts';

const SCOPE: PeerScope = {
  region: 'west',
  regions: ['east', 'north', 'west'],
  isCheckpointedGroup: (_region, group) => group.startsWith('billing'),
};

const partition = (over: Partial<PartitionFrontier> = {}): PartitionFrontier => ({
  topic: 'orders',
  partition: 0,
  committedOffset: 5,
  frontier: [{ region: 'east', offset: 4 }],
  ...over,
});
const checkpoint = (over: Partial<Checkpoint> = {}): Checkpoint => ({
  region: 'east',
  group: 'billing',
  computedAtMs: 1_700_000_000_000,
  partitions: [partition()],
  ...over,
});
const push = (over: Partial<PushCheckpointsRequest> = {}): PushCheckpointsRequest => ({
  fromRegion: 'east',
  checkpoints: [checkpoint()],
  ...over,
});

describe('PEER_CHECKS', () => {
  it('refuses each impossible value with its status, naming the field', () => {
    const cases: [string, () => void, string, RegExp][] = [
      [
        'push from nowhere',
        () => PEER_CHECKS.pushCheckpoints(push({ fromRegion: '' }), SCOPE),
        'INVALID_ARGUMENT',
        /^from_region: names no region/,
      ],
      [
        'push from mars',
        () => PEER_CHECKS.pushCheckpoints(push({ fromRegion: 'mars' }), SCOPE),
        'NOT_FOUND',
        /^from_region: unknown region "mars"; the mesh has east, north, west/,
      ],
      [
        'push from itself',
        () => PEER_CHECKS.pushCheckpoints(push({ fromRegion: 'west' }), SCOPE),
        'INVALID_ARGUMENT',
        /own region/,
      ],
      [
        'push of nothing',
        () => PEER_CHECKS.pushCheckpoints(push({ checkpoints: [] }), SCOPE),
        'INVALID_ARGUMENT',
        /^checkpoints: is empty/,
      ],
      [
        'push of another region',
        () => PEER_CHECKS.pushCheckpoints(push({ checkpoints: [checkpoint({ region: 'north' })] }), SCOPE),
        'INVALID_ARGUMENT',
        /^checkpoints\[0\]\.region/,
      ],
      [
        'group no link selects',
        () => PEER_CHECKS.pushCheckpoints(push({ checkpoints: [checkpoint({ group: 'audit' })] }), SCOPE),
        'FAILED_PRECONDITION',
        /no link out of east selects group "audit"/,
      ],
      [
        'group twice',
        () => PEER_CHECKS.pushCheckpoints(push({ checkpoints: [checkpoint(), checkpoint()] }), SCOPE),
        'INVALID_ARGUMENT',
        /^checkpoints\[1\]\.group: "billing" appears twice/,
      ],
      [
        'time zero',
        () => PEER_CHECKS.pushCheckpoints(push({ checkpoints: [checkpoint({ computedAtMs: 0 })] }), SCOPE),
        'INVALID_ARGUMENT',
        /computed_at_ms: 0 is not a time/,
      ],
      [
        'partition twice',
        () => PEER_CHECKS.seek({ partitions: [partition(), partition()] }, SCOPE),
        'INVALID_ARGUMENT',
        /^partitions\[1\]: orders\/0 appears twice/,
      ],
      [
        'negative partition',
        () => PEER_CHECKS.seek({ partitions: [partition({ partition: -1 })] }, SCOPE),
        'INVALID_ARGUMENT',
        /^partitions\[0\]\.partition: -1 is not a partition number/,
      ],
      [
        'huge partition',
        () => PEER_CHECKS.seek({ partitions: [partition({ partition: 1_000_000 })] }, SCOPE),
        'INVALID_ARGUMENT',
        /partition: 1000000/,
      ],
      [
        'offset -2',
        () => PEER_CHECKS.seek({ partitions: [partition({ committedOffset: -2 })] }, SCOPE),
        'INVALID_ARGUMENT',
        /committed_offset: -2 is not an offset/,
      ],
      [
        'offset 2^60',
        () => PEER_CHECKS.seek({ partitions: [partition({ committedOffset: 2 ** 60 })] }, SCOPE),
        'INVALID_ARGUMENT',
        /committed_offset: \d+ is not an offset \(-1 for none, up to 9007199254740991\)/,
      ],
      [
        'origin twice',
        () =>
          PEER_CHECKS.seek(
            {
              partitions: [
                partition({
                  frontier: [
                    { region: 'east', offset: 1 },
                    { region: 'east', offset: 2 },
                  ],
                }),
              ],
            },
            SCOPE,
          ),
        'INVALID_ARGUMENT',
        /frontier\[1\]\.region: "east" appears twice/,
      ],
      [
        'origin not a name',
        () =>
          PEER_CHECKS.seek(
            { partitions: [partition({ frontier: [{ region: 'East!', offset: 1 }] })] },
            SCOPE,
          ),
        'INVALID_ARGUMENT',
        /frontier\[0\]\.region: "East!" is not a region name/,
      ],
      [
        'illegal topic',
        () => PEER_CHECKS.getFrontiers({ group: 'billing', topics: ['a b'] }, SCOPE),
        'INVALID_ARGUMENT',
        /^topics\[0\]: "a b" is not a Kafka topic name/,
      ],
      [
        'topic ".."',
        () => PEER_CHECKS.getFrontiers({ group: 'billing', topics: ['..'] }, SCOPE),
        'INVALID_ARGUMENT',
        /^topics\[0\]/,
      ],
      [
        'too many topics',
        () => PEER_CHECKS.getFrontiers({ group: 'billing', topics: Array<string>(10_001).fill('t') }, SCOPE),
        'INVALID_ARGUMENT',
        /^topics: 10001 topics; at most 10000/,
      ],
      [
        'group with U+FFFD',
        () => PEER_CHECKS.getFrontiers({ group: 'bill\ufffd', topics: [] }, SCOPE),
        'INVALID_ARGUMENT',
        /^group: .*U\+FFFD/,
      ],
      [
        'group with a lone surrogate',
        () => PEER_CHECKS.getFrontiers({ group: 'bill\ud800', topics: [] }, SCOPE),
        'INVALID_ARGUMENT',
        /lone surrogate/,
      ],
      [
        'long group, cut in the message',
        () => PEER_CHECKS.getFrontiers({ group: 'g'.repeat(5000), topics: [] }, SCOPE),
        'INVALID_ARGUMENT',
        /^group: "g{64}"… \(5000 characters\) is longer than 1024/,
      ],
      [
        'ping from mars',
        () => PEER_CHECKS.ping({ region: 'mars', instance: 'm', sentAtMs: 1 }, SCOPE),
        'NOT_FOUND',
        /^region: unknown region/,
      ],
      [
        'ping without instance',
        () => PEER_CHECKS.ping({ region: 'east', instance: '', sentAtMs: 1 }, SCOPE),
        'INVALID_ARGUMENT',
        /^instance: is empty/,
      ],
      [
        'ping with a bad key id',
        () =>
          PEER_CHECKS.ping({ region: 'east', instance: 'e', sentAtMs: 1, acceptedKeyIds: ['0123'] }, SCOPE),
        'INVALID_ARGUMENT',
        /^accepted_key_ids\[0\]: "0123" is not a key id \(16 lowercase hex digits\)/,
      ],
    ];
    assertRefusals(cases, assert.equal, assert.match);
  });

  it('passes the requests a node sends', () => {
    PEER_CHECKS.pushCheckpoints(push(), SCOPE);
    PEER_CHECKS.seek(
      { partitions: [partition({ frontier: [] }), partition({ partition: 1, committedOffset: -1 })] },
      SCOPE,
    );
    PEER_CHECKS.getFrontiers({ group: 'billing', topics: [] }, SCOPE);
    PEER_CHECKS.ping(
      { region: 'east', instance: 'east-7f3a', sentAtMs: 0, provenanceKeyId: '0123456789abcdef' },
      SCOPE,
    );
    PEER_CHECKS.listGroups({}, SCOPE);
  });

  it('property: valid pushes pass; one value out of its rule is refused', () => {
    const topic = fc.stringMatching(/^[a-zA-Z0-9._-]{1,20}$/).filter((t) => t !== '.' && t !== '..');
    const partitionArb = fc.record({
      topic,
      partition: fc.integer({ min: 0, max: 999_999 }),
      committedOffset: fc.integer({ min: -1, max: Number.MAX_SAFE_INTEGER }),
      frontier: fc.uniqueArray(
        fc.record({
          region: fc.constantFrom('east', 'north', 'west', 'gone'),
          offset: fc.integer({ min: -1 }),
        }),
        { selector: (f) => f.region, maxLength: 4 },
      ),
    });
    const checkpointArb = fc.record({
      region: fc.constant('east'),
      group: fc.stringMatching(/^billing[a-z0-9.-]{0,20}$/),
      computedAtMs: fc.integer({ min: 1 }),
      partitions: fc.uniqueArray(partitionArb, {
        selector: (p) => `${p.topic}/${p.partition}`,
        maxLength: 5,
      }),
    });
    const pushArb = fc.record({
      fromRegion: fc.constant('east'),
      checkpoints: fc.uniqueArray(checkpointArb, { selector: (c) => c.group, minLength: 1, maxLength: 4 }),
    });
    fc.assert(
      fc.property(pushArb, (req) => PEER_CHECKS.pushCheckpoints(req, SCOPE)),
      { seed: 7, numRuns: 200 },
    );
    const breakOne = fc.constantFrom<(r: PushCheckpointsRequest) => void>(
      (r) => void (r.checkpoints[0]!.group = `billing\u0000`),
      (r) => void (r.checkpoints[0]!.computedAtMs = -1),
      (r) => void (r.checkpoints[0]!.partitions[0] = partition({ partition: 2 ** 31 })),
      (r) => void (r.checkpoints[0]!.partitions[0] = partition({ topic: 'x'.repeat(250) })),
      (r) =>
        void (r.checkpoints[0]!.partitions[0] = partition({ frontier: [{ region: 'east', offset: 0.5 }] })),
      (r) => void (r.fromRegion = 'north'),
    );
    fc.assert(
      fc.property(pushArb, breakOne, (req, mutate) => {
        mutate(req);
        assert.match(
          refusal(() => PEER_CHECKS.pushCheckpoints(req, SCOPE)).code,
          /^GEOMESH_RPC_INVALID_ARGUMENT$/,
        );
      }),
      { seed: 8, numRuns: 200 },
    );
  });

  it('checkedPeerHandlers: a refused request never reaches the handler', async () => {
    const reached: string[] = [];
    const handlers = {
      pushCheckpoints: (req: PushCheckpointsRequest) => {
        reached.push(req.fromRegion);
        return Promise.resolve({ accepted: req.checkpoints.length });
      },
    } as unknown as PeerHandlers;
    const checked = checkedPeerHandlers(handlers, () => SCOPE);
    const context = {} as RpcCallContext;
    await assert.rejects(checked.pushCheckpoints(push({ fromRegion: 'mars' }), context), {
      code: 'GEOMESH_RPC_NOT_FOUND',
    });
    assert.deepEqual(reached, []);
    assert.deepEqual(await checked.pushCheckpoints(push(), context), { accepted: 1 });
    assert.deepEqual(reached, ['east']);
  });
});
