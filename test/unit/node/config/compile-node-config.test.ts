/**
 * compileNodeConfig: every inbound link of the region gets every option (the topology's, with its YAML
 * defaults, and the node's per-link settings), overrides of NODE_DEFAULTS win at any depth and nothing else
 * moves, the result is frozen all the way down, and a bad override is GEOMESH_CONFIG_INVALID naming its key.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isGeomeshError } from '../../../../base/index.ts';
import {
  NODE_DEFAULTS,
  applyNodeOverrides,
  compileLink,
  compileNodeConfig,
  type NodeOverrides,
} from '../../../../node/config/index.ts';
import { LINK_OPTION_DEFAULTS, compileTopology, type TopologyConfig } from '../../../../topology/index.ts';

const REGIONS = ['east', 'north', 'south', 'west'] as const;

/** The YAML of a link's `options` (a subset of the tuning fields), as a flow mapping. */
const linkOptions = fc.record(
  {
    maxBatchBytes: fc.integer({ min: 1_024, max: 1_048_576 }),
    maxInflightBytes: fc.integer({ min: 2 * 1_048_576, max: 64 * 1_048_576 }),
    compression: fc.constantFrom('none', 'gzip', 'snappy', 'lz4', 'zstd'),
    maxRecordsPerSecond: fc.integer({ min: 1, max: 100_000 }),
    onSourceTruncated: fc.constantFrom('continue', 'halt'),
    onRecordTooLarge: fc.constantFrom('halt', 'skip'),
    syncGroupOffsets: fc.boolean(),
  },
  { requiredKeys: [] },
);

function flow(options: object): string {
  return `{ ${Object.entries(options)
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join(', ')} }`;
}

/** A mesh of four regions: a full mesh among three, a one-way link into the fourth, each with its options. */
function topologyWith(
  perLink: readonly object[],
  defaults: object | undefined,
  workSharing: string | undefined,
): TopologyConfig {
  const links = [
    ['east', 'west'],
    ['west', 'east'],
    ['north', 'west'],
    ['west', 'north'],
    ['north', 'east'],
    ['east', 'north'],
    ['west', 'south'],
  ] as const;
  return compileTopology(
    [
      'mesh: unit',
      "etcd: { endpoints: ['http://127.0.0.1:1'] }",
      "provenance: { key: '${GEOMESH_PROVENANCE_KEY}' }",
      ...(defaults ? [`defaults: { options: ${flow(defaults)} }`] : []),
      'regions:',
      ...REGIONS.map(
        (r, i) =>
          `  ${r}: { kafka: { brokers: ['127.0.0.1:${i + 1}'] }` +
          (workSharing && r === 'west' ? `, node: { workSharing: ${workSharing} } }` : ' }'),
      ),
      'links:',
      ...links.map(
        ([from, to], i) =>
          `  - { from: ${from}, to: ${to}, topics: { include: ['orders-.*'] }` +
          (perLink[i] && Object.keys(perLink[i]).length > 0 ? `, options: ${flow(perLink[i])} }` : ' }'),
      ),
      '',
    ].join('\n'),
    { file: 'unit.yaml', env: { GEOMESH_PROVENANCE_KEY: '0123456789abcdef0123456789abcdef' } },
  );
}

/** Every leaf of NODE_DEFAULTS as a path. */
function leaves(value: object, prefix: string[] = []): string[][] {
  return Object.entries(value).flatMap(([k, v]) =>
    typeof v === 'object' && v !== null ? leaves(v as object, [...prefix, k]) : [[...prefix, k]],
  );
}
const LEAVES = leaves(NODE_DEFAULTS);

function at(value: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], value);
}

function overridesOf(entries: readonly (readonly [readonly string[], number])[]): NodeOverrides {
  const out: Record<string, unknown> = {};
  for (const [path, n] of entries) {
    let into = out;
    for (const k of path.slice(0, -1)) into = (into[k] ??= {}) as Record<string, unknown>;
    into[path[path.length - 1]!] = n;
  }
  return out;
}

/** Overrides of a few leaves; `writeRetryBackoffMs` stays ordered (initial ≤ max) so that every draw is valid. */
const overrides = fc
  .uniqueArray(
    fc.tuple(
      fc.constantFrom(
        ...LEAVES.filter((p) => p[0] !== 'writeRetryBackoffMs' && typeof at(NODE_DEFAULTS, p) === 'number'),
      ),
      fc.integer({ min: 1, max: 1_000_000 }),
    ),
    { selector: ([path]) => path.join('.'), maxLength: 8 },
  )
  .map((entries) => ({ entries, overrides: overridesOf(entries) }));

