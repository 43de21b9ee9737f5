/**
 * What crosses the boundary between a node's main thread and its worker threads (docs/work-sharing.md,
 * "Worker threads"): the message shapes, and the codecs of the two that are sent per write or per batch (an
 * acked write's index run, as typed arrays; the link observer's calls, coalesced). Messages travel by
 * structured clone; every one carries `v: 1` and a `kind`, and `decodeWorkerMessage` /
 * `decodeMainMessage` refuse anything else with GEOMESH_INTERNAL_INVARIANT (both ends are this program).
 */
import { GeomeshError } from '../../base/index.ts';
import type { InboundLinkConfig } from '../config/index.ts';
import type { HighwaterEntry, Origin, TopicPartition } from '../replication/index.ts';
import type { StreamRecordsBatch, StreamRecordsRequest } from '../rpc/index.ts';
import type { ObservedMessage } from './observed-messages.ts';

export {
  MAX_LATENCIES_PER_MESSAGE,
  ObserverRecorder,
  replayObserved,
  type ObservedMessage,
} from './observed-messages.ts';

/** A link's compiled options without its selectors (as node/region's link factory takes them). */
export type LinkTuning = Omit<InboundLinkConfig, 'from' | 'topics' | 'forwardsOrigin' | 'syncGroupOffsets'>;

/** A target partition's index `through` (where its next write's records start). */
export type PartitionThrough = readonly [topic: string, partition: number, through: number];

/** One inbound link as a worker runs it: everything serializable (selectors and callbacks resolved). */
export interface WorkerLinkSpec {
  from: string;
  /** The source topics it reads now (the main thread's topic refresh sends changes). */
  topics: string[];
  /** The origins it carries (the link's forwarding, resolved over the mesh's regions). */
  forwards: string[];
  /** Its compiled options (node/config): compression, batch and in-flight bounds, policies, backoff. */
  tuning: LinkTuning;
}

/** The worker's `workerData`: what it needs to run its share of the data path. */
export interface WorkerStart {
  v: 1;
  kind: 'start';
  /** This worker's number (0 … workers − 1) and how many there are. */
  worker: number;
  workers: number;
  /**
   * Worker placement: how many workers hold partitions (the worker rule over `active`), and while a move is
   * under way the count it moves to (`moving`: a worker holds only what both give it), else null.
   */
  active: number;
  moving: number | null;
  mesh: string;
  region: string;
  /** Connections of the region's cluster and of every link's source (secrets resolved; never logged). */
  clusters: Record<string, unknown>;
  provenanceKey: Uint8Array;
  acceptedProvenanceKeys: Uint8Array[];
  meshRegions: string[] | null;
  onUnknownProvenanceKey: 'halt' | 'skip' | null;
  links: WorkerLinkSpec[];
  /** The marks and index `through` of this worker's partitions, as the main thread set them at start. */
  marks: HighwaterEntry[];
  throughs: PartitionThrough[];
  /** Peers whose key sets disagree at start → why (key ids only). */
  keyMismatches: [string, string][];
  logLevel: string;
  /**
   * Work sharing: the lease deadline the main thread publishes (LeaseDeadline's buffer) and whether writes
   * are fenced at the broker too; the worker owns nothing until `take`. Its source consumer groups are its
   * instance's and its own (`….<instance>.worker-<i>`). Null: no work sharing.
   */
  workSharing: { instanceId: string; lease: SharedArrayBuffer; isFencedAtBroker: boolean } | null;
  /** The source regions' node states the main thread publishes (stream-relay.ts' PeerBoard). */
  peerBoard: { regions: string[]; buffer: SharedArrayBuffer };
}

/** A write's index run: target partition, base offset, the origin of each record written (in order). */
export interface AckedMessage {
  v: 1;
  kind: 'acked';
  topic: string;
  partition: number;
  baseOffset: number;
  regions: string[];
  /** Per record: its origin's index in `regions`. */
  regionOf: Uint16Array;
  /** Per record: its origin offset. */
  offsets: Float64Array;
}

