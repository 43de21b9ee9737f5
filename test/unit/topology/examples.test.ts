import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { validateTopology, type TopologyConfig } from '../../../topology/index.ts';

const EXAMPLES = new URL('../../../examples/', import.meta.url);
export const EXAMPLE_ENV = {
  ETCD_PASSWORD: 'e',
  US_EAST_KAFKA_PASSWORD: 'a',
  US_WEST_KAFKA_PASSWORD: 'b',
  GEOMESH_PROVENANCE_KEY: '5f1c0e9a7b3d2c4e6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e',
};

function load(name: string): TopologyConfig {
  const result = validateTopology(readFileSync(new URL(name, EXAMPLES), 'utf8'), {
    file: name,
    env: EXAMPLE_ENV,
  });
  assert.ok(result.ok, JSON.stringify(result.diagnostics, null, 2));
  assert.deepEqual(result.diagnostics, [], 'examples have no warnings');
  return result.topology;
}

describe('examples', () => {
  it('are all valid and carry the schema line for editors', () => {
    const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml'));
    assert.ok(files.length >= 4);
    for (const file of files) {
      load(file);
      assert.match(readFileSync(new URL(file, EXAMPLES), 'utf8'), /^# yaml-language-server: \$schema=/);
    }
  });

  it('all declare the provenance key as ${GEOMESH_PROVENANCE_KEY}, never its value', () => {
    for (const file of readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml'))) {
      const t = load(file);
      assert.equal(t.provenanceKey?.reference, '${GEOMESH_PROVENANCE_KEY}', file);
      assert.equal(t.provenanceKey.reveal(), EXAMPLE_ENV.GEOMESH_PROVENANCE_KEY, file);
      assert.doesNotMatch(t.toCanonicalJSON(), new RegExp(EXAMPLE_ENV.GEOMESH_PROVENANCE_KEY), file);
    }
  });

  it('active-passive: one link, one direction', () => {
    const t = load('active-passive.yaml');
    assert.deepEqual(
      t.links.map((l) => l.id),
      ['us-east->us-west'],
    );
    assert.equal(t.route('us-west', 'us-east'), undefined);
  });

  it('full mesh: every tree is a star', () => {
    const t = load('full-mesh.yaml');
    assert.equal(t.links.length, 6);
    for (const l of t.links) assert.deepEqual(t.originsForwardedBy(l.from, l.to), [l.from]);
  });

  it('partial mesh: edge regions are reached through the middle', () => {
    const t = load('partial-mesh.yaml');
    assert.deepEqual(t.route('eu-north', 'us-west')?.path, ['eu-north', 'eu-west', 'us-east', 'us-west']);
    assert.deepEqual(t.originsForwardedBy('eu-west', 'us-east'), ['eu-north', 'eu-west']);
  });

  it('hub and spoke: spokes reach the hub only', () => {
    const t = load('hub-and-spoke.yaml');
    assert.deepEqual(
      t.inboundLinks('analytics').map((l) => l.from),
      ['ap-south', 'eu-west', 'us-east'],
    );
    assert.equal(t.route('eu-west', 'us-east'), undefined);
    assert.equal(t.selectsTopic({ from: 'eu-west', to: 'analytics' }, 'orders-dlq'), false);
  });
});
