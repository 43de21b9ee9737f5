import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  assembleMeshStatus,
  collectMeshStatus,
  linkHealth,
  meshLayoutOf,
  type InstanceInfo,
  type NodeAnswer,
} from '../../../../node/status/index.ts';
import { validateTopology } from '../../../../topology/index.ts';
import { fullMeshLayout, linkStatus, nodeStatus } from './fixtures.ts';

const instance = (region: string, id: string): InstanceInfo => ({
  region,
  id,
  grpcAddress: '127.0.0.1:1',
  httpAddress: null,
  version: '0.1.0',
  startedAt: '2025-01-01T00:00:00.000Z',
});

describe('linkHealth', () => {
  it('is unknown without an answer or a report, then halted, down, lagging or ok', () => {
    const running = linkStatus('a', 'b');
    assert.equal(linkHealth(running, false), 'unknown');
    assert.equal(linkHealth(undefined, true), 'unknown');
    assert.equal(
      linkHealth({ ...running, halted: [{ topic: 't', partition: 0, reason: 'r' }] }, true),
      'halted',
    );
    assert.equal(linkHealth({ ...running, state: 'stopped' }, true), 'down');
    assert.equal(linkHealth({ ...running, lagRecords: 10_000 }, true), 'lagging');
    assert.equal(linkHealth({ ...running, lagRecords: 9_999 }, true), 'ok');
    assert.equal(
      linkHealth({ ...running, lagRecords: 50 }, true, 50),
      'lagging',
      'the threshold is an option',
    );
  });
});

describe('assembleMeshStatus', () => {
  const layout = fullMeshLayout(['ap-south', 'eu-west', 'us-east']);

  it('takes each link from its target region’s report (pull model) and marks unreachable regions', () => {
    const answers = new Map<string, NodeAnswer>([
      [
        'eu-west',
        {
          ok: true,
          status: nodeStatus('eu-west', [], {
            links: [
              linkStatus('ap-south', 'eu-west', { lagRecords: 12, recordsPerSecond: 3.5 }),
              linkStatus('us-east', 'eu-west', {
                lagRecords: 20_000,
                recordsPerSecond: 900,
                path: 'stream',
                pathSwitches: 2,
                wanBytes: 1_100,
                writtenBytes: 1_000,
                wanBytesPerWrittenByte: 1.1,
              }),
            ],
          }),
        },
      ],
      ['ap-south', { ok: true, status: nodeStatus('ap-south', ['eu-west', 'us-east']) }],
      ['us-east', { ok: false, error: 'connect ECONNREFUSED 127.0.0.1:7103' }],
    ]);
    const members = {
      ok: true as const,
      instances: [instance('eu-west', 'w-1'), instance('eu-west', 'w-2')],
    };
    const status = assembleMeshStatus(layout, answers, members, 99);
    assert.equal(status.isComplete, false);
    assert.equal(status.generatedAtMs, 99);
    assert.deepEqual(status.etcd, { isReachable: true, instances: 2, error: null, regionStatesError: null });
    assert.deepEqual(
      status.regions.map((r) => [r.region, r.isReachable, r.instances?.map((i) => i.id), r.error]),
      [
        ['ap-south', true, [], null],
        ['eu-west', true, ['w-1', 'w-2'], null],
        ['us-east', false, [], 'connect ECONNREFUSED 127.0.0.1:7103'],
      ],
    );
    const byId = new Map(status.links.map((l) => [`${l.fromRegion}->${l.toRegion}`, l]));
    assert.equal(status.links.length, 6);
    assert.deepEqual(byId.get('ap-south->eu-west'), {
      fromRegion: 'ap-south',
      toRegion: 'eu-west',
      health: 'ok',
      state: 'running',
      path: 'pull',
      pathSwitches: 0,
      wanBytesPerWrittenByte: null,
      lagRecords: 12,
      recordsPerSecond: 3.5,
      haltedPartitions: 0,
      unreplicatedPartitions: 0,
    });
    const streaming = byId.get('us-east->eu-west');
    assert.deepEqual(
      [streaming?.path, streaming?.pathSwitches, streaming?.wanBytesPerWrittenByte],
      ['stream', 2, 1.1],
      'the path, its switches and the WAN bytes per written byte, as the node reports them',
    );
    assert.equal(byId.get('us-east->eu-west')?.health, 'lagging');
    assert.equal(byId.get('eu-west->us-east')?.health, 'unknown', 'us-east did not answer');
    assert.equal(byId.get('eu-west->us-east')?.lagRecords, null);
    assert.equal(byId.get('eu-west->us-east')?.pathSwitches, null);
    assert.equal(byId.get('eu-west->us-east')?.wanBytesPerWrittenByte, null);
  });

  it('says when etcd could not be read (instances null) and is complete when every node answered', () => {
    const answers = new Map<string, NodeAnswer>(
      layout.regions.map((r) => [r.name, { ok: true, status: nodeStatus(r.name, []) }]),
    );
    const status = assembleMeshStatus(layout, answers, { ok: false, error: 'cannot reach etcd' }, 0);
    assert.equal(status.isComplete, true);
    assert.deepEqual(status.etcd, {
      isReachable: false,
      instances: 0,
      error: 'cannot reach etcd',
      regionStatesError: null,
    });
    assert.ok(status.regions.every((r) => r.instances === null));
  });

  it('lists every declared link once, sorted, whatever the answers (property)', () => {
    const names = ['a', 'b', 'c', 'd', 'e'];
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
        (n, reachable) => {
          const l = fullMeshLayout(names.slice(0, n));
          const answers = new Map<string, NodeAnswer>(
            l.regions.map((r, i) => [
              r.name,
              reachable[i]
                ? {
                    ok: true,
                    status: nodeStatus(
                      r.name,
                      names.slice(0, n).filter((x) => x !== r.name),
                    ),
                  }
                : { ok: false, error: 'down' },
            ]),
          );
          const status = assembleMeshStatus(l, answers, { ok: true, instances: [] }, 0);
          const ids = status.links.map((x) => `${x.fromRegion}->${x.toRegion}`);
          assert.deepEqual(ids, [...ids].sort());
          assert.equal(new Set(ids).size, n * (n - 1));
          for (const link of status.links) {
            const targetUp = reachable[names.indexOf(link.toRegion)];
            assert.equal(link.health === 'unknown', !targetUp);
          }
          assert.equal(status.isComplete, reachable.slice(0, n).every(Boolean));
        },
      ),
    );
  });
});

