/**
 * Which Kafka protocol APIs kafkajs can still use against the pinned broker. KIP-896 (Kafka 4.0) removed old
 * API versions; kafkajs picks min(its newest version, the broker's newest) and never checks the broker's
 * oldest, so an API whose newest kafkajs version is below the broker's oldest is unusable.
 * The table is printed, and the unusable set must match the one documented in docs/kafka-compatibility.md.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { TestEnvironment } from '../../harness/index.ts';
import { brokerApiVersions, type ApiVersionRange } from '../../support/kafka-wire.ts';

const require = createRequire(import.meta.url);
const apiKeys = require('kafkajs/src/protocol/requests/apiKeys') as Record<string, number>;
const { requests } = require('kafkajs/src/protocol/requests') as {
  requests: Record<string, { versions: string[] }>;
};

/** APIs geomesh relies on: all must be usable. */
const NEEDED = [
  'Produce',
  'Fetch',
  'ListOffsets',
  'Metadata',
  'OffsetCommit',
  'OffsetFetch',
  'GroupCoordinator',
  'JoinGroup',
  'Heartbeat',
  'LeaveGroup',
  'SyncGroup',
  'DescribeGroups',
  'ListGroups',
  'ApiVersions',
  'CreateTopics',
  'DeleteTopics',
  'DeleteRecords',
  'InitProducerId',
  'AddPartitionsToTxn',
  'AddOffsetsToTxn',
  'EndTxn',
  'TxnOffsetCommit',
  'DescribeConfigs',
  'AlterConfigs',
  'CreatePartitions',
  'DeleteGroups',
  'SaslHandshake',
  'SaslAuthenticate',
];

/** kafkajs APIs the pinned Kafka refuses, as documented in docs/kafka-compatibility.md. */
const DOCUMENTED_UNUSABLE: readonly string[] = [];

describe('kafkajs protocol coverage of the pinned Kafka', () => {
  let env: TestEnvironment;
  let broker: ApiVersionRange[];
  before(async () => {
    env = await TestEnvironment.start({ kafka: ['a'] });
    broker = await brokerApiVersions(env.cluster('a').bootstrapServers[0]!);
  });
  after(() => env?.stop());

  it('prints the matrix and finds only the documented gaps', () => {
    const rows: string[] = [];
    const unusable: string[] = [];
    for (const [name, key] of Object.entries(apiKeys)) {
      const implemented = (requests[name]?.versions ?? []).map(Number);
      if (implemented.length === 0) continue; // kafkajs never sends it
      const range = broker.find((r) => r.apiKey === key);
      const kafkajsMax = Math.max(...implemented);
      const used = range ? Math.min(kafkajsMax, range.maxVersion) : undefined;
      const isUsable =
        range !== undefined && used !== undefined && used >= range.minVersion && implemented.includes(used);
      if (!isUsable) unusable.push(name);
      rows.push(
        `${name.padEnd(28)} kafkajs v0-${kafkajsMax}`.padEnd(48) +
          (range
            ? `broker v${range.minVersion}-${range.maxVersion}`.padEnd(20)
            : 'broker: absent'.padEnd(20)) +
          (isUsable ? `uses v${used}` : 'UNUSABLE'),
      );
    }
    console.log(`kafkajs vs Kafka ${env.cluster('a').version}:\n${rows.join('\n')}`);
    assert.ok(rows.length > 20, 'the kafkajs request table was read');
    for (const name of NEEDED)
      assert.ok(!unusable.includes(name), `${name} is needed by geomesh but unusable`);
    assert.deepEqual(unusable.sort(), [...DOCUMENTED_UNUSABLE].sort());
  });
});
