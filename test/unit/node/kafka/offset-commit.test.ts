/**
 * Commits without joining the group (node/kafka/offset-commit.ts) reach kafkajs's private cluster factory; a
 * kafkajs without it would silently fall back to the slow commit through a group member, so this fails
 * instead. The request itself is tested against Kafka (test/integration/kafka/kafkajs-conformance.test.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createKafkaClient } from '../../../../node/kafka/index.ts';
import { coordinatorClusterOf } from '../../../../node/kafka/offset-commit.ts';
import { silentLogger } from '../../../../node/log/index.ts';

describe('commits without joining the group', () => {
  it("find kafkajs's cluster factory: a cluster that can look up group coordinators (no connection made)", () => {
    const kafka = createKafkaClient({ brokers: ['127.0.0.1:1'], clientId: 't', logger: silentLogger() });
    const cluster = coordinatorClusterOf(kafka);
    assert.ok(cluster, 'kafkajs 2.2.4 has the factory');
    assert.equal(typeof cluster.findGroupCoordinator, 'function');
    assert.equal(typeof cluster.connect, 'function');
  });
});
