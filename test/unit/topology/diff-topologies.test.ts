import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffTopologies } from '../../../topology/index.ts';
import { baseOptions, compile, yamlOf } from './fixtures.ts';

describe('diffTopologies', () => {
  const before = compile(yamlOf(baseOptions()));

  it('is empty for the same topology written differently', () => {
    const options = baseOptions();
    options.links = [
      { from: 'us-east', to: 'ap-south', topics: { include: ['orders-.*'] } },
      { from: 'eu-west', to: 'us-east', topics: { include: ['orders-.*'] } },
      { from: 'us-east', to: 'eu-west', topics: { include: ['orders-.*'] } },
    ];
    const diff = diffTopologies(before, compile(yamlOf(options)));
    assert.equal(diff.isEmpty, true);
  });

  it('lists added, removed and changed regions and links, with the fields and the routes that moved', () => {
    const options = baseOptions();
    delete options.regions['ap-south'];
    options.regions['sa-east'] = { kafka: { brokers: ['10.3.1.10:9092'] } };
    options.regions['eu-west'] = {
      kafka: { brokers: ['10.1.1.11:9092'], tls: true },
      node: { grpc: '10.1.1.20:7100' },
    };
    options.links = [
      {
        between: ['us-east', 'eu-west'],
        topics: { include: ['orders-.*'] },
        options: { compression: 'zstd' },
      },
      { from: 'eu-west', to: 'sa-east', topics: { include: ['orders-.*'] } },
    ];
    const diff = diffTopologies(before, compile(yamlOf(options)));
    assert.deepEqual(diff.mesh, []);
    assert.deepEqual(diff.regions.added, ['sa-east']);
    assert.deepEqual(diff.regions.removed, ['ap-south']);
    assert.deepEqual(diff.regions.changed, [{ name: 'eu-west', fields: ['kafka.brokers', 'kafka.tls'] }]);
    assert.deepEqual(diff.links.added, ['eu-west->sa-east']);
    assert.deepEqual(diff.links.removed, ['us-east->ap-south']);
    assert.deepEqual(diff.links.changed, [
      { id: 'eu-west->us-east', fields: ['options.compression'] },
      { id: 'us-east->eu-west', fields: ['options.compression'] },
    ]);
    assert.deepEqual(
      diff.routes.filter((r) => r.origin === 'us-east'),
      [
        { origin: 'us-east', region: 'ap-south', before: 'us-east', after: null },
        { origin: 'us-east', region: 'sa-east', before: null, after: 'eu-west' },
      ],
    );
    assert.equal(diff.isEmpty, false);
  });

  it('reports mesh and etcd changes', () => {
    const options = baseOptions();
    options.mesh = 'orders-2';
    options.etcd = { endpoints: ['http://10.0.0.1:2379'] };
    assert.deepEqual(diffTopologies(before, compile(yamlOf(options))).mesh, ['mesh', 'etcd.endpoints']);
  });
});
