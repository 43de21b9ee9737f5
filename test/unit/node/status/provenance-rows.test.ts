import assert from 'node:assert/strict';
import { runInNewContext } from 'node:vm';
import { describe, it } from 'node:test';
import {
  assembleMeshStatus,
  provenanceRows,
  renderStatusPage,
  renderStatusTable,
  type NodeAnswer,
  type ProvenanceStatus,
} from '../../../../node/status/index.ts';
import { fullMeshLayout, nodeStatus } from './fixtures.ts';

const layout = fullMeshLayout(['a', 'b', 'c']);

function meshWith(keys: Record<string, ProvenanceStatus>) {
  const answers = new Map<string, NodeAnswer>(
    Object.entries(keys).map(([region, provenance]) => [
      region,
      { ok: true, status: nodeStatus(region, [], { provenance }) },
    ]),
  );
  return assembleMeshStatus(layout, answers, { ok: true, instances: [] }, 0);
}

const keys = (current: string, accepted: string[], mismatch = ''): ProvenanceStatus => ({
  currentKeyId: current,
  acceptedKeyIds: [...new Set([current, ...accepted])].sort(),
  peers: mismatch
    ? [{ region: 'x', currentKeyId: 'ww', acceptedKeyIds: ['ww'], source: 'heartbeat', mismatch }]
    : [],
});

describe('provenanceRows', () => {
  it('tells each region where it is in a rotation', () => {
    const steady = provenanceRows(meshWith({ a: keys('k1', []), b: keys('k1', []), c: keys('k1', []) }));
    assert.deepEqual(
      steady.rows.map((r) => r[3]),
      ['steady', 'steady', 'steady'],
    );
    const step1 = provenanceRows(
      meshWith({ a: keys('k1', ['k2']), b: keys('k1', ['k2']), c: keys('k1', []) }),
    );
    assert.deepEqual(
      step1.rows.map((r) => [r[0], r[1], r[2], r[3]]),
      [
        ['a', 'k1', 'k2', 'accepts k2 (none tags)'],
        ['b', 'k1', 'k2', 'accepts k2 (none tags)'],
        ['c', 'k1', '-', 'steady'],
      ],
    );
    const step2 = provenanceRows(
      meshWith({ a: keys('k2', ['k1']), b: keys('k1', ['k2']), c: keys('k1', ['k2']) }),
    );
    assert.deepEqual(
      step2.rows.map((r) => r[3]),
      ['rolling: b tags with k1, c tags with k1', 'rolling: a tags with k2', 'rolling: a tags with k2'],
    );
  });

  it('a region whose node does not answer shows the key ids its instance registered in etcd', () => {
    const answers = new Map<string, NodeAnswer>([
      ['a', { ok: true, status: nodeStatus('a', [], { provenance: keys('k1', []) }) }],
      ['b', { ok: false, error: 'unreachable' }],
    ]);
    const instance = (region: string, keyId?: string) => ({
      region,
      id: `${region}-1`,
      grpcAddress: 'x',
      httpAddress: null,
      version: '0.1.0',
      startedAt: 'y',
      ...(keyId && { provenanceKeyId: keyId, acceptedKeyIds: [keyId, 'k0'] }),
    });
    const mesh = assembleMeshStatus(
      layout,
      answers,
      { ok: true, instances: [instance('a', 'k1'), instance('b', 'k1'), instance('c')] },
      0,
    );
    assert.deepEqual(provenanceRows(mesh).rows, [
      ['a', 'k1', '-', 'steady'],
      ['b', 'k1', 'k0', 'accepts k0 (none tags) (from etcd)'],
    ]);
  });

  it('lists mismatches and shows them in geomesh status', () => {
    const mesh = meshWith({
      a: keys('k1', [], 'x tags with key ww, which a does not hold'),
      b: keys('k1', []),
    });
    const rows = provenanceRows(mesh);
    assert.equal(rows.rows[0]![3], 'MISMATCH');
    assert.deepEqual(rows.mismatches, ['a ↔ x: x tags with key ww, which a does not hold']);
    const text = renderStatusTable(mesh);
    assert.match(text, /PROVENANCE KEY \(TAGS WITH\)/);
    assert.match(text, /provenance key mismatches \(links paused\):\n {2}a ↔ x: x tags with key ww/);
  });

  it("the status page shows this node's key ids and its mismatches (the page script, run as a browser would)", () => {
    const self = nodeStatus('a', [], {
      provenance: keys('k1', ['k2'], 'x tags with key ww, which a does not hold'),
    });
    const html = renderStatusPage({ self, mesh: meshWith({ a: self.provenance! }) });
    const script = /function keyRows\(s\) \{[\s\S]*?\n\}\n/.exec(html)?.[0];
    assert.ok(script, 'the page has keyRows');
    // JSON round trip: arrays of the script's context are not of this realm.
    const rows = JSON.parse(
      runInNewContext(`${script}\nJSON.stringify(keyRows(s));`, { s: structuredClone(self) }) as string,
    ) as string[][];
    assert.deepEqual(rows, [
      ['provenance key (tags with)', 'k1'],
      ['also accepts', 'k2'],
      ['key mismatch with x (links paused)', 'x tags with key ww, which a does not hold'],
    ]);
    const none = runInNewContext(`${script}\nkeyRows(s).length;`, {
      s: { ...structuredClone(self), provenance: null },
    }) as number;
    assert.equal(none, 0);
  });
});
