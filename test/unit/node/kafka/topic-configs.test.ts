import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isGeomeshError } from '../../../../base/index.ts';
import {
  SYNCED_TOPIC_CONFIGS,
  TOPIC_CONFIG_RULES,
  planTopicConfigSync,
  type TopicConfigEntry,
} from '../../../../node/kafka/index.ts';

const where = { topic: 'orders', region: 'eu' };

/** A config map from `name: [value, origin]`. */
function configs(entries: Record<string, [string | null, TopicConfigEntry['origin']]>) {
  return new Map(Object.entries(entries).map(([name, [value, origin]]) => [name, { value, origin }]));
}

/** Every synced config at Kafka's default, as a broker describes an untouched topic. */
const defaults: Record<string, [string, 'default']> = {
  'cleanup.policy': ['delete', 'default'],
  'retention.ms': ['604800000', 'default'],
  'retention.bytes': ['-1', 'default'],
  'delete.retention.ms': ['86400000', 'default'],
  'min.compaction.lag.ms': ['0', 'default'],
  'max.compaction.lag.ms': ['9223372036854775807', 'default'],
  'segment.bytes': ['1073741824', 'default'],
  'segment.ms': ['604800000', 'default'],
  'compression.type': ['producer', 'default'],
  'max.message.bytes': ['1048588', 'default'],
};

describe('topic config rules', () => {
  it('docs/topic-configs.md lists exactly the synced configs, with their rules', () => {
    const doc = readFileSync(join(import.meta.dirname, '../../../../docs/topic-configs.md'), 'utf8');
    const section = doc.split('## Synced configs')[1]?.split('\n## ')[0] ?? '';
    const rows = [...section.matchAll(/^\|\s*`([^`]+)`\s*\|\s*`([^`]+)`\s*\|/gm)].map((m) => [m[1], m[2]]);
    assert.deepEqual(Object.fromEntries(rows), { ...TOPIC_CONFIG_RULES });
    assert.deepEqual([...SYNCED_TOPIC_CONFIGS], Object.keys(TOPIC_CONFIG_RULES));
  });

  it('does not sync what belongs to the target cluster or must stay CreateTime', () => {
    for (const name of ['min.insync.replicas', 'message.timestamp.type', 'unclean.leader.election.enable']) {
      assert.equal(Object.hasOwn(TOPIC_CONFIG_RULES, name), false, name);
    }
  });
});

describe('planTopicConfigSync', () => {
  it('changes nothing when the target already matches', () => {
    const source = configs({ ...defaults, 'retention.ms': ['3600000', 'topic'] });
    const target = configs({
      ...defaults,
      'retention.ms': ['3600000', 'topic'],
      'message.timestamp.type': ['CreateTime', 'topic'],
    });
    const plan = planTopicConfigSync(source, target, where);
    assert.deepEqual([...plan.changes], []);
    assert.deepEqual(
      [...plan.overrides],
      [
        ['retention.ms', '3600000'],
        ['message.timestamp.type', 'CreateTime'],
      ],
    );
  });

  it('sets what the source sets, resets what it leaves at default, keeps every other target override', () => {
    const source = configs({
      ...defaults,
      'retention.ms': ['7200000', 'topic'],
      'compression.type': ['zstd', 'topic'],
      'segment.ms': ['3600000', 'broker'], // a source broker setting counts as set
    });
    const target = configs({
      ...defaults,
      'retention.ms': ['3600000', 'topic'],
      'delete.retention.ms': ['1000', 'topic'],
      'index.interval.bytes': ['8192', 'topic'],
      'min.insync.replicas': ['2', 'topic'],
      'message.timestamp.type': ['CreateTime', 'topic'],
      'unclean.leader.election.enable': ['false', 'broker'],
    });
    const plan = planTopicConfigSync(source, target, where);
    assert.deepEqual(
      new Map(plan.changes),
      new Map([
        ['retention.ms', 'set'],
        ['delete.retention.ms', 'reset'],
        ['segment.ms', 'set'],
        ['compression.type', 'set'],
      ]),
    );
    assert.deepEqual(
      Object.fromEntries(plan.overrides),
      {
        'retention.ms': '7200000',
        'index.interval.bytes': '8192',
        'min.insync.replicas': '2',
        'message.timestamp.type': 'CreateTime',
        'segment.ms': '3600000',
        'compression.type': 'zstd',
      },
      'a broker-inherited value (unclean.leader.election.enable) must not become a topic override',
    );
  });

  it('does not pin a value the source leaves at default when the target inherits another from its brokers', () => {
    const target = configs({ ...defaults, 'retention.ms': ['86400000', 'broker'] });
    const plan = planTopicConfigSync(configs(defaults), target, where);
    assert.equal(plan.changes.size, 0);
    assert.equal(plan.overrides.size, 0);
  });

  it('compares cleanup.policy as a set', () => {
    const source = configs({ ...defaults, 'cleanup.policy': ['compact,delete', 'topic'] });
    const target = configs({ ...defaults, 'cleanup.policy': ['delete, compact', 'topic'] });
    assert.equal(planTopicConfigSync(source, target, where).changes.size, 0);
    const compactOnly = configs({ ...defaults, 'cleanup.policy': ['compact', 'topic'] });
    assert.deepEqual(
      [...planTopicConfigSync(source, compactOnly, where).changes],
      [['cleanup.policy', 'set']],
    );
  });

  it('raises max.message.bytes to the source’s effective value and never lowers it', () => {
    const low = configs({ ...defaults, 'max.message.bytes': ['500000', 'topic'] });
    const raised = planTopicConfigSync(configs(defaults), low, where);
    assert.deepEqual([...raised.changes], [['max.message.bytes', 'set']]);
    assert.equal(raised.overrides.get('max.message.bytes'), '1048588');
    // Numbers, not strings: '3000000' < '500000' as text.
    const high = configs({ ...defaults, 'max.message.bytes': ['3000000', 'topic'] });
    const kept = planTopicConfigSync(configs(defaults), high, where);
    assert.equal(kept.changes.size, 0);
    assert.equal(kept.overrides.get('max.message.bytes'), '3000000');
  });

  it('leaves alone a synced config one side does not know', () => {
    const { 'segment.ms': _dropped, ...older } = defaults;
    const source = configs({ ...defaults, 'segment.ms': ['60000', 'topic'] });
    assert.equal(planTopicConfigSync(source, configs(older), where).changes.size, 0);
  });

  it('refuses a target override it could not write back', () => {
    for (const [entry, what] of [
      [['x', 'unknown'], 'unknown source'],
      [[null, 'topic'], 'hidden'],
    ] as const) {
      const target = configs({ ...defaults, 'some.config': [entry[0], entry[1]] });
      assert.throws(
        () => planTopicConfigSync(configs(defaults), target, where),
        (err: unknown) =>
          isGeomeshError(err, 'GEOMESH_REPLICATION_TOPIC_MISMATCH') &&
          err.message.includes('some.config') &&
          err.message.includes(what) &&
          err.details.region === 'eu',
      );
    }
  });
});
