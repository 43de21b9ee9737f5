/**
 * The entry of a worker thread (docs/work-sharing.md, "Worker threads"): runs every inbound link of the
 * region for this worker's share of the target partitions, on Kafka clients of its own, and tells the main
 * thread what it wrote (index runs), what it could not be sure of (unsure, resync), what its observers saw and
 * its links' counters. Under work sharing its share is its part of what its instance owns (take / drop from
 * the main thread), written only while the lease deadline the main thread publishes is ahead (instance-share.ts).
 * Started by `WorkerPool` with a `WorkerStart` as its workerData; never imported.
 *
 * States: starting → running → stopping → stopped (then the thread ends); starting → failed.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { KafkaCluster, type FencedRecordSink } from '../kafka/index.ts';
import { createLogger } from '../log/index.ts';
import {
  OriginHighwater,
  partitionKey,
  ProvenanceKeySet,
  type HighwaterEntry,
  type LinkReplicator,
  type TopicPartition,
} from '../replication/index.ts';
// The link's parts only, not node/region (the whole node): a worker loads what it runs.
import {
  fencedRegionSink,
  inboundLinkReplicator,
  linkGroupId,
  PartitionWriter,
} from '../link-wiring/index.ts';
import { InstanceShare } from './instance-share.ts';
import { LeaseDeadline } from './lease-deadline.ts';
import { PeerBoard, StreamRelayClient } from './stream-relay.ts';
import { PlacementMoves } from './placement-moves.ts';
import { heldBy, type Placement } from './worker-assignment.ts';
import {
  decodeMainMessage,
  encodeAckedRun,
  ObserverRecorder,
  type MainMessage,
  type PartitionThrough,
  type WorkerLinkSpec,
  type WorkerMessage,
  type WorkerStart,
} from './worker-messages.ts';
import { snapshotLinkStats } from './worker-stats.ts';

if (!parentPort)
  throw new Error('node/workers/worker-main.ts runs as a worker thread of a geomesh node only');
const port: MessagePort = parentPort;
const start = workerData as WorkerStart & { reportMs: number };
const { mesh, region, worker } = start;
const logger = createLogger({ level: start.logLevel, bindings: { component: 'worker', region, worker } });
const post = (message: WorkerMessage) => port.postMessage(message);
/** Worker placement: the workers holding partitions, and while a move is under way the count it moves to. */
const placement: Placement = { active: start.active, moving: start.moving };
/** The worker rule over the workers in use; while a move is under way, what both placements give this worker. */
const isMine = (topic: string, partition: number): boolean => heldBy(worker, placement, topic, partition);
const lease = start.workSharing ? new LeaseDeadline(start.workSharing.lease) : undefined;
const groupOwner = start.workSharing ? `${start.workSharing.instanceId}.` : '';
/** Work sharing: the part of its instance's partitions this worker owns now (none until the first take). */
const share = lease
  ? new InstanceShare({
      isMine,
      lease,
      onTake: (tps) => takePartitions(tps),
      onDrop: (tps) => dropPartitions(tps),
    })
  : undefined;
const owns = share ? (topic: string, partition: number) => share.owns(topic, partition) : isMine;
/** Writes refused by fencing since the last report. */
let fencedWrites = 0;
const onFenced = () => void fencedWrites++;
/** The worker's marks; a mark lowered is told to the main thread, whose view must follow it (resync). */
class ReportingHighwater extends OriginHighwater {
  override rewind(topic: string, partition: number, origin: string, offset: number): void {
    super.rewind(topic, partition, origin, offset);
    post({ v: 1, kind: 'rewound', topic, partition, origin, offset });
  }
}
const highwater = new ReportingHighwater();
const keys = new ProvenanceKeySet(
  Buffer.from(start.provenanceKey),
  start.acceptedProvenanceKeys.map((k) => Buffer.from(k)),
);
const recorder = new ObserverRecorder();
/** Record streams through the main thread's peer channels (links with `transport: stream`). */
const streams = new StreamRelayClient(post, new PeerBoard(start.peerBoard.regions, start.peerBoard.buffer));
/** `topic\0partition` → the index `through` of an owned partition (where its next write's records start). */
const throughs = new Map<string, number>();
const pendingResyncs = new Map<
  number,
  { topic: string; partition: number; resolve: () => void; reject: (err: Error) => void }
>();
let nextResync = 0;

function applyMarks(marks: readonly HighwaterEntry[], atThrough: readonly PartitionThrough[]): void {
  for (const m of marks)
    if (owns(m.topic, m.partition)) highwater.advance(m.topic, m.partition, m.origin, m.offset);
  for (const [topic, partition, through] of atThrough)
    if (owns(topic, partition)) throughs.set(partitionKey(topic, partition), through);
}

