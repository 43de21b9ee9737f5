import assert from 'node:assert/strict';
import { runInNewContext } from 'node:vm';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  RateTracker,
  SHARE_ROWS_SCRIPT,
  assembleMeshStatus,
  buildNodeStatus,
  collectMeshStatus,
  formatPartitionRanges,
  groupByTopic,
  meshLayoutOf,
  renderStatusPage,
  renderStatusTable,
  workSharingRows,
  type InstanceInfo,
  type MeshLayout,
  type MeshStatus,
  type NodeAnswer,
  type NodeSnapshot,
  type NodeStatus,
  type WorkSharingStatus,
} from '../../../../node/status/index.ts';
import { validateTopology } from '../../../../topology/index.ts';
import { fullMeshLayout, nodeStatus } from './fixtures.ts';

/** east and west in a full mesh; west runs several instances sharing its partitions. */
const layout: MeshLayout = {
  ...fullMeshLayout(['east', 'west']),
  regions: [
    { name: 'east', grpcAddress: '127.0.0.1:7101' },
    { name: 'west', grpcAddress: '127.0.0.1:7102', isWorkSharing: true },
  ],
};

const instance = (region: string, id: string, port: number): InstanceInfo => ({
  region,
  id,
  grpcAddress: `127.0.0.1:${port}`,
  httpAddress: null,
  version: '0.1.0',
  startedAt: '2025-01-01T00:00:00.000Z',
});

function share(
  owned: Record<string, number[]>,
  overrides: Partial<WorkSharingStatus> = {},
): WorkSharingStatus {
  return {
    state: 'running',
    leaseTtlMs: 10_000,
    isLeaseValid: true,
    workers: ['w-1', 'w-2', 'w-3'],
    owned: Object.entries(owned).map(([topic, partitions]) => ({ topic, partitions })),
    lastError: '',
    ...overrides,
  };
}

/** west's report as instance `id` makes it. */
const westNode = (id: string, sharing: WorkSharingStatus | null): NodeStatus =>
  nodeStatus('west', ['east'], { instance: id, workSharing: sharing });

const members = {
  ok: true as const,
  instances: [instance('east', 'e-1', 7101), instance('west', 'w-1', 7201), instance('west', 'w-2', 7202)],
};

function lineOf(text: string, start: string): string {
  const line = text.split('\n').find((l) => l.startsWith(start));
  assert.ok(line, `no line starting with ${JSON.stringify(start)} in:\n${text}`);
  return line;
}

describe('buildNodeStatus: work sharing', () => {
  const base: NodeSnapshot = {
    mesh: 'orders',
    region: 'west',
    instance: 'w-1',
    state: 'running',
    version: '0.1.0',
    startedAtMs: 1_000,
    grpcAddress: '127.0.0.1:7201',
    httpAddress: '',
    registration: 'registered',
    links: [],
    lastCheckpointMs: 0,
    indexRuns: 0,
    peers: [],
  };

  it('is null when the region does not share work', () => {
    assert.equal(buildNodeStatus(base, new RateTracker(), 5_000).workSharing, null);
    assert.equal(buildNodeStatus({ ...base, workSharing: null }, new RateTracker(), 5_000).workSharing, null);
  });

  it('reports the share: partitions grouped by topic and sorted, workers sorted, no error as ""', () => {
    const status = buildNodeStatus(
      {
        ...base,
        workSharing: {
          state: 'running',
          leaseTtlMs: 4_000,
          isLeaseValid: true,
          workers: ['w-2', 'w-1'],
          ownedPartitions: [
            { topic: 'payments', partition: 3 },
            { topic: 'orders', partition: 5 },
            { topic: 'orders', partition: 0 },
            { topic: 'payments', partition: 1 },
          ],
          lastError: undefined,
        },
      },
      new RateTracker(),
      5_000,
    );
    assert.deepEqual(status.workSharing, {
      state: 'running',
      leaseTtlMs: 4_000,
      isLeaseValid: true,
      workers: ['w-1', 'w-2'],
      owned: [
        { topic: 'orders', partitions: [0, 5] },
        { topic: 'payments', partitions: [1, 3] },
      ],
      lastError: '',
    });
  });

  it('groupByTopic keeps every partition once (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ topic: fc.constantFrom('a', 'b', 'c.d'), partition: fc.nat(40) })),
        (tps) => {
          const grouped = groupByTopic(tps);
          const flat = grouped.flatMap((g) => g.partitions.map((p) => `${g.topic}/${p}`));
          assert.deepEqual(flat.sort(), [...new Set(tps.map((t) => `${t.topic}/${t.partition}`))].sort());
          assert.deepEqual(
            grouped.map((g) => g.topic),
            [...new Set(tps.map((t) => t.topic))].sort(),
          );
          for (const g of grouped)
            assert.deepEqual(
              g.partitions,
              [...g.partitions].sort((x, y) => x - y),
            );
        },
      ),
    );
  });
});

