/** How a region's node reaches each cluster of the topology: its own at `brokers`, the others at `remoteBrokers`. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clusterConnection } from '../../../../node/region/index.ts';
import { compileTopology } from '../../../../topology/index.ts';

const topology = compileTopology(
  [
    'mesh: unit',
    "etcd: { endpoints: ['http://127.0.0.1:2379'] }",
    'regions:',
    "  east: { kafka: { brokers: ['10.0.0.1:9092'], remoteBrokers: ['east.example:9094'], sasl: { mechanism: plain, username: mesh, password: '${EAST_PASSWORD}' } } }",
    "  west: { kafka: { brokers: ['10.1.0.1:9092'] } }",
    'links:',
    "  - { between: [east, west], topics: { include: ['orders'] } }",
    '',
  ].join('\n'),
  { file: 'unit.yaml', env: { EAST_PASSWORD: 'east-secret' } },
);

describe('clusterConnection', () => {
  it("gives a region's own node its brokers and the other regions' nodes its remoteBrokers, same credentials", () => {
    const own = clusterConnection(topology, 'east', 'east');
    const remote = clusterConnection(topology, 'east', 'west', {
      connectionTimeoutMs: 1_500,
      requestTimeoutMs: 9_000,
    });
    assert.deepEqual(own.brokers, ['10.0.0.1:9092']);
    assert.deepEqual(remote.brokers, ['east.example:9094']);
    assert.deepEqual(remote.sasl, own.sasl);
    assert.equal(remote.sasl?.password, 'east-secret');
    assert.equal(remote.connectionTimeoutMs, 1_500);
    assert.equal(own.connectionTimeoutMs, undefined, 'the adapter default unless given');
  });

  it('reaches a region without remoteBrokers at its brokers from everywhere', () => {
    assert.deepEqual(clusterConnection(topology, 'west', 'east').brokers, ['10.1.0.1:9092']);
    assert.deepEqual(clusterConnection(topology, 'west', 'west').brokers, ['10.1.0.1:9092']);
  });
});
