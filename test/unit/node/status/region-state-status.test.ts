import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runInNewContext } from 'node:vm';
import {
  REGION_STATE_SCRIPT,
  formatRegionState,
  regionStateOf,
  renderStatusPage,
  assembleMeshStatus,
  type RegionStateStatus,
} from '../../../../node/status/index.ts';
import { fullMeshLayout, nodeStatus } from './fixtures.ts';

const NOW = Date.parse('2026-01-01T01:00:00.000Z');

const samples: (RegionStateStatus | null)[] = [
  null,
  regionStateOf(undefined),
  regionStateOf({
    region: 'a',
    record: { state: 'failed-over', to: 'b', groups: ['g'], since: '2026-01-01T00:57:00.000Z' },
  }),
  regionStateOf({
    region: 'a',
    record: { state: 'failing-back', to: 'b', groups: [], since: '2026-01-01T00:59:58.500Z' },
  }),
  regionStateOf({
    region: 'a',
    record: { state: 'failed-over', to: 'b', groups: [], since: '2025-12-31T20:00:00.000Z' },
  }),
  regionStateOf({
    region: 'a',
    record: { state: 'active', since: '2026-01-01T00:00:00.000Z', operation: 'op' },
  }),
  regionStateOf({ region: 'a', error: 'region state regions/a/state: value is not JSON' }),
];

describe('region state in the status views', () => {
  it('regionStateOf: no record is active, a record as recorded, a corrupt one unreadable with its error', () => {
    assert.deepEqual(samples[1], {
      state: 'active',
      toRegion: null,
      groups: [],
      since: null,
      operation: null,
      error: null,
    });
    assert.equal(samples[2]?.toRegion, 'b');
    assert.equal(samples[6]?.state, 'unreadable');
    assert.match(samples[6]?.error ?? '', /not JSON/);
  });

  it('formatRegionState reads naturally', () => {
    assert.deepEqual(
      samples.map((s) => formatRegionState(s, NOW)),
      [
        '?',
        'active',
        'failed-over to b (3 min)',
        'failing-back from b (1.5 s)',
        'failed-over to b (5.0 h)',
        'active',
        'unreadable',
      ],
    );
  });

  it('the status page script’s regionStateText is formatRegionState', () => {
    const browser = runInNewContext(
      `${REGION_STATE_SCRIPT}\nJSON.stringify(JSON.parse(samples).map(function (s) { return regionStateText(s, ${NOW}); }));`,
      { samples: JSON.stringify(samples) },
    ) as string;
    assert.deepEqual(
      JSON.parse(browser),
      samples.map((s) => formatRegionState(s, NOW)),
    );
  });

  it('the page carries the script and the mesh view carries each region’s state', () => {
    const layout = fullMeshLayout(['east', 'west']);
    const mesh = assembleMeshStatus(
      layout,
      new Map([['east', { ok: true as const, status: nodeStatus('east', ['west']) }]]),
      { ok: true, instances: [] },
      NOW,
      {},
      new Map(),
      {
        ok: true,
        states: [
          {
            region: 'east',
            record: { state: 'failed-over', to: 'west', groups: ['g'], since: '2026-01-01T00:00:00.000Z' },
          },
        ],
      },
    );
    assert.deepEqual(
      mesh.regions.map((r) => r.regionState?.state),
      ['failed-over', 'active'],
    );
    const page = renderStatusPage({ self: nodeStatus('east', ['west']), mesh });
    assert.ok(page.includes('function regionStateText('));
    assert.ok(page.includes('<th>region state</th>'));
  });
});