/** A link's counters (LinkStats with its maps as entry lists). */
export interface LinkStatsSnapshot {
  from: string;
  state: string;
  /** How this worker's part of the link gets its records now (LinkReplicator.path). */
  path: 'stream' | 'pull';
  /** Bytes this worker has received from the link's source cluster (its client's, since it started). */
  sourceBytes: number;
  recordsWritten: number;
  bytesWritten: number;
  dropped: Record<string, number>;
  forgedHeaders: number;
  lagRecords: [string, number][];
  lastLatencyMs: number;
  skippedTooLarge: number;
  writeRetries: number;
  halted: [string, string][];
  truncatedRecords: number;
  sourceResets: number;
  unknownKeyRecords: number;
  skippedUnknownKey: number;
  keyMismatch: string;
  /** ms since the source last answered a fetch of this worker's part (LinkReplicator.sourceSilenceMs). */
  sourceSilenceMs: number;
  /** What this worker's part of the link reads, for the coverage audit on the main thread. */
  reading: LinkReadingSnapshot;
}

/** A worker's part of a link as the coverage audit sees it (LinkReplicator.coverageView), as plain data. */
export interface LinkReadingSnapshot {
  /** Topics it reads (none while not running). */
  subscribed: string[];
  /** Its consumer is in its group with a current assignment. */
  isJoined: boolean;
  /** Topic → partitions assigned to its consumer, and those paused there. */
  assigned: [string, number[]][];
  paused: [string, number[]][];
  /** `topic/partition` held back by a provenance key mismatch. */
  heldBack: string[];
}

/** A worker's streaming link opens Peer.StreamRecords through the main thread (stream-relay.ts). */
export interface StreamOpenMessage {
  v: 1;
  kind: 'stream-open';
  /** The worker's number for the stream. */
  id: number;
  from: string;
  request: StreamRecordsRequest;
}

/** Worker → main. */
export type WorkerMessage =
  | { v: 1; kind: 'running' }
  | AckedMessage
  | { v: 1; kind: 'unsure'; topic: string; partition: number; through: number }
  /** A mark lowered: its source partition was re-created or truncated from its end (source-truncation.md). */
  | { v: 1; kind: 'rewound'; topic: string; partition: number; origin: string; offset: number }
  | { v: 1; kind: 'resync'; id: number; topic: string; partition: number }
  | ObservedMessage
  | { v: 1; kind: 'stats'; links: LinkStatsSnapshot[] }
  | { v: 1; kind: 'failed'; message: string }
  /** Work sharing: writes refused by fencing since the last report. */
  | { v: 1; kind: 'fenced'; count: number }
  /** A `drop` done: reading stopped, the writes sent settled, their index runs sent before this. */
  | { v: 1; kind: 'dropped'; id: number }
  /** A `place` done (a release: as a drop's `dropped`; an acquire: the partitions are read). */
  | { v: 1; kind: 'placed'; id: number }
  | StreamOpenMessage
  /** The worker took one batch of the stream (the main thread may hand over one more). */
  | { v: 1; kind: 'stream-taken'; id: number }
  /** The worker no longer reads the stream: its call is cancelled. */
  | { v: 1; kind: 'stream-close'; id: number }
  | { v: 1; kind: 'stopped' };

/** Main → worker (after the start in workerData). */
export type MainMessage =
  | { v: 1; kind: 'resynced'; id: number; marks: HighwaterEntry[]; through: number; error: string | null }
  | {
      v: 1;
      kind: 'topics';
      from: string;
      topics: string[];
      marks: HighwaterEntry[];
      throughs: PartitionThrough[];
    }
  | { v: 1; kind: 'key-mismatch'; from: string; reason: string }
  | { v: 1; kind: 'refresh-lag' }
  /** Work sharing: the instance took these partitions (marks and `through` from its tail scan). */
  | { v: 1; kind: 'take'; tps: TopicPartition[]; marks: HighwaterEntry[]; throughs: PartitionThrough[] }
  /** Work sharing: the instance gives these partitions up; answered by `dropped` with the same id. */
  | { v: 1; kind: 'drop'; id: number; tps: TopicPartition[] }
  /**
   * Worker placement (worker-placement.ts): the partitions move to the rule over `active` workers. `release`:
   * give up those the move takes away (as a drop); `acquire` (once every worker released): take those it
   * brings, from these marks and `through`. `tps`: every target partition the main thread knows. Answered by
   * `placed` with the same id.
   */
  | {
      v: 1;
      kind: 'place';
      id: number;
      phase: 'release' | 'acquire';
      active: number;
      tps: TopicPartition[];
      marks: HighwaterEntry[];
      throughs: PartitionThrough[];
    }
  /** A batch of a stream the worker opened, its records still compressed. */
  | { v: 1; kind: 'stream-batch'; id: number; batch: StreamRecordsBatch }
  /** The stream ended (error null) or failed. */
  | { v: 1; kind: 'stream-end'; id: number; error: string | null }
  | { v: 1; kind: 'stop' };

