import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assembleMeshStatus,
  formatAge,
  formatRate,
  renderStatusTable,
  type NodeAnswer,
} from '../../../../node/status/index.ts';
import { fullMeshLayout, linkStatus, nodeStatus } from './fixtures.ts';

const layout = fullMeshLayout(['east', 'west']);

function lineOf(text: string, start: string): string {
  const line = text.split('\n').find((l) => l.startsWith(start));
  assert.ok(line, `no line starting with ${JSON.stringify(start)} in:\n${text}`);
  return line;
}

describe('renderStatusTable', () => {
  it('shows regions with their recorded state and instances from etcd, links with lag and rate, and the summary', () => {
    const answers = new Map<string, NodeAnswer>([
      [
        'east',
        {
          ok: true,
          status: nodeStatus('east', [], {
            links: [linkStatus('west', 'east', { lagRecords: 1234, recordsPerSecond: 56.25 })],
          }),
        },
      ],
      ['west', { ok: true, status: nodeStatus('west', ['east'], { lastCheckpointAgeMs: -1 }) }],
    ]);
    const instances = [
      { region: 'east', id: 'e-1', grpcAddress: 'x', httpAddress: null, version: '0.1.0', startedAt: 'y' },
      { region: 'east', id: 'e-2', grpcAddress: 'x', httpAddress: null, version: '0.1.0', startedAt: 'y' },
    ];
    const states = {
      ok: true as const,
      states: [
        {
          region: 'east',
          record: {
            state: 'failed-over',
            to: 'west',
            groups: ['audit', 'billing'],
            since: '2024-12-31T23:57:00.000Z',
            operation: 'op-7',
          },
        },
      ],
    };
    const text = renderStatusTable(
      assembleMeshStatus(
        layout,
        answers,
        { ok: true, instances },
        Date.UTC(2025, 0, 1),
        {},
        new Map(),
        states,
      ),
    );
    assert.match(
      text,
      /^mesh orders at 2025-01-01T00:00:00\.000Z: 2 of 2 region nodes answered; etcd: 2 instances registered/,
    );
    assert.match(
      lineOf(text, 'REGION'),
      /^REGION\s+REGION STATE\s+NODE\s+INSTANCE\s+REGISTERED \(ETCD\)\s+VERSION\s+CHECKPOINT AGE\s+INDEX RUNS$/,
    );
    assert.match(
      lineOf(text, 'east '),
      /^east\s+failed-over to west \(3 min\)\s+running\s+east-node-1\s+e-1,e-2\s+0\.1\.0\s+2\.5 s\s+7$/,
    );
    assert.match(
      lineOf(text, 'west '),
      /^west\s+active\s+running\s+west-node-1\s+none\s+0\.1\.0\s+none yet\s+7$/,
    );
    assert.match(
      text,
      /\nregion states:\n {2}east failed-over to west since 2024-12-31T23:57:00\.000Z: groups audit, billing \(operation op-7\)\n/,
    );
    assert.match(lineOf(text, 'west → east'), /^west → east\s+running\s+ok\s+1234\s+56\.3\/s\s+-\s+0\s+0$/);
    assert.match(lineOf(text, 'east → west'), /^east → west\s+running\s+ok\s+0\s+0\/s\s+-\s+0\s+0$/);
    assert.doesNotMatch(text, /not answering/);
  });

  it('marks an unreachable node and an unreadable etcd, and says why below the tables', () => {
    const answers = new Map<string, NodeAnswer>([
      ['east', { ok: true, status: nodeStatus('east', ['west']) }],
      ['west', { ok: false, error: 'no connection (ECONNREFUSED)' }],
    ]);
    const text = renderStatusTable(
      assembleMeshStatus(layout, answers, { ok: false, error: 'cannot reach etcd' }, 0),
    );
    assert.match(text, /1 of 2 region nodes answered; etcd: unreachable, registered instances unknown/);
    assert.match(lineOf(text, 'west '), /^west\s+\?\s+UNREACHABLE\s+-\s+\?\s+-\s+-\s+-$/);
    assert.match(lineOf(text, 'east → west'), /^east → west\s+-\s+unknown\s+-\s+-\s+-\s+-\s+-$/);
    assert.match(
      text,
      /\nnot answering:\n {2}west \(127\.0\.0\.1:7102\): no connection \(ECONNREFUSED\)\n {2}etcd: cannot reach etcd\n/,
    );
  });

  it('lists halted partitions with their reasons', () => {
    const answers = new Map<string, NodeAnswer>([
      [
        'east',
        {
          ok: true,
          status: nodeStatus('east', [], {
            links: [
              linkStatus('west', 'east', {
                halted: [{ topic: 'orders', partition: 3, reason: 'too large' }],
              }),
            ],
          }),
        },
      ],
      ['west', { ok: true, status: nodeStatus('west', ['east']) }],
    ]);
    const text = renderStatusTable(assembleMeshStatus(layout, answers, { ok: true, instances: [] }, 0));
    assert.match(lineOf(text, 'west → east'), /\shalted\s+0\s+0\/s\s+-\s+1\s+0$/);
    assert.match(text, /halted partitions:\n {2}west → east orders\/3: too large\n/);
  });

  it('says which links stream their records (pulling goes unsaid) and the WAN bytes per written byte', () => {
    const traffic = { wanBytes: 120, writtenBytes: 1_000, wanBytesPerWrittenByte: 0.12 };
    const answers = new Map<string, NodeAnswer>([
      [
        'east',
        {
          ok: true,
          status: nodeStatus('east', [], {
            links: [linkStatus('west', 'east', { path: 'stream', pathSwitches: 1, ...traffic })],
          }),
        },
      ],
      ['west', { ok: true, status: nodeStatus('west', ['east']) }],
    ]);
    const text = renderStatusTable(assembleMeshStatus(layout, answers, { ok: true, instances: [] }, 0));
    assert.match(lineOf(text, 'west → east'), /^west → east\s+running \(stream\)\s.*\s0\.120\s/);
    assert.match(lineOf(text, 'east → west'), /^east → west\s+running\s.*\/s\s+-\s/, 'nothing written yet');
  });

  it('lists source partitions nobody reads, apart from halted ones, and marks the link incomplete', () => {
    const since = Date.UTC(2026, 0, 2, 3, 4, 5);
    const answers = new Map<string, NodeAnswer>([
      [
        'east',
        {
          ok: true,
          status: nodeStatus('east', [], {
            links: [
              linkStatus('west', 'east', {
                halted: [{ topic: 'orders', partition: 3, reason: 'too large' }],
                unreplicated: [
                  { topic: 'orders', partition: 3, reason: 'halted', sinceUnixMs: since },
                  { topic: 'orders', partition: 4, reason: 'unassigned', sinceUnixMs: since },
                ],
              }),
            ],
          }),
        },
      ],
      ['west', { ok: true, status: nodeStatus('west', ['east']) }],
    ]);
    const text = renderStatusTable(assembleMeshStatus(layout, answers, { ok: true, instances: [] }, 0));
    // Halted wins the health; the one unread partition apart from it is counted and named.
    assert.match(lineOf(text, 'west → east'), /\shalted\s+0\s+0\/s\s+-\s+1\s+1$/);
    assert.match(
      text,
      /source partitions not replicated \(read by nobody\):\n {2}west → east orders\/4: unassigned since 2026-01-02T03:04:05\.000Z\n/,
    );
    assert.doesNotMatch(text, /orders\/3: halted since/);
    const unreadOnly = new Map<string, NodeAnswer>([
      [
        'east',
        {
          ok: true,
          status: nodeStatus('east', [], {
            links: [
              linkStatus('west', 'east', {
                unreplicated: [{ topic: 'orders', partition: 4, reason: 'paused', sinceUnixMs: since }],
              }),
            ],
          }),
        },
      ],
      ['west', { ok: true, status: nodeStatus('west', ['east']) }],
    ]);
    const mesh = assembleMeshStatus(layout, unreadOnly, { ok: true, instances: [] }, 0);
    assert.equal(mesh.links.find((l) => l.fromRegion === 'west')?.health, 'incomplete');
    assert.equal(mesh.links.find((l) => l.fromRegion === 'west')?.unreplicatedPartitions, 1);
  });
});

describe('formatAge and formatRate', () => {
  it('reads naturally', () => {
    assert.deepEqual(
      [formatAge(0), formatAge(2_549), formatAge(125_000), formatAge(9_000_000)],
      ['0.0 s', '2.5 s', '2 min', '2.5 h'],
    );
    assert.deepEqual(
      [formatRate(0), formatRate(0.25), formatRate(99.95), formatRate(1234.4)],
      ['0/s', '0.3/s', '100.0/s', '1234/s'],
    );
  });
});
