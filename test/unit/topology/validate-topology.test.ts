import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isGeomeshError } from '../../../base/index.ts';
import { compileTopology, formatDiagnostic, validateTopology } from '../../../topology/index.ts';
import { baseOptions, yamlOf } from './fixtures.ts';

const INVALID_DIR = new URL('./invalid/', import.meta.url);

/** `# expect: L:C CODE` and `# fix: text` lines of a corpus file. */
export function expectationsOf(text: string): {
  expects: { line: number; column: number; code: string }[];
  fix: string;
} {
  const expects = [...text.matchAll(/^# expect: (\d+):(\d+) (TOPOLOGY_[A-Z_]+)$/gm)].map((m) => ({
    line: Number(m[1]),
    column: Number(m[2]),
    code: m[3] ?? '',
  }));
  const fix = /^# fix: (.+)$/m.exec(text)?.[1] ?? '';
  return { expects, fix };
}

describe('validateTopology', () => {
  it('compiles a valid topology without diagnostics', () => {
    const result = validateTopology(yamlOf(baseOptions()));
    assert.ok(result.ok, JSON.stringify(result.diagnostics));
    assert.deepEqual(result.diagnostics, []);
    assert.equal(result.topology.links.length, 3);
  });

  it('reports every problem at once, sorted by position', () => {
    const text = [
      'mesh: Orders',
      'etcd: { endpoints: ["http://127.0.0.1:2379"], extra: 1 }',
      'regions:',
      '  us-east: { kafka: { brokers: ["10.0.0.1:9092"] } }',
      '  eu-west: { kafka: { brokers: ["10.0.0.1:9092"], tsl: true } }',
      'links:',
      '  - { from: us-east, to: eu-wset, topics: { include: ["a("] } }',
      '  - { from: eu-west, to: us-east, topics: { include: ["a"] }, options: { compression: lz5 } }',
    ].join('\n');
    const result = validateTopology(text, { file: 'topology.yaml' });
    assert.equal(result.ok, false);
    assert.deepEqual(
      result.diagnostics.map((d) => `${d.line}:${d.column} ${d.code}`),
      [
        '1:7 TOPOLOGY_INVALID_MESH_NAME',
        '2:47 TOPOLOGY_UNKNOWN_KEY',
        '5:33 TOPOLOGY_DUPLICATE_BROKER',
        '5:51 TOPOLOGY_UNKNOWN_KEY',
        '7:26 TOPOLOGY_UNKNOWN_REGION',
        '7:55 TOPOLOGY_INVALID_REGEX',
        '8:87 TOPOLOGY_INVALID_VALUE',
      ],
    );
    const unknown = result.diagnostics.find((d) => d.code === 'TOPOLOGY_UNKNOWN_REGION');
    assert.ok(unknown);
    assert.equal(
      formatDiagnostic(unknown),
      'topology.yaml:7:26 links[0].to: unknown region "eu-wset" (did you mean "eu-west"?) [TOPOLOGY_UNKNOWN_REGION]',
    );
  });

  it('reports YAML syntax errors with their position and stops there', () => {
    const result = validateTopology('mesh: orders\nregions: [a, b\nlinks: []\n');
    assert.equal(result.ok, false);
    assert.ok(result.diagnostics.every((d) => d.code === 'TOPOLOGY_YAML_SYNTAX'));
    assert.ok(result.diagnostics.length >= 1);
  });

  it('reports a duplicate key at the second occurrence and keeps validating the rest', () => {
    const text = yamlOf(baseOptions()).replace('mesh: orders\n', 'mesh: orders\nmesh: payments\n');
    const result = validateTopology(text);
    assert.equal(result.ok, false);
    const [duplicate] = result.diagnostics;
    assert.equal(duplicate?.code, 'TOPOLOGY_DUPLICATE_KEY');
    assert.equal(duplicate?.line, 2);
    assert.match(duplicate?.message ?? '', /key mesh is declared twice/);
  });

  it('rejects the wrong shape of the whole file', () => {
    for (const text of ['', '- a\n- b\n', 'just a string\n']) {
      const result = validateTopology(text);
      assert.equal(result.ok, false);
      assert.equal(result.diagnostics[0]?.code, 'TOPOLOGY_WRONG_TYPE');
    }
  });

  it('resolves ${ENV} anywhere a string is, interpolated, with $${ as a literal', () => {
    const options = baseOptions();
    options.mesh = '${MESH}';
    options.regions['us-east'] = { kafka: { brokers: ['${HOST}:${PORT}'] } };
    options.regions['eu-west'] = {
      kafka: {
        brokers: ['10.1.1.10:9092'],
        sasl: { mechanism: 'plain', username: 'user$${x}', password: '${PW}' },
      },
    };
    const result = validateTopology(yamlOf(options), {
      env: { MESH: 'orders', HOST: 'kafka.internal', PORT: '9093', PW: 'pw' },
    });
    assert.ok(result.ok, JSON.stringify(result.diagnostics));
    assert.equal(result.topology.mesh, 'orders');
    assert.deepEqual(result.topology.region('us-east').kafka.brokers, ['kafka.internal:9093']);
    assert.equal(result.topology.region('eu-west').kafka.sasl?.username, 'user${x}');
    assert.equal(result.topology.region('eu-west').kafka.sasl?.password.reveal(), 'pw');
    // The canonical form keeps the references, not the values.
    const canonical = result.topology.toCanonicalJSON();
    assert.match(canonical, /"\$\{HOST\}:\$\{PORT\}"/);
    assert.doesNotMatch(canonical, /kafka\.internal/);
  });

  it('reports each missing variable at its own column', () => {
    const options = baseOptions();
    options.regions['us-east'] = { kafka: { brokers: ['${HOST}:${PORT}'] } };
    const result = validateTopology(yamlOf(options), { env: { HOST: 'h' } });
    assert.equal(result.ok, false);
    const missing = result.diagnostics.filter((d) => d.code === 'TOPOLOGY_MISSING_ENV');
    assert.equal(missing.length, 1);
    assert.match(missing[0]?.message ?? '', /PORT is not set/);
    const line = yamlOf(options).split('\n')[(missing[0]?.line ?? 0) - 1] ?? '';
    assert.equal(line.slice((missing[0]?.column ?? 0) - 1).startsWith('${PORT}'), true);
  });

  it('never shows a secret value in a diagnostic', () => {
    const options = baseOptions();
    options.regions['eu-west'] = {
      kafka: {
        brokers: ['10.1.1.10:9092'],
        sasl: { mechanism: 'plain', username: 'u', password: 'hunter2-literal' },
      },
    };
    const result = validateTopology(yamlOf(options));
    assert.equal(result.ok, false);
    assert.equal(result.diagnostics[0]?.code, 'TOPOLOGY_SECRET_LITERAL');
    assert.doesNotMatch(JSON.stringify(result.diagnostics), /hunter2/);
  });

  it('warns when a forwarding path selects different topics on its links, and not when they agree', () => {
    const chain = (downstream: string[]) =>
      yamlOf({
        mesh: 'chain',
        etcd: { endpoints: ['http://127.0.0.1:2379'] },
        regions: {
          a: { kafka: { brokers: ['10.0.0.1:9092'] } },
          b: { kafka: { brokers: ['10.0.0.2:9092'] } },
          c: { kafka: { brokers: ['10.0.0.3:9092'] } },
        },
        links: [
          { from: 'a', to: 'b', topics: { include: ['orders-.*'] } },
          { from: 'b', to: 'c', topics: { include: downstream } },
        ],
      });
    const mismatched = validateTopology(chain(['clicks']));
    assert.ok(mismatched.ok);
    assert.deepEqual(
      mismatched.diagnostics.map((d) => [d.severity, d.code]),
      [['warning', 'TOPOLOGY_FORWARDING_MISMATCH']],
    );
    assert.equal(mismatched.topology.reaches('a', 'c', 'orders-1'), false);
    assert.equal(mismatched.topology.reaches('b', 'c', 'clicks'), true);
    const agreeing = validateTopology(chain(['orders-.*']));
    assert.ok(agreeing.ok);
    assert.deepEqual(agreeing.diagnostics, []);
    assert.equal(agreeing.topology.reaches('a', 'c', 'orders-1'), true);
  });

  it('applies defaults: link options, then defaults.options, then built-in', () => {
    const options = baseOptions();
    options.defaults = { options: { compression: 'zstd', maxBatchBytes: 2048, transport: 'stream' } };
    options.links[1] = {
      from: 'us-east',
      to: 'ap-south',
      topics: { include: ['x'] },
      options: { compression: 'lz4', transport: 'pull' },
    };
    const topology = validateTopology(yamlOf(options));
    assert.ok(topology.ok);
    const link = topology.topology.link('us-east', 'ap-south');
    assert.deepEqual(link?.options, {
      compression: 'lz4',
      maxBatchBytes: 2048,
      exactlyOnce: false,
      maxRecordsPerSecond: null,
      maxInflightBytes: 16 * 1024 * 1024,
      onSourceTruncated: 'continue',
      onRecordTooLarge: 'halt',
      syncGroupOffsets: false,
      transport: 'pull',
    });
    assert.equal(topology.topology.link('us-east', 'eu-west')?.options.compression, 'zstd');
    assert.equal(topology.topology.link('us-east', 'eu-west')?.options.transport, 'stream');
    assert.deepEqual(topology.topology.link('us-east', 'eu-west')?.groups.include, ['.*']);
  });

  it('compiles the data-path policies onSourceTruncated and onRecordTooLarge, with defaults', () => {
    const options = baseOptions();
    options.defaults = { options: { onSourceTruncated: 'halt' } };
    options.links[1] = {
      from: 'us-east',
      to: 'ap-south',
      topics: { include: ['x'] },
      options: { onRecordTooLarge: 'skip', onSourceTruncated: 'continue' },
    };
    const result = validateTopology(yamlOf(options));
    assert.ok(result.ok, JSON.stringify(result.diagnostics));
    const own = result.topology.link('us-east', 'ap-south')?.options;
    assert.equal(own?.onSourceTruncated, 'continue');
    assert.equal(own?.onRecordTooLarge, 'skip');
    const inherited = result.topology.link('us-east', 'eu-west')?.options;
    assert.equal(inherited?.onSourceTruncated, 'halt');
    assert.equal(inherited?.onRecordTooLarge, 'halt');
    const plain = validateTopology(yamlOf(baseOptions()));
    assert.ok(plain.ok);
    assert.equal(plain.topology.link('us-east', 'eu-west')?.options.onSourceTruncated, 'continue');
    assert.equal(plain.topology.link('us-east', 'eu-west')?.options.onRecordTooLarge, 'halt');
    const wrong = baseOptions();
    wrong.links[1] = {
      from: 'us-east',
      to: 'ap-south',
      topics: { include: ['x'] },
      options: { onSourceTruncated: 'stop' as 'halt' },
    };
    const refused = validateTopology(yamlOf(wrong));
    assert.equal(refused.ok, false);
    assert.ok(
      refused.diagnostics.some(
        (d) => d.severity === 'error' && /onSourceTruncated/.test(formatDiagnostic(d)),
      ),
      refused.diagnostics.map((d) => formatDiagnostic(d)).join('\n'),
    );
  });

  it('compileTopology throws GEOMESH_TOPOLOGY_INVALID naming every error', () => {
    const options = baseOptions();
    options.mesh = 'Bad Name';
    (options.links[1] as { to: string }).to = 'nowhere';
    assert.throws(
      () => compileTopology(yamlOf(options), { file: 'mesh.yaml' }),
      (err: unknown) => {
        assert.ok(isGeomeshError(err, 'GEOMESH_TOPOLOGY_INVALID'));
        assert.equal(err.details.file, 'mesh.yaml');
        assert.equal(err.details['errors'], 2);
        assert.match(err.message, /mesh\.yaml:1:7 mesh:/);
        assert.match(err.message, /unknown region "nowhere"/);
        return true;
      },
    );
  });

  describe('every rule, one corpus file each (in-process)', () => {
    for (const name of readdirSync(INVALID_DIR)
      .filter((f) => f.endsWith('.yaml'))
      .sort()) {
      it(name, () => {
        const text = readFileSync(new URL(name, INVALID_DIR), 'utf8');
        const { expects, fix } = expectationsOf(text);
        assert.ok(expects.length > 0, 'the file declares # expect: lines');
        const result = validateTopology(text, {
          file: name,
          env: { GEOMESH_TEST_PASSWORD: 'not-a-real-one' },
        });
        assert.equal(result.ok, false);
        const errors = result.diagnostics.filter((d) => d.severity === 'error');
        assert.deepEqual(
          errors.map((d) => ({ line: d.line, column: d.column, code: d.code })),
          expects,
        );
        assert.ok(
          errors.some((d) => d.fix.includes(fix)),
          `a fix mentions "${fix}": ${errors.map((d) => d.fix).join(' | ')}`,
        );
      });
    }
  });
});