describe('assembleMeshStatus: work sharing', () => {
  it('lists every instance of a sharing region with its share; regions without sharing get null', () => {
    const answers = new Map<string, NodeAnswer>([
      ['east', { ok: true, status: nodeStatus('east', ['west']) }],
      ['west', { ok: true, status: westNode('w-1', share({ orders: [0, 1, 2, 3] })) }],
    ]);
    const asked = new Map([
      [
        'west',
        new Map<string, NodeAnswer>([
          ['w-2', { ok: true, status: westNode('w-2', share({ orders: [4, 5, 6, 7] })) }],
        ]),
      ],
    ]);
    const status = assembleMeshStatus(layout, answers, members, 0, {}, asked);
    assert.equal(status.regions[0]?.shares, null, 'east does not share work');
    assert.deepEqual(
      status.regions[1]?.shares?.map((s) => [s.instance, s.grpcAddress, s.isReachable, s.error]),
      [
        ['w-1', '127.0.0.1:7201', true, null],
        ['w-2', '127.0.0.1:7202', true, null],
        // A worker named by the reports but not registered in etcd: known, not asked.
        ['w-3', '', false, 'not registered in etcd (address unknown)'],
      ],
    );
    assert.deepEqual(status.regions[1]?.shares?.[1]?.workSharing?.owned, [
      { topic: 'orders', partitions: [4, 5, 6, 7] },
    ]);
    assert.equal(
      status.isComplete,
      true,
      'an instance that did not answer does not make the view incomplete',
    );
  });

  it('takes a region as sharing when its node reports a share, even if the layout does not say so', () => {
    const answers = new Map<string, NodeAnswer>([
      ['east', { ok: true, status: nodeStatus('east', ['west']) }],
      ['west', { ok: true, status: westNode('w-1', share({}, { workers: ['w-1'] })) }],
    ]);
    const status = assembleMeshStatus(fullMeshLayout(['east', 'west']), answers, members, 0);
    assert.deepEqual(
      status.regions[1]?.shares?.map((s) => [s.instance, s.isReachable, s.error]),
      [
        ['w-1', true, null],
        ['w-2', false, 'not asked'],
      ],
    );
  });

  it('meshLayoutOf marks the regions with node.workSharing', () => {
    const result = validateTopology(
      [
        'mesh: orders',
        "etcd: { endpoints: ['http://127.0.0.1:2379'] }",
        'regions:',
        "  east: { kafka: { brokers: ['127.0.0.1:9092'] }, node: { grpc: '127.0.0.1:7101' } }",
        '  west:',
        "    kafka: { brokers: ['127.0.0.1:9093'] }",
        "    node: { grpc: '127.0.0.1:7102', workSharing: true }",
        'links:',
        '  - between: [east, west]',
        "    topics: { include: ['.*'] }",
        '',
      ].join('\n'),
      { file: 'mesh.yaml', env: {} },
    );
    assert.ok(result.ok, JSON.stringify(result.diagnostics));
    assert.deepEqual(
      meshLayoutOf(result.topology).regions.map((r) => [r.name, r.isWorkSharing]),
      [
        ['east', false],
        ['west', true],
      ],
    );
  });
});