function isDeepFrozen(value: unknown, seen = new Set<unknown>()): boolean {
  if (value === null || typeof value !== 'object' || seen.has(value)) return true;
  seen.add(value);
  return Object.isFrozen(value) && Object.values(value).every((v) => isDeepFrozen(v, seen));
}

function rejects(run: () => unknown, key: string, message: RegExp): void {
  assert.throws(run, (err: unknown) => {
    assert.ok(isGeomeshError(err, 'GEOMESH_CONFIG_INVALID'), String(err));
    assert.equal(err.details['key'], key);
    assert.match(err.message, message);
    return true;
  });
}

describe('compileNodeConfig', () => {
  it('every inbound link of the region gets every option: its own, else defaults.options, else the built-in', () => {
    fc.assert(
      fc.property(
        fc.array(linkOptions, { minLength: 7, maxLength: 7 }),
        fc.option(linkOptions, { nil: undefined }),
        fc.constantFrom(...REGIONS),
        (perLink, defaults, region) => {
          const topology = topologyWith(perLink, defaults, undefined);
          const config = compileNodeConfig(topology, region);
          const inbound = topology.inboundLinks(region);
          assert.deepEqual(
            config.links.map((l) => l.from),
            inbound.map((l) => l.from),
          );
          for (const [i, link] of config.links.entries()) {
            const declared = inbound[i]!;
            for (const key of Object.keys(LINK_OPTION_DEFAULTS) as (keyof typeof LINK_OPTION_DEFAULTS)[]) {
              if (key === 'exactlyOnce') continue; // not run: the node warns and ignores it
              assert.notEqual(link[key], undefined, `${declared.id}: ${key}`);
              assert.equal(link[key], declared.options[key], `${declared.id}: ${key}`);
            }
            assert.equal(link.truncationCheckIntervalMs, NODE_DEFAULTS.truncationCheckIntervalMs);
            assert.deepEqual(link.writeRetryBackoffMs, NODE_DEFAULTS.writeRetryBackoffMs);
            assert.equal(link.forwardsOrigin(link.from), true);
            assert.equal(typeof link.topics === 'function' && link.topics('orders-1'), true);
            assert.equal(typeof link.topics === 'function' && link.topics('payments'), false);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('takes each option from the link, then defaults.options, then the documented default', () => {
    const topology = topologyWith(
      [{ maxInflightBytes: 4_194_304 }],
      { maxInflightBytes: 8_388_608 },
      undefined,
    );
    const west = compileNodeConfig(topology, 'west');
    const byFrom = new Map(west.links.map((l) => [l.from, l]));
    assert.equal(byFrom.get('east')!.maxInflightBytes, 4_194_304);
    assert.equal(byFrom.get('north')!.maxInflightBytes, 8_388_608);
    assert.equal(byFrom.get('north')!.maxBatchBytes, LINK_OPTION_DEFAULTS.maxBatchBytes);
    assert.equal(byFrom.get('north')!.maxRecordsPerSecond, null);
  });

  it('a switch (fenceAtBroker) takes true or false, and nothing else', () => {
    const topology = topologyWith([], undefined, undefined);
    assert.equal(compileNodeConfig(topology, 'west').fenceAtBroker, false);
    assert.equal(compileNodeConfig(topology, 'west', { fenceAtBroker: true }).fenceAtBroker, true);
    assert.throws(
      () => compileNodeConfig(topology, 'west', { fenceAtBroker: 1 as unknown as boolean }),
      /node setting fenceAtBroker: must be true or false, got 1/,
    );
  });

  it('workers takes a whole number ≥ 1 or "auto" (its default), and nothing else', () => {
    const topology = topologyWith([], undefined, undefined);
    assert.equal(compileNodeConfig(topology, 'west').workers, 'auto');
    assert.equal(compileNodeConfig(topology, 'west', { workers: 3 }).workers, 3);
    assert.equal(compileNodeConfig(topology, 'west', { workers: 'auto' }).workers, 'auto');
    for (const workers of [0, 'many', 1.5])
      assert.throws(
        () => compileNodeConfig(topology, 'west', { workers: workers as number }),
        /node setting workers: must be a positive whole number \(the unit its name ends in\) or "auto"/,
      );
  });

  it('overrides win at any depth; every other setting keeps its default; the links get the overridden ones', () => {
    const topology = topologyWith([], undefined, undefined);
    fc.assert(
      fc.property(overrides, ({ entries, overrides }) => {
        const config = compileNodeConfig(topology, 'west', overrides);
        const given = new Map(entries.map(([path, n]) => [path.join('.'), n]));
        for (const path of LEAVES) {
          const expected = given.get(path.join('.')) ?? at(NODE_DEFAULTS, path);
          assert.equal(at(config, path), expected, path.join('.'));
        }
        for (const link of config.links)
          assert.equal(link.truncationCheckIntervalMs, config.truncationCheckIntervalMs);
      }),
      { numRuns: 100 },
    );
  });

  it('is frozen all the way down, and so is NODE_DEFAULTS', () => {
    const config = compileNodeConfig(topologyWith([], undefined, '{ leaseTtlMs: 4000 }'), 'west', {
      status: { meshCacheMs: 10 },
    });
    assert.ok(isDeepFrozen(config));
    assert.ok(isDeepFrozen(NODE_DEFAULTS));
    assert.throws(() => {
      (config as { peerTimeoutMs: number }).peerTimeoutMs = 1;
    }, TypeError);
    assert.throws(() => {
      (config.links[0] as { maxBatchBytes: number }).maxBatchBytes = 1;
    }, TypeError);
    assert.deepEqual(config.workSharing, { leaseTtlMs: 4_000 });
    assert.equal(NODE_DEFAULTS.status.meshCacheMs, 2_000);
  });

  it("work sharing: the region's lease TTL, its documented default, or null without work sharing", () => {
    assert.deepEqual(compileNodeConfig(topologyWith([], undefined, 'true'), 'west').workSharing, {
      leaseTtlMs: 10_000,
    });
    assert.equal(compileNodeConfig(topologyWith([], undefined, undefined), 'west').workSharing, null);
  });

  it('a bad override is GEOMESH_CONFIG_INVALID naming the key and the fix', () => {
    const topology = topologyWith([], undefined, undefined);
    const compile = (o: unknown) => () => compileNodeConfig(topology, 'west', o as NodeOverrides);
    rejects(compile({ peerHeartbeatMz: 5 }), 'peerHeartbeatMz', /did you mean "peerHeartbeatMs"/);
    rejects(compile({ status: { meshCache: 5 } }), 'status.meshCache', /settings here: meshCacheMs, /);
    rejects(compile({ topicRefreshMs: -1 }), 'topicRefreshMs', /positive whole number .* got -1/);
    rejects(compile({ topicRefreshMs: 0 }), 'topicRefreshMs', /got 0/);
    rejects(compile({ topicRefreshMs: 1.5 }), 'topicRefreshMs', /got 1\.5/);
    rejects(compile({ topicRefreshMs: '5s' }), 'topicRefreshMs', /got "5s"/);
    rejects(compile({ status: 5 }), 'status', /must be an object of settings, got 5/);
    rejects(
      compile({ writeRetryBackoffMs: { initial: 20_000 } }),
      'writeRetryBackoffMs',
      /initial \(20000\) is above max \(10000\)/,
    );
  });

  it('an unknown region is GEOMESH_CONFIG_INVALID with the regions it has', () => {
    assert.throws(
      () => compileNodeConfig(topologyWith([], undefined, undefined), 'wset'),
      (err: unknown) =>
        isGeomeshError(err, 'GEOMESH_CONFIG_INVALID') &&
        /no region "wset" \(did you mean "west"\?\); regions: east, north, south, west/.test(err.message),
    );
  });
});

describe('compileLink and applyNodeOverrides', () => {
  it('a link declared without a topology gets the documented defaults and the given settings', () => {
    const settings = applyNodeOverrides({ truncationCheckIntervalMs: 50 });
    const link = compileLink(
      { from: 'a', topics: ['t'], forwardsOrigin: () => true, maxBatchBytes: 2_048 },
      settings,
    );
    assert.equal(link.maxBatchBytes, 2_048);
    assert.equal(link.maxInflightBytes, LINK_OPTION_DEFAULTS.maxInflightBytes);
    assert.equal(link.compression, LINK_OPTION_DEFAULTS.compression);
    assert.equal(link.truncationCheckIntervalMs, 50);
    assert.deepEqual(link.topics, ['t']);
    assert.ok(isDeepFrozen(link));
  });

  it('no overrides: NODE_DEFAULTS itself', () => {
    assert.deepEqual(applyNodeOverrides({}), NODE_DEFAULTS);
  });
});