describe('meshLayoutOf', () => {
  it('takes the regions in order with their node addresses, and every expanded link', () => {
    const result = validateTopology(
      [
        'mesh: orders',
        "etcd: { endpoints: ['http://127.0.0.1:2379'] }",
        'regions:',
        "  b: { kafka: { brokers: ['127.0.0.1:9092'] }, node: { grpc: '127.0.0.1:7102' } }",
        "  a: { kafka: { brokers: ['127.0.0.1:9093'] }, node: { grpc: '127.0.0.1:7101' } }",
        "  c: { kafka: { brokers: ['127.0.0.1:9094'] } }",
        'links:',
        '  - between: [a, b]',
        "    topics: { include: ['.*'] }",
        '  - from: a',
        '    to: c',
        "    topics: { include: ['.*'] }",
        '',
      ].join('\n'),
      { file: 'mesh.yaml', env: {} },
    );
    assert.ok(result.ok, JSON.stringify(result.diagnostics));
    const layout = meshLayoutOf(result.topology);
    assert.equal(layout.mesh, 'orders');
    assert.deepEqual(layout.regions.map((r) => r.name).sort(), ['a', 'b', 'c']);
    assert.equal(layout.regions.find((r) => r.name === 'a')?.grpcAddress, '127.0.0.1:7101');
    assert.deepEqual(layout.links.map((l) => `${l.fromRegion}->${l.toRegion}`).sort(), [
      'a->b',
      'a->c',
      'b->a',
    ]);
  });
});

describe('collectMeshStatus', () => {
  it('asks every region and etcd, turning failures into unreachable regions and an unreadable etcd', async () => {
    const layout = fullMeshLayout(['east', 'west']);
    const asked: string[] = [];
    const status = await collectMeshStatus({
      layout,
      nodeStatus: (region, address) => {
        asked.push(`${region}@${address}`);
        return region === 'east'
          ? Promise.resolve(nodeStatus('east', ['west']))
          : Promise.reject(new Error('deadline exceeded'));
      },
      instances: () => Promise.reject(new Error('etcd down')),
      now: () => 5,
    });
    assert.deepEqual(asked.sort(), ['east@127.0.0.1:7101', 'west@127.0.0.1:7102']);
    assert.deepEqual(
      status.regions.map((r) => [r.region, r.isReachable, r.error]),
      [
        ['east', true, null],
        ['west', false, 'deadline exceeded'],
      ],
    );
    assert.deepEqual(status.etcd, {
      isReachable: false,
      instances: 0,
      error: 'etcd down',
      regionStatesError: null,
    });
    assert.equal(status.isComplete, false);
  });
});