describe('collectMeshStatus: work sharing', () => {
  it('asks the other registered instances of sharing regions only, each at its own address', async () => {
    const asked: string[] = [];
    const status = await collectMeshStatus({
      layout,
      nodeStatus: (region) =>
        Promise.resolve(
          region === 'east'
            ? nodeStatus('east', ['west'])
            : westNode('w-1', share({ orders: [0, 1] }, { workers: ['w-1', 'w-2'] })),
        ),
      instances: () =>
        Promise.resolve([...members.instances, instance('east', 'e-2', 7102), instance('west', 'w-9', 7209)]),
      instanceStatus: (region, id, address) => {
        asked.push(`${region}/${id}@${address}`);
        return id === 'w-2'
          ? Promise.resolve(westNode('w-2', share({ orders: [2, 3] }, { workers: ['w-1', 'w-2'] })))
          : Promise.reject(new Error('UNAVAILABLE: connection refused'));
      },
      now: () => 0,
    });
    assert.deepEqual(asked.sort(), ['west/w-2@127.0.0.1:7202', 'west/w-9@127.0.0.1:7209']);
    assert.deepEqual(
      status.regions[1]?.shares?.map((s) => [s.instance, s.isReachable, s.error]),
      [
        ['w-1', true, null],
        ['w-2', true, null],
        ['w-9', false, 'UNAVAILABLE: connection refused'],
      ],
    );
    assert.equal(status.regions[0]?.shares, null);
  });

  it('asks no instance when no region shares work', async () => {
    let asked = 0;
    const status = await collectMeshStatus({
      layout: fullMeshLayout(['east', 'west']),
      nodeStatus: (region) => Promise.resolve(nodeStatus(region, [])),
      instances: () => Promise.resolve(members.instances),
      instanceStatus: () => {
        asked++;
        return Promise.reject(new Error('not expected'));
      },
      now: () => 0,
    });
    assert.equal(asked, 0);
    assert.ok(status.regions.every((r) => r.shares === null));
  });
});

/** A mesh view where west shares work among w-1 (answering at west's address), w-2 and w-3 (down). */
function sharingMesh(): MeshStatus {
  const answers = new Map<string, NodeAnswer>([
    ['east', { ok: true, status: nodeStatus('east', ['west']) }],
    [
      'west',
      {
        ok: true,
        status: westNode(
          'w-1',
          share({ orders: [0, 1, 2, 3, 4, 5] }, { lastError: 'etcd: deadline exceeded' }),
        ),
      },
    ],
  ]);
  const asked = new Map([
    [
      'west',
      new Map<string, NodeAnswer>([
        [
          'w-2',
          {
            ok: true,
            status: westNode('w-2', share({ orders: [6, 7], payments: [0] }, { isLeaseValid: false })),
          },
        ],
        ['w-3', { ok: false, error: 'UNAVAILABLE: connection refused' }],
      ]),
    ],
  ]);
  const etcd = { ok: true as const, instances: [...members.instances, instance('west', 'w-3', 7203)] };
  return assembleMeshStatus(layout, answers, etcd, Date.UTC(2025, 0, 1), {}, asked);
}

describe('renderStatusTable: work sharing', () => {
  it('adds a table of the sharing instances with how many partitions each owns', () => {
    const text = renderStatusTable(sharingMesh());
    assert.match(text, /\nREGION\s+INSTANCE\s+WORK SHARING\s+LEASE\s+OWNED\n/);
    assert.match(lineOf(text, 'west    w-1'), /^west\s+w-1\s+running\s+valid\s+6 partitions$/);
    assert.match(lineOf(text, 'west    w-2'), /^west\s+w-2\s+running\s+not valid\s+3 partitions$/);
    assert.match(lineOf(text, 'west    w-3'), /^west\s+w-3\s+UNREACHABLE\s+-\s+-$/);
    assert.match(
      text,
      /\nnot answering:\n {2}west instance w-3 \(127\.0\.0\.1:7203\): UNAVAILABLE: connection refused\n/,
    );
    assert.match(text, /\nwork sharing errors:\n {2}west w-1: etcd: deadline exceeded\n$/);
    // The regions table comes first and is as before; the links table follows the sharing table.
    assert.ok(text.indexOf('INDEX RUNS') < text.indexOf('WORK SHARING'));
    assert.ok(text.indexOf('WORK SHARING') < text.indexOf('\nLINK '));
  });

  it('prints nothing of work sharing when no region shares work', () => {
    const answers = new Map<string, NodeAnswer>([
      ['east', { ok: true, status: nodeStatus('east', ['west']) }],
      ['west', { ok: true, status: nodeStatus('west', ['east']) }],
    ]);
    const text = renderStatusTable(assembleMeshStatus(fullMeshLayout(['east', 'west']), answers, members, 0));
    assert.doesNotMatch(text, /WORK SHARING|partition|work sharing/);
  });

  it('formatPartitionRanges folds consecutive partitions into ranges', () => {
    assert.equal(formatPartitionRanges([]), '');
    assert.equal(
      formatPartitionRanges([
        { topic: 'orders', partitions: [0, 1, 2, 3, 4, 5, 8, 10, 11] },
        { topic: 'payments', partitions: [2] },
      ]),
      'orders 0-5, 8, 10-11; payments 2',
    );
  });
});