function clusterOf(name: string): KafkaCluster {
  const connection = start.clusters[name];
  if (!connection) throw new Error(`no Kafka cluster configured for region ${name}`);
  return new KafkaCluster({
    ...(connection as { brokers: string[] }),
    clientId: `geomesh-${region}-worker-${worker}`,
    logger,
    // Work sharing: a Produce leaves this thread's sockets only before the lease deadline (produce-gate.ts).
    ...(lease && name === region && { produceGate: { isOpen: () => lease.isValid(), onRefused: onFenced } }),
  });
}

applyMarks(start.marks, start.throughs);
const local = clusterOf(region);
/** A write may leave: the partition is this worker's (and under work sharing, its instance's with a live lease). */
const mayWrite = share ? (t: string, p: number) => share.mayWrite(t, p) : isMine;
const writer = new PartitionWriter({
  // The partitions of other workers are theirs to write: one writer per target partition.
  mayWrite,
  through: (topic, partition) => throughs.get(partitionKey(topic, partition)) ?? 0,
  onUnsure: (topic, partition, through) => post({ v: 1, kind: 'unsure', topic, partition, through }),
  onFenced,
});
/** Work sharing fenced at the broker: this worker's transactional producer per owned partition. */
const fenced: FencedRecordSink | undefined = start.workSharing?.isFencedAtBroker
  ? fencedRegionSink(local, { mesh, region }, mayWrite, onFenced)
  : undefined;
const remotes: KafkaCluster[] = [];

function linkReplicator(spec: WorkerLinkSpec): LinkReplicator {
  const remote = clusterOf(spec.from);
  remotes.push(remote);
  const forwards = new Set(spec.forwards);
  return inboundLinkReplicator({
    mesh,
    region,
    from: spec.from,
    forwardsOrigin: (origin) => forwards.has(origin),
    topics: spec.topics,
    tuning: spec.tuning,
    // Each worker of each instance reads through a group of its own: no member waits on another's rebalance.
    groupId: linkGroupId(mesh, region, spec.from, `${groupOwner}worker-${worker}`),
    remote,
    sink: writer.serialized((fenced ?? local).recordSink({ compression: spec.tuning.compression })),
    highwater,
    provenanceKey: keys,
    meshRegions: start.meshRegions ?? undefined,
    onUnknownProvenanceKey: start.onUnknownProvenanceKey ?? undefined,
    observer: recorder.observer(spec.from),
    // No path observer here: the bytes streamed are counted by the main thread as they arrive, and the path
    // goes with the link's counters (`stats`).
    peerStreams: () => streams.peer(spec.from),
    onAcked: (topic, partition, baseOffset, origins) => {
      const k = partitionKey(topic, partition);
      throughs.set(k, Math.max(throughs.get(k) ?? 0, baseOffset + origins.length));
      post(encodeAckedRun(topic, partition, baseOffset, origins));
    },
    resync: (topic, partition) =>
      new Promise<void>((resolve, reject) => {
        const id = nextResync++;
        pendingResyncs.set(id, { topic, partition, resolve, reject });
        post({ v: 1, kind: 'resync', id, topic, partition });
      }),
    owns,
    logger,
  });
}

const links = start.links.map((spec) => linkReplicator(spec));
/** Worker placement: this worker's side of a move between workers. */
const moves = new PlacementMoves({ worker, placement, links, writer, highwater, throughs, logger });
for (const [from, reason] of start.keyMismatches)
  for (const link of links) if (link.from === from) link.setKeyMismatch(reason);

/** Takes partitions its instance now owns: fenced at the broker first (when asked), then read. */
async function takePartitions(tps: readonly TopicPartition[]): Promise<void> {
  if (fenced)
    await Promise.all(
      tps.map((tp) =>
        fenced.fence(tp.topic, tp.partition).catch((err: unknown) =>
          // The first write fences again before it writes (fenced-record-sink.ts).
          logger.warn({ topic: tp.topic, partition: tp.partition, err }, 'fencing a partition taken failed'),
        ),
      ),
    );
  for (const link of links) link.takePartitions(tps);
  logger.info({ partitions: tps.map((tp) => `${tp.topic}/${tp.partition}`) }, 'partitions taken');
}

/** Gives partitions up: reading stops, the writes sent settle, the fence goes, their marks are forgotten. */
async function dropPartitions(tps: readonly TopicPartition[]): Promise<void> {
  for (const link of links) link.dropPartitions(tps);
  await writer.settled(tps);
  if (fenced) await Promise.all(tps.map((tp) => fenced.release(tp.topic, tp.partition)));
  for (const { topic, partition } of tps) {
    highwater.forget(topic, partition);
    throughs.delete(partitionKey(topic, partition));
  }
  logger.info({ partitions: tps.map((tp) => `${tp.topic}/${tp.partition}`) }, 'partitions dropped');
}

