import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';
import { Secret } from '../../../base/index.ts';
import { diffTopologies, renderTopology, validateTopology } from '../../../topology/index.ts';
import { baseOptions, compile, yamlOf } from './fixtures.ts';

describe('TopologyConfig', () => {
  const topology = compile(yamlOf(baseOptions()));

  it('is frozen, with regions and links sorted', () => {
    assert.ok(Object.isFrozen(topology));
    assert.ok(Object.isFrozen(topology.regions));
    assert.ok(Object.isFrozen(topology.regions[0]?.kafka.brokers));
    assert.ok(Object.isFrozen(topology.links[0]?.options));
    assert.deepEqual(
      topology.regions.map((r) => r.name),
      ['ap-south', 'eu-west', 'us-east'],
    );
    assert.deepEqual(
      topology.links.map((l) => l.id),
      ['eu-west->us-east', 'us-east->ap-south', 'us-east->eu-west'],
    );
    assert.equal(topology.region('ap-south').node.grpc, '0.0.0.0:7100');
  });

  it('reaches a region from the others at remoteBrokers and node.advertise, defaulting to brokers and node.grpc', () => {
    assert.deepEqual(topology.region('us-east').kafka.remoteBrokers, ['10.0.1.10:9092']);
    assert.deepEqual(topology.brokersFor('us-east', 'eu-west'), ['10.0.1.10:9092']);
    assert.equal(topology.region('us-east').node.advertise, null);
    assert.equal(topology.nodeAddress('us-east'), '10.0.1.20:7100');
    assert.equal(topology.nodeAddress('ap-south'), '0.0.0.0:7100');
    const options = baseOptions();
    options.regions['us-east'] = {
      kafka: { brokers: ['10.0.1.10:9092'], remoteBrokers: ['us-east.kafka.example:9094'] },
      node: { grpc: '0.0.0.0:7100', advertise: 'us-east.geomesh.example:443' },
    };
    const reached = compile(yamlOf(options));
    assert.deepEqual(reached.brokersFor('us-east', 'us-east'), ['10.0.1.10:9092'], 'its own node: brokers');
    assert.deepEqual(reached.brokersFor('us-east', 'eu-west'), ['us-east.kafka.example:9094']);
    assert.deepEqual(reached.brokersFor('eu-west', 'us-east'), ['10.1.1.10:9092']);
    assert.equal(reached.nodeAddress('us-east'), 'us-east.geomesh.example:443');
    assert.equal(reached.region('us-east').node.grpc, '0.0.0.0:7100', 'it still listens where it did');
    assert.throws(() => reached.nodeAddress('mars'), { code: 'GEOMESH_TOPOLOGY_UNKNOWN_REGION' });
    // Undeclared, they leave the canonical form (and so the version hash of older files) as it was.
    assert.doesNotMatch(topology.toCanonicalJSON(), /remoteBrokers|advertise/);
    assert.match(reached.toCanonicalJSON(), /"remoteBrokers":\["us-east.kafka.example:9094"\]/);
  });

  it('answers inbound and outbound links', () => {
    assert.deepEqual(
      topology.inboundLinks('us-east').map((l) => l.id),
      ['eu-west->us-east'],
    );
    assert.deepEqual(
      topology.outboundLinks('us-east').map((l) => l.id),
      ['us-east->ap-south', 'us-east->eu-west'],
    );
    assert.deepEqual(topology.outboundLinks('ap-south'), []);
    assert.throws(() => topology.inboundLinks('mars'), { code: 'GEOMESH_TOPOLOGY_UNKNOWN_REGION' });
  });

  it('selects topics and groups with anchored patterns, never internal names', () => {
    const link = { from: 'us-east', to: 'eu-west' };
    assert.equal(topology.selectsTopic(link, 'orders-eu'), true);
    assert.equal(topology.selectsTopic(link, 'my-orders-eu'), false, 'anchored at the start');
    assert.equal(topology.selectsGroup(link, 'billing'), true);
    const everything = baseOptions();
    everything.links = [
      { between: ['us-east', 'eu-west', 'ap-south'], topics: { include: ['.*'], exclude: ['.*-tmp'] } },
    ];
    const all = compile(yamlOf(everything));
    const l = { from: 'eu-west', to: 'ap-south' };
    assert.equal(all.selectsTopic(l, 'anything'), true);
    assert.equal(all.selectsTopic(l, 'scratch-tmp'), false);
    for (const internal of [
      '__consumer_offsets',
      '__transaction_state',
      'geomesh.index',
      'geomesh.checkpoints',
    ]) {
      assert.equal(all.selectsTopic(l, internal), false, internal);
    }
    assert.equal(all.selectsGroup(l, 'geomesh.us-east'), false);
    assert.throws(() => all.selectsTopic({ from: 'eu-west', to: 'mars' }, 'x'), {
      code: 'GEOMESH_TOPOLOGY_UNKNOWN_REGION',
    });
    const oneWay = compile(yamlOf(baseOptions()));
    assert.throws(() => oneWay.selectsTopic({ from: 'ap-south', to: 'us-east' }, 'x'), {
      code: 'GEOMESH_TOPOLOGY_UNKNOWN_LINK',
    });
  });

  it('has a canonical JSON form that is itself a valid topology with the same hash', () => {
    const again = compile(topology.toCanonicalJSON());
    assert.equal(again.hash, topology.hash);
    assert.match(topology.hash, /^[0-9a-f]{64}$/);
    assert.deepEqual(JSON.parse(JSON.stringify(topology)), JSON.parse(topology.toCanonicalJSON()));
  });

  it('keeps the hash when only YAML order or pattern order changes, and changes it otherwise', () => {
    const options = baseOptions();
    const reordered = {
      links: [...options.links].reverse(),
      regions: Object.fromEntries(Object.entries(options.regions).reverse()),
      etcd: options.etcd,
      mesh: options.mesh,
    };
    assert.equal(compile(yamlOf(reordered)).hash, topology.hash);
    const changed = baseOptions();
    changed.links[1] = {
      from: 'us-east',
      to: 'ap-south',
      topics: { include: ['orders-.*'] },
      options: { compression: 'gzip' },
    };
    assert.notEqual(compile(yamlOf(changed)).hash, topology.hash);
  });
});

