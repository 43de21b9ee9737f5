/**
 * Consumer group and partition offsets of a cluster, as offset translation needs them: a group's committed
 * offsets, the groups that exist, a topic's stored range, and committing a group's offsets.
 */
import type { Admin, Kafka } from 'kafkajs';
import { GeomeshError } from '../../base/index.ts';
import { translateKafkaError } from './kafka-client.ts';
import { commitWithoutJoining, coordinatorClusterOf } from './offset-commit.ts';

export interface CommittedOffset {
  topic: string;
  partition: number;
  /** The next offset the group reads. */
  offset: number;
}

export interface PartitionRange {
  partition: number;
  logStart: number;
  logEnd: number;
}

/**
 * Commits `offsets` for `group`, which must have no active members (Kafka would rebalance a live group;
 * this refuses instead). Like kafkajs' admin.setOffsets, through a short-lived member of the group that
 * seeks and leaves, but without its 5-second fetch wait.
 */
export async function commitGroupOffsets(
  kafka: Kafka,
  group: string,
  offsets: readonly CommittedOffset[],
): Promise<void> {
  const topics = [...new Set(offsets.map((o) => o.topic))];
  if (topics.length === 0) return;
  const admin = kafka.admin();
  await admin.connect();
  try {
    const described = await admin.describeGroups([group]);
    const members = described.groups[0]?.members.length ?? 0;
    if (members > 0) {
      throw new GeomeshError(
        'GEOMESH_KAFKA_REQUEST',
        `group ${group} has ${members} active member(s): offsets are committed only into a group with none (stop its consumers first)`,
        { details: { group } },
      );
    }
  } catch (err) {
    throw err instanceof GeomeshError
      ? err
      : translateKafkaError(err, `describing group ${group}`, { group });
  } finally {
    await admin.disconnect();
  }
  const consumer = kafka.consumer({ groupId: group, maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      // The first fetch comes after the seeks below are applied; stopping then commits them.
      consumer.on(consumer.events.FETCH, () => void consumer.stop().then(resolve, reject));
      consumer
        .run({ autoCommit: true, eachBatchAutoResolve: false, eachBatch: () => Promise.resolve() })
        .catch(reject);
      consumer.pause(topics.map((topic) => ({ topic })));
      for (const o of offsets)
        consumer.seek({ topic: o.topic, partition: o.partition, offset: String(o.offset) });
    });
  } catch (err) {
    throw translateKafkaError(err, `committing offsets of group ${group}`, { group });
  } finally {
    await consumer.disconnect();
  }
}

/**
 * The reads offset translation makes of a node's own cluster, over one long-lived admin connection
 * (connecting per call costs a round of metadata each time). A failed call drops the connection; the next
 * call makes a new one.
 */
export class ClusterOffsets {
  readonly #kafka: Kafka;
  #admin: Promise<Admin> | undefined;
  /** The group coordinators' connection for commits (offset-commit.ts); null: this kafkajs has none. */
  #coordinators: Promise<ReturnType<typeof coordinatorClusterOf>> | undefined;

  constructor(kafka: Kafka) {
    this.#kafka = kafka;
  }

  async #use<T>(what: string, details: Record<string, string>, fn: (admin: Admin) => Promise<T>): Promise<T> {
    this.#admin ??= (async () => {
      const admin = this.#kafka.admin();
      await admin.connect();
      return admin;
    })();
    const pending = this.#admin;
    try {
      return await fn(await pending);
    } catch (err) {
      if (this.#admin === pending) this.#admin = undefined;
      void pending.then((a) => a.disconnect()).catch(() => undefined);
      throw translateKafkaError(err, what, details);
    }
  }

  committedOffsets(group: string, topics: readonly string[]): Promise<CommittedOffset[]> {
    return this.#use(`fetching the committed offsets of group ${group}`, { group }, async (admin) => {
      const result = await admin.fetchOffsets({
        groupId: group,
        ...(topics.length > 0 ? { topics: [...topics] } : {}),
      });
      return result
        .flatMap((t) =>
          t.partitions.map((p) => ({ topic: t.topic, partition: p.partition, offset: Number(p.offset) })),
        )
        .filter((o) => o.offset >= 0)
        .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
    });
  }

  topicRanges(topic: string): Promise<PartitionRange[] | undefined> {
    return this.#use(`reading the offsets of ${topic}`, { topic }, async (admin) => {
      if (!(await admin.listTopics()).includes(topic)) return undefined;
      return (await admin.fetchTopicOffsets(topic))
        .map((o) => ({ partition: o.partition, logStart: Number(o.low), logEnd: Number(o.high) }))
        .sort((a, b) => a.partition - b.partition);
    });
  }

  groups(): Promise<string[]> {
    return this.#use('listing consumer groups', {}, async (admin) =>
      (await admin.listGroups()).groups
        .filter((g) => g.protocolType === 'consumer' || g.protocolType === '')
        .map((g) => g.groupId)
        .sort(),
    );
  }

  /** How many members `group` has now (0 for a group with no consumer running, or none at all). */
  activeMembers(group: string): Promise<number> {
    return this.#use(`describing group ${group}`, { group }, async (admin) => {
      const described = await admin.describeGroups([group]);
      return described.groups[0]?.members.length ?? 0;
    });
  }

  /**
   * Commits offsets for a group with no active members: refused when it has some (as commitGroupOffsets),
   * else one OffsetCommit to its coordinator without joining it (offset-commit.ts), over a connection kept
   * between calls; through a member of the group when this kafkajs cannot.
   */
  async commit(group: string, offsets: readonly CommittedOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    this.#coordinators ??= (async () => {
      const cluster = coordinatorClusterOf(this.#kafka);
      await cluster?.connect();
      return cluster;
    })();
    const pending = this.#coordinators;
    let cluster;
    try {
      cluster = await pending;
    } catch (err) {
      if (this.#coordinators === pending) this.#coordinators = undefined;
      throw translateKafkaError(err, `committing offsets of group ${group}`, { group });
    }
    if (!cluster) return commitGroupOffsets(this.#kafka, group, offsets);
    const members = await this.activeMembers(group);
    if (members > 0) {
      throw new GeomeshError(
        'GEOMESH_KAFKA_REQUEST',
        `group ${group} has ${members} active member(s): offsets are committed only into a group with none (stop its consumers first)`,
        { details: { group } },
      );
    }
    try {
      await commitWithoutJoining(cluster, group, offsets);
    } catch (err) {
      throw translateKafkaError(err, `committing offsets of group ${group}`, { group });
    }
  }

  async stop(): Promise<void> {
    const pending = this.#admin;
    this.#admin = undefined;
    if (pending) await pending.then((a) => a.disconnect()).catch(() => undefined);
    const coordinators = this.#coordinators;
    this.#coordinators = undefined;
    if (coordinators) await coordinators.then((c) => c?.disconnect()).catch(() => undefined);
  }
}
