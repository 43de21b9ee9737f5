/**
 * Committing the offsets of a consumer group that has no members, without joining it: one OffsetCommit
 * request to the group's coordinator with generation -1 and no member id, as Kafka's own
 * AdminClient.alterConsumerGroupOffsets sends it. The broker refuses it while the group has members
 * (UNKNOWN_MEMBER_ID / ILLEGAL_GENERATION), so a live group is never moved under its consumers.
 *
 * kafkajs has no admin call for it (its admin.setOffsets joins the group with a consumer, ~1 s a group); its
 * clients are built on a cluster from a private factory of the Kafka object, which this file reaches by
 * its symbol's description (kafkajs 2.2.4, pinned). When that factory is not found (another kafkajs), the
 * caller falls back to a commit through a member of the group (commitGroupOffsets).
 */
import type { Kafka } from 'kafkajs';
import type { CommittedOffset } from './group-offsets.ts';

/** What this file uses of a kafkajs cluster and broker. */
interface CoordinatorCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  findGroupCoordinator(request: { groupId: string }): Promise<{
    offsetCommit(request: {
      groupId: string;
      groupGenerationId: number;
      memberId: string;
      topics: { topic: string; partitions: { partition: number; offset: string }[] }[];
    }): Promise<unknown>;
  }>;
}

const CREATE_CLUSTER = 'private:Kafka:createCluster';

/** A connection to the cluster's group coordinators; undefined when this kafkajs has no such factory. */
export function coordinatorClusterOf(kafka: Kafka): CoordinatorCluster | undefined {
  const symbol = Object.getOwnPropertySymbols(kafka).find((s) => s.description === CREATE_CLUSTER);
  const create = symbol && (kafka as unknown as Record<symbol, unknown>)[symbol];
  if (typeof create !== 'function') return undefined;
  return (create as (options: object) => CoordinatorCluster)({ allowAutoTopicCreation: false });
}

/** Commits `offsets` of `group` (no members) in one request to its coordinator; see the file comment. */
export async function commitWithoutJoining(
  cluster: CoordinatorCluster,
  group: string,
  offsets: readonly CommittedOffset[],
): Promise<void> {
  const byTopic = new Map<string, { partition: number; offset: string }[]>();
  for (const o of offsets) {
    if (!byTopic.has(o.topic)) byTopic.set(o.topic, []);
    byTopic.get(o.topic)!.push({ partition: o.partition, offset: String(o.offset) });
  }
  const coordinator = await cluster.findGroupCoordinator({ groupId: group });
  await coordinator.offsetCommit({
    groupId: group,
    groupGenerationId: -1,
    memberId: '',
    topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
  });
}