describe('secrets', () => {
  const options = baseOptions();
  options.etcd = {
    endpoints: ['https://etcd:2379'],
    auth: { username: 'geomesh', password: '${ETCD_PASSWORD}' },
  };
  options.regions['eu-west'] = {
    kafka: {
      brokers: ['10.1.1.10:9092'],
      sasl: { mechanism: 'scram-sha-512', username: 'mesh', password: '${EU_WEST_KAFKA_PASSWORD}' },
    },
  };
  const env = { ETCD_PASSWORD: 'etcd-very-secret', EU_WEST_KAFKA_PASSWORD: 'kafka-very-secret' };
  const topology = compile(yamlOf(options), env);

  it('are revealed only on request', () => {
    const password = topology.region('eu-west').kafka.sasl?.password;
    assert.ok(password instanceof Secret);
    assert.equal(password.reveal(), 'kafka-very-secret');
    assert.equal(password.reference, '${EU_WEST_KAFKA_PASSWORD}');
    assert.equal(topology.etcd.auth?.password.reveal(), 'etcd-very-secret');
  });

  it('never appear in JSON, inspect, string conversion, the canonical form, renderings or diffs', () => {
    const outputs = [
      JSON.stringify(topology),
      JSON.stringify(topology.regions),
      JSON.stringify(topology.etcd),
      inspect(topology, { depth: 20 }),
      inspect(topology.regions, { depth: 20 }),
      `${String(topology.region('eu-west').kafka.sasl?.password)}`,
      topology.toCanonicalJSON(),
      JSON.stringify(
        diffTopologies(
          topology,
          compile(yamlOf(options), { ETCD_PASSWORD: 'x', EU_WEST_KAFKA_PASSWORD: 'y' }),
        ),
      ),
    ];
    for (const out of outputs) assert.doesNotMatch(out, /very-secret/);
    assert.match(inspect(topology.regions, { depth: 20 }), /\[secret from \$\{[A-Z_]+\}\]/);
    assert.match(topology.toCanonicalJSON(), /\$\{EU_WEST_KAFKA_PASSWORD\}/);
  });

  it('must be ${ENV} references in the file', () => {
    const literal = baseOptions();
    literal.etcd = { endpoints: ['https://etcd:2379'], auth: { username: 'u', password: 'plain-text' } };
    const result = validateTopology(yamlOf(literal));
    assert.equal(result.ok, false);
    assert.equal(result.diagnostics[0]?.code, 'TOPOLOGY_SECRET_LITERAL');
  });
});