const WORKER_KINDS = new Set([
  'running',
  'acked',
  'unsure',
  'rewound',
  'resync',
  'observed',
  'stats',
  'failed',
  'fenced',
  'dropped',
  'placed',
  'stream-open',
  'stream-taken',
  'stream-close',
  'stopped',
]);
const MAIN_KINDS = new Set([
  'resynced',
  'topics',
  'key-mismatch',
  'refresh-lag',
  'take',
  'drop',
  'place',
  'stream-batch',
  'stream-end',
  'stop',
]);

function decodeKind(value: unknown, kinds: ReadonlySet<string>, from: string): string {
  const kind = (value as { kind?: unknown } | null)?.kind;
  const v = (value as { v?: unknown } | null)?.v;
  if (v !== 1 || typeof kind !== 'string' || !kinds.has(kind))
    throw new GeomeshError(
      'GEOMESH_INTERNAL_INVARIANT',
      `a message from the ${from} is not one this version knows (v ${String(v)}, kind ${String(kind)}); ` +
        'the main thread and its workers must run the same geomesh',
      { details: { kind: String(kind) } },
    );
  return kind;
}

/** Checks a message a worker sent (its version and kind). */
export function decodeWorkerMessage(value: unknown): WorkerMessage {
  decodeKind(value, WORKER_KINDS, 'worker thread');
  return value as WorkerMessage;
}

/** Checks a message the main thread sent (its version and kind). */
export function decodeMainMessage(value: unknown): MainMessage {
  decodeKind(value, MAIN_KINDS, 'main thread');
  return value as MainMessage;
}

/** A write's index run as a message: the origins as region ids and offsets (two typed arrays, no objects). */
export function encodeAckedRun(
  topic: string,
  partition: number,
  baseOffset: number,
  origins: readonly Origin[],
): AckedMessage {
  const regions: string[] = [];
  const regionOf = new Uint16Array(origins.length);
  const offsets = new Float64Array(origins.length);
  let last = '';
  let lastId = -1;
  for (let i = 0; i < origins.length; i++) {
    const { region, offset } = origins[i]!;
    if (region !== last) {
      last = region;
      lastId = regions.indexOf(region);
      if (lastId < 0) lastId = regions.push(region) - 1;
    }
    regionOf[i] = lastId;
    offsets[i] = offset;
  }
  return { v: 1, kind: 'acked', topic, partition, baseOffset, regions, regionOf, offsets };
}

/**
 * The origins of an acked run, read from the message's arrays: record i came from `region(i)` at `offset(i)`.
 * No object per record (the main thread handles every write of every worker).
 */
export class AckedOrigins {
  readonly length: number;
  readonly #regions: readonly string[];
  readonly #regionOf: Uint16Array;
  readonly #offsets: Float64Array;

  constructor(message: AckedMessage) {
    const { regions, regionOf, offsets } = message;
    if (regionOf.length !== offsets.length)
      throw new GeomeshError(
        'GEOMESH_INTERNAL_INVARIANT',
        `an acked run of ${message.topic}/${message.partition} has ${regionOf.length} regions for ${offsets.length} offsets`,
      );
    for (const id of regionOf)
      if (id >= regions.length)
        throw new GeomeshError(
          'GEOMESH_INTERNAL_INVARIANT',
          `an acked run of ${message.topic}/${message.partition} names region id ${id} of ${regions.length}`,
        );
    this.length = offsets.length;
    this.#regions = regions;
    this.#regionOf = regionOf;
    this.#offsets = offsets;
  }

  region(i: number): string {
    return this.#regions[this.#regionOf[i]!]!;
  }

  offset(i: number): number {
    return this.#offsets[i]!;
  }

  /** Each origin region's highest offset in the run. */
  highest(): Map<string, number> {
    const most = new Float64Array(this.#regions.length).fill(-1);
    for (let i = 0; i < this.length; i++) {
      const id = this.#regionOf[i]!;
      if (this.#offsets[i]! > most[id]!) most[id] = this.#offsets[i]!;
    }
    return new Map(this.#regions.map((region, id) => [region, most[id]!] as const).filter(([, o]) => o >= 0));
  }
}

/** The run an `acked` message carries (checked: its arrays agree and name listed regions). */
export function decodeAckedRun(message: AckedMessage): {
  topic: string;
  partition: number;
  baseOffset: number;
  origins: AckedOrigins;
} {
  return {
    topic: message.topic,
    partition: message.partition,
    baseOffset: message.baseOffset,
    origins: new AckedOrigins(message),
  };
}
