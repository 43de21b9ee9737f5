/**
 * One region's Kafka cluster as a node uses it: the client made once, every admin call behind one method with
 * its errors translated here (never a kafkajs error or type outside this adapter), and the record sources,
 * sinks and readers of the data path made from it.
 */
import type { Socket } from 'node:net';
import type { Kafka } from 'kafkajs';
import type { Logger } from '../log/index.ts';
import type { SourceRecord } from '../replication/index.ts';
import { CompactedTopicWriter, ensureCompactedTopic, readCompactedTopic } from './compacted-topic.ts';
import { ClusterOffsets } from './group-offsets.ts';
import { createKafkaClient, translateKafkaError, type KafkaClientOptions } from './kafka-client.ts';
import { KafkaRecordSource } from './kafka-record-io.ts';
import { readPartitionRanges } from './range-read.ts';
import { KafkaRecordSink, type SinkCompression } from './kafka-record-sink.ts';
import { FencedRecordSink, type FencedRecordSinkOptions } from './fenced-record-sink.ts';
import { syncTopicConfigs, type TopicConfigSyncResult } from './topic-config-sync.ts';
import { mirrorTopic, partitionCounts } from './topic-mirror.ts';

/** A partition's log start and end (the offset the next record gets). */
export interface PartitionBounds {
  partition: number;
  low: number;
  high: number;
}

/** The two regions a topic is copied between, for messages. */
export interface LinkNames {
  from: string;
  to: string;
}

export class KafkaCluster {
  readonly #kafka: Kafka;
  readonly #logger: Logger;
  /** Every socket this cluster's clients opened and that is not closed yet. */
  readonly #sockets = new Set<Socket>();
  /** Aborted by close(): retries of work abandoned by a stop end instead of keeping the process alive. */
  readonly #closed = new AbortController();
  /** Bytes read on this cluster's sockets that are closed now. */
  #closedBytesRead = 0;

  constructor(options: KafkaClientOptions) {
    this.#logger = options.logger;
    this.#kafka = createKafkaClient({
      ...options,
      closed: this.#closed.signal,
      onSocket: (socket) => {
        this.#sockets.add(socket);
        socket.once('close', () => {
          this.#closedBytesRead += socket.bytesRead;
          this.#sockets.delete(socket);
        });
      },
    });
  }

  /**
   * The last step of a stop, once every client made from this cluster has disconnected: ends the retries of
   * work a stop abandoned (a send or a metadata refresh against a cluster that does not answer would retry
   * for up to a minute, keeping the process alive; each fails now with a non-retriable error), then closes
   * the sockets still open. kafkajs can leave one open when a disconnect races a connection being opened
   * (seen under load: every client disconnected, a broker socket still open, the process kept alive); such
   * a socket carries nothing any more. The cluster is not used after it.
   */
  close(): void {
    this.#closed.abort();
    if (this.#sockets.size === 0) return;
    this.#logger.warn(
      { sockets: [...this.#sockets].map((s) => `${s.remoteAddress}:${s.remotePort}`) },
      `kafkajs left ${this.#sockets.size} broker socket(s) open after its clients disconnected; closing them`,
    );
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
  }

  /** Bytes this process received from the cluster on the sockets of its clients, since it was made. */
  bytesReceived(): number {
    let bytes = this.#closedBytesRead;
    for (const socket of this.#sockets) bytes += socket.bytesRead;
    return bytes;
  }

  /** Every topic of the cluster. */
  async listTopics(): Promise<string[]> {
    return this.#admin('listing topics', {}, (admin) => admin.listTopics());
  }

  /** Log start and end of every partition of `topic`. */
  async topicOffsets(topic: string): Promise<PartitionBounds[]> {
    const offsets = await this.#admin(`reading offsets of ${topic}`, { topic }, (admin) =>
      admin.fetchTopicOffsets(topic),
    );
    return offsets.map((o) => ({ partition: o.partition, low: Number(o.low), high: Number(o.high) }));
  }

  /** Partition counts of those of `topics` that exist. */
  partitionCounts(topics: readonly string[]): Promise<Map<string, number>> {
    return partitionCounts(this.#kafka, topics);
  }

  /** Reads `topic`'s partitions from the given offsets to their ends at call time. */
  readRanges(
    topic: string,
    from: ReadonlyMap<number, number>,
    onRecord: (record: SourceRecord) => void,
  ): Promise<void> {
    return readPartitionRanges(this.#kafka, topic, from, onRecord);
  }

  /** Creates the compacted single-partition topic when missing. */
  async ensureCompactedTopic(topic: string): Promise<void> {
    await ensureCompactedTopic(this.#kafka, topic);
  }

  /** The last value of each key of a compacted topic (null: deleted). */
  readCompactedTopic(topic: string): Promise<Map<string, string | null>> {
    return readCompactedTopic(this.#kafka, topic);
  }

  compactedTopicWriter(topic: string): CompactedTopicWriter {
    return new CompactedTopicWriter(this.#kafka, topic);
  }

  /** Committed group offsets and log ends of this cluster (translation's view of it). */
  clusterOffsets(): ClusterOffsets {
    return new ClusterOffsets(this.#kafka);
  }

  /** A source reading this cluster through the consumer group `groupId`. */
  recordSource(options: { groupId: string; logger: Logger; maxBytes?: number }): KafkaRecordSource {
    return new KafkaRecordSource(this.#kafka, options);
  }

  /** Deletes consumer group `groupId` (it must have no members left). */
  async deleteGroup(groupId: string): Promise<void> {
    await this.#admin(`deleting consumer group ${groupId}`, {}, (admin) => admin.deleteGroups([groupId]));
  }

  /** A sink writing into this cluster. */
  recordSink(options: { compression?: SinkCompression } = {}): KafkaRecordSink {
    return new KafkaRecordSink(this.#kafka, options);
  }

  /** Work sharing: a writer of fenced partitions, one transactional producer each (fenced-record-sink.ts). */
  fencedRecordSink(options: FencedRecordSinkOptions): FencedRecordSink {
    return new FencedRecordSink(this.#kafka, options);
  }

  /** Creates `topic` here like it is in `source`, or adds the partitions `source` has more of. */
  mirrorTopicFrom(
    source: KafkaCluster,
    topic: string,
    names: LinkNames,
  ): Promise<'created' | 'partitions-added' | 'unchanged'> {
    return mirrorTopic(source.#kafka, this.#kafka, topic, names);
  }

  /** Brings the synced configs of `topic` here in step with `source` (docs/topic-configs.md). */
  syncTopicConfigsFrom(
    source: KafkaCluster,
    topic: string,
    names: LinkNames,
  ): Promise<TopicConfigSyncResult> {
    return syncTopicConfigs(source.#kafka, this.#kafka, topic, names);
  }

  async #admin<T>(
    what: string,
    details: { topic?: string },
    call: (admin: ReturnType<Kafka['admin']>) => Promise<T>,
  ): Promise<T> {
    const admin = this.#kafka.admin();
    try {
      await admin.connect();
      return await call(admin);
    } catch (err) {
      throw translateKafkaError(err, what, details);
    } finally {
      await admin.disconnect();
    }
  }
}