describe('provenance key', () => {
  const KEY = 'provenance-very-secret-0123456789abcdef';
  const withKey = () => ({ ...baseOptions(), provenance: { key: '${GEOMESH_PROVENANCE_KEY}' } });

  it('is null when the topology declares none', () => {
    assert.equal(compile(yamlOf(baseOptions())).provenanceKey, null);
  });

  it('is a Secret resolved from its reference; the canonical form keeps the reference and re-compiles', () => {
    const topology = compile(yamlOf(withKey()), { GEOMESH_PROVENANCE_KEY: KEY });
    assert.ok(topology.provenanceKey instanceof Secret);
    assert.equal(topology.provenanceKey.reveal(), KEY);
    assert.equal(topology.provenanceKey.reference, '${GEOMESH_PROVENANCE_KEY}');
    assert.match(topology.toCanonicalJSON(), /"provenance":\{"key":"\$\{GEOMESH_PROVENANCE_KEY\}"\}/);
    for (const out of [
      topology.toCanonicalJSON(),
      JSON.stringify(topology),
      inspect(topology, { depth: 20 }),
      renderTopology(topology, 'text'),
      renderTopology(topology, 'json'),
    ])
      assert.doesNotMatch(out, /very-secret/);
    const again = compile(topology.toCanonicalJSON(), { GEOMESH_PROVENANCE_KEY: KEY });
    assert.equal(again.hash, topology.hash);
  });

  it('changes the hash when declared, not when only its value changes; diffs name it', () => {
    const without = compile(yamlOf(baseOptions()));
    const a = compile(yamlOf(withKey()), { GEOMESH_PROVENANCE_KEY: KEY });
    const b = compile(yamlOf(withKey()), { GEOMESH_PROVENANCE_KEY: `${KEY}-rotated` });
    assert.notEqual(a.hash, without.hash);
    assert.equal(a.hash, b.hash);
    assert.deepEqual(diffTopologies(without, a).mesh, ['provenance.key']);
    assert.equal(diffTopologies(a, b).isEmpty, true);
  });

  it('must resolve to at least 32 characters, and a short one is reported without its value', () => {
    const short = validateTopology(yamlOf(withKey()), { env: { GEOMESH_PROVENANCE_KEY: 'short-secret' } });
    assert.equal(short.ok, false);
    assert.deepEqual(
      short.diagnostics.map((d) => d.code),
      ['TOPOLOGY_PROVENANCE_KEY_SHORT'],
    );
    assert.doesNotMatch(JSON.stringify(short.diagnostics), /short-secret/);
    const exact = validateTopology(yamlOf(withKey()), { env: { GEOMESH_PROVENANCE_KEY: 'k'.repeat(32) } });
    assert.equal(exact.ok, true);
  });

  it('accepts more keys (a rotation): resolved as Secrets, empty slots left out, never shown', () => {
    const withAccept = () => ({
      ...baseOptions(),
      provenance: { key: '${GEOMESH_PROVENANCE_KEY}', accept: ['${OLD_KEY}', '${NEXT_KEY}'] },
    });
    const topology = compile(yamlOf(withAccept()), {
      GEOMESH_PROVENANCE_KEY: KEY,
      OLD_KEY: `${KEY}-old`,
      NEXT_KEY: '',
    });
    assert.deepEqual(
      topology.provenanceAccept.map((k) => [k.reference, k.reveal()]),
      [['${OLD_KEY}', `${KEY}-old`]],
    );
    assert.equal(topology.onUnknownProvenanceKey, 'halt');
    assert.match(renderTopology(topology, 'text'), /accepts \$\{OLD_KEY\}, \$\{NEXT_KEY\}/);
    for (const out of [topology.toCanonicalJSON(), renderTopology(topology, 'text'), inspect(topology)])
      assert.doesNotMatch(out, /very-secret/);
    // Files without `accept` keep their canonical form (and hash) of before.
    assert.doesNotMatch(
      compile(yamlOf(withKey()), { GEOMESH_PROVENANCE_KEY: KEY }).toCanonicalJSON(),
      /accept/,
    );
    const skip = compile(
      yamlOf({ ...baseOptions(), provenance: { key: '${GEOMESH_PROVENANCE_KEY}', onUnknownKey: 'skip' } }),
      { GEOMESH_PROVENANCE_KEY: KEY },
    );
    assert.equal(skip.onUnknownProvenanceKey, 'skip');
  });

  it('must be an ${ENV} reference; an unset variable is reported once, as missing', () => {
    const literal = validateTopology(yamlOf({ ...baseOptions(), provenance: { key: 'x'.repeat(64) } }));
    assert.deepEqual(
      literal.diagnostics.map((d) => d.code),
      ['TOPOLOGY_SECRET_LITERAL'],
    );
    assert.match(literal.diagnostics[0]?.fix ?? '', /\$\{GEOMESH_PROVENANCE_KEY\}/);
    const unset = validateTopology(yamlOf(withKey()));
    assert.deepEqual(
      unset.diagnostics.map((d) => d.code),
      ['TOPOLOGY_MISSING_ENV'],
    );
  });
});