function report(): void {
  const observed = recorder.take();
  if (observed) post(observed);
  if (fencedWrites > 0) post({ v: 1, kind: 'fenced', count: fencedWrites });
  fencedWrites = 0;
  post({
    v: 1,
    kind: 'stats',
    links: links.map((l, i) =>
      snapshotLinkStats(l.from, l.state, l.stats, l.sourceSilenceMs(), l.coverageView(), {
        path: l.path,
        sourceBytes: remotes[i]?.bytesReceived() ?? 0,
      }),
    ),
  });
}
const reportTimer = setInterval(report, start.reportMs);
let stopping: Promise<void> | undefined;

async function stop(): Promise<void> {
  stopping ??= (async () => {
    logger.info({ state: 'stopping' }, 'worker state');
    await Promise.allSettled(links.map((l) => l.stop()));
    await fenced?.stop();
    clearInterval(reportTimer);
    for (const pending of pendingResyncs.values()) pending.reject(new Error('worker stopping'));
    report();
    local.close();
    for (const remote of remotes) remote.close();
    logger.info({ state: 'stopped' }, 'worker state');
    post({ v: 1, kind: 'stopped' });
    port.close();
  })();
  return stopping;
}

function onMessage(message: MainMessage): void {
  if (streams.onMessage(message)) return;
  switch (message.kind) {
    case 'resynced': {
      const pending = pendingResyncs.get(message.id);
      pendingResyncs.delete(message.id);
      if (!pending) return;
      if (message.error !== null) pending.reject(new Error(message.error));
      else {
        applyMarks(message.marks, [[pending.topic, pending.partition, message.through]]);
        pending.resolve();
      }
      return;
    }
    case 'topics': {
      applyMarks(message.marks, message.throughs);
      for (const link of links)
        if (link.from === message.from)
          void link
            .updateTopics(message.topics)
            .catch((err: unknown) => logger.warn({ from: link.from, err }, 'topic update failed'));
      return;
    }
    case 'key-mismatch':
      for (const link of links)
        if (link.from === message.from) link.setKeyMismatch(message.reason || undefined);
      return;
    case 'refresh-lag':
      for (const link of links)
        void link
          .refreshLag()
          .catch((err: unknown) => logger.debug({ from: link.from, err }, 'lag refresh failed; will retry'));
      return;
    case 'take':
      if (!share) return;
      // Marks first (a partition not yet owned is neither read nor written), then the take in its turn.
      for (const { topic, partition } of message.tps)
        if (isMine(topic, partition)) highwater.forget(topic, partition);
      for (const m of message.marks)
        if (isMine(m.topic, m.partition)) highwater.advance(m.topic, m.partition, m.origin, m.offset);
      for (const [topic, partition, through] of message.throughs)
        if (isMine(topic, partition)) throughs.set(partitionKey(topic, partition), through);
      share.take(message.tps).catch((err: unknown) => logger.error({ err }, 'taking partitions failed'));
      return;
    case 'drop': {
      const { id } = message;
      // After the microtasks of the settled writes: their index runs are posted before `dropped`.
      const done = () => void setImmediate(() => post({ v: 1, kind: 'dropped', id }));
      if (!share) return done();
      share.drop(message.tps).then(done, (err: unknown) => {
        logger.error({ err }, 'dropping partitions failed');
        done();
      });
      return;
    }
    case 'place': {
      const { id } = message;
      const done = () => void setImmediate(() => post({ v: 1, kind: 'placed', id }));
      // Under work sharing the partitions stay spread (the main thread moves none).
      if (share) return done();
      const work =
        message.phase === 'release'
          ? moves.release(message.active, message.tps)
          : Promise.resolve(message).then((m) => moves.acquire(m));
      work.then(done, (err: unknown) => {
        logger.error({ err }, 'moving partitions between workers failed');
        done();
      });
      return;
    }
    case 'stop':
      void stop();
      return;
  }
}

port.on('message', (value: unknown) => onMessage(decodeMainMessage(value)));

try {
  for (const link of links) await link.start();
  logger.info({ state: 'running', links: links.map((l) => l.from) }, 'worker state');
  post({ v: 1, kind: 'running' });
} catch (err) {
  logger.error({ err }, 'worker failed to start');
  post({ v: 1, kind: 'failed', message: err instanceof Error ? err.message : String(err) });
  await stop();
}