/** The page script's shareRows, run as the browser would run it on the JSON it fetched. */
function browserShareRows(mesh: MeshStatus): string[][] {
  // Through JSON both ways: the page reads JSON, and arrays made in another realm are not deep-equal here.
  const json = runInNewContext(`${SHARE_ROWS_SCRIPT}\nJSON.stringify(shareRows(JSON.parse(meshJson)));`, {
    meshJson: JSON.stringify(mesh),
  }) as string;
  return JSON.parse(json) as string[][];
}

describe('the status page: work sharing', () => {
  it('has a work sharing table, filled by the script from /mesh.json', () => {
    const mesh = sharingMesh();
    const html = renderStatusPage({ self: mesh.regions[1]!.node!, mesh });
    assert.match(
      html,
      /<h2 id="shares-title" hidden>Work sharing: partitions per instance<\/h2><table id="shares">/,
    );
    assert.match(html, /function shareRows\(m\)/);
    assert.deepEqual(browserShareRows(mesh), [
      ['west', 'w-1', 'running', 'valid', '6 partitions', 'orders 0-5'],
      ['west', 'w-2', 'running', 'not valid', '3 partitions', 'orders 6-7; payments 0'],
      ['west', 'w-3', 'UNREACHABLE', '-', '-', '-'],
    ]);
  });

  it('shareRows(mesh) in the browser === workSharingRows(mesh) on the server (property)', () => {
    const shares = fc.option(
      fc.record({
        state: fc.constantFrom('connecting', 'running', 'stopped'),
        leaseTtlMs: fc.integer({ min: 1_000, max: 60_000 }),
        isLeaseValid: fc.boolean(),
        workers: fc.array(fc.constantFrom('w-1', 'w-2', 'w-3')),
        owned: fc.array(
          fc.record({
            topic: fc.constantFrom('orders', 'a<b', 'pay"ments'),
            partitions: fc.uniqueArray(fc.nat(20)).map((p) => p.sort((x, y) => x - y)),
          }),
        ),
        lastError: fc.constant(''),
      }),
      { nil: null },
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), shares), { maxLength: 4 }),
        fc.boolean(),
        (got, sharing) => {
          const answers = new Map<string, NodeAnswer>([
            ['east', { ok: true, status: nodeStatus('east', []) }],
            ['west', { ok: false, error: 'down' }],
          ]);
          const asked = new Map([
            [
              'west',
              new Map<string, NodeAnswer>(
                got.map(([isUp, ws], i): [string, NodeAnswer] => [
                  `w-${i}`,
                  isUp ? { ok: true, status: westNode(`w-${i}`, ws) } : { ok: false, error: 'down' },
                ]),
              ),
            ],
          ]);
          const l = sharing ? layout : fullMeshLayout(['east', 'west']);
          const mesh = assembleMeshStatus(l, answers, { ok: true, instances: [] }, 0, {}, asked);
          assert.deepEqual(browserShareRows(mesh), workSharingRows(mesh));
        },
      ),
      { numRuns: 100 },
    );
  });
});
