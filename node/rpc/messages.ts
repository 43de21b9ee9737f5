/**
 * The messages of geomesh's gRPC services as plain objects, and the interfaces business code implements
 * (handlers) or calls (clients). Nothing here is a gRPC type: handlers and callers never see grpc-js.
 *
 * Each interface mirrors the message of the same name in proto/geomesh/v1/*.proto (where every field is
 * documented); field names are lowerCamelCase, int64 fields are numbers (exact below 2^53: see
 * proto-layout.ts), absent fields arrive as "" / 0 / [] (proto3 defaults). wire-codecs.ts checks at compile
 * time that these shapes match the generated types.
 */
import type { LinkSummary, NodeStatus } from '../status/index.ts';
import type { OriginCount, OriginRecords } from '../translation/index.ts';

// The replication gap's counts are the translation's own types (node/translation/replication-gap.ts).
export type { OriginCount, OriginRecords } from '../translation/index.ts';

// The status messages are the status model's own types (node/status): one definition for both.
export type {
  HaltedPartition,
  LinkStatus,
  LinkSummary,
  NodeStatus,
  PeerStatus,
  TopicPartitions,
  UnreplicatedPartition,
  WorkSharingStatus,
} from '../status/index.ts';

// The failover messages (operator.proto) are in failover-messages.ts.
import type {
  FailoverProgress,
  FailoverRequest,
  FailoverResponse,
  GetFailoverProgressRequest,
} from './failover-messages.ts';
export type * from './failover-messages.ts';

// ---- common.proto ----

/** A position in the log of one origin region (for the partition named by the enclosing message). */
export interface OriginOffset {
  /** Origin region name, as declared in the topology. */
  region: string;
  /** Offset in the origin region's own partition; -1: none. */
  offset: number;
}

/** What a consumer group has consumed of one partition in one region. */
export interface PartitionFrontier {
  topic: string;
  partition: number;
  /** The group's committed offset in the region the frontier was read in. */
  committedOffset: number;
  /** Per origin region: the highest origin offset consumed before committedOffset, -1 none. */
  frontier: OriginOffset[];
  /** Per origin: the records held after the frontier (absent or not counted: unknown). */
  unconsumed?: OriginRecords[];
  unconsumedCounted?: boolean;
}

// ---- operator.proto ----

export interface TranslateOffsetsRequest {
  group: string;
  fromRegion: string;
  toRegion: string;
  /** Empty: every topic the group has committed offsets for in fromRegion. */
  topics: string[];
}

/** Where a translation's frontier came from: read during the call, or the last pushed checkpoint. */
export type FrontierSource = 'live' | 'checkpoint';

export interface TranslateOffsetsResponse {
  group: string;
  fromRegion: string;
  toRegion: string;
  source: FrontierSource;
  /** When the frontier was read (live) or computed (checkpoint), ms since the Unix epoch. */
  frontierTimeMs: number;
  /** Sorted by topic, then partition. */
  partitions: PartitionTranslation[];
  /** Live only: members of the group in fromRegion's cluster now; absent when unknown. */
  sourceActiveMembers?: number;
}

export interface PartitionTranslation {
  topic: string;
  partition: number;
  /** The group's committed offset in fromRegion. */
  sourceOffset: number;
  /** Where to resume in toRegion: every record before it was consumed in fromRegion. */
  targetOffset: number;
  frontier: OriginOffset[];
  /** Records at or after targetOffset the group already consumed in fromRegion. */
  alreadySeen: number;
  /** toRegion's log end offset when the translation was made. */
  targetLogEnd: number;
  /** Per origin: records fromRegion held after the frontier that toRegion does not hold yet. */
  notReplicated?: OriginCount[];
  /** Whether notReplicated was counted (absent or false: unknown). */
  notReplicatedCounted?: boolean;
}

/** GetStatus takes no argument. */
export type GetStatusRequest = Record<never, never>;

export interface GetStatusResponse {
  node: NodeStatus;
}

// ---- peer.proto ----

export interface GetFrontiersRequest {
  group: string;
  /** Empty: every topic the group has committed offsets for. */
  topics: string[];
}

export interface GetFrontiersResponse {
  /** The called node's region. */
  region: string;
  computedAtMs: number;
  partitions: PartitionFrontier[];
  /** Members of the group in the called node's cluster now, when `activeMembersKnown`. */
  activeMembers?: number;
  activeMembersKnown?: boolean;
}

export interface SeekRequest {
  /** Frontiers read in another region. */
  partitions: PartitionFrontier[];
}

export interface SeekResponse {
  /** The called node's region. */
  region: string;
  /** In the request's order. */
  partitions: PartitionSeek[];
}

export interface PartitionSeek {
  topic: string;
  partition: number;
  /** The smallest offset whose record is above the frontier for its origin; logEnd when none yet. */
  offset: number;
  /** Records at or after offset already consumed elsewhere. */
  alreadySeen: number;
  logEnd: number;
  /** Per origin: how many of the request's unconsumed records this region does not hold yet. */
  missing?: OriginCount[];
  /** Whether missing was counted (absent or false: unknown). */
  missingCounted?: boolean;
}

/** The frontiers of one consumer group in its home region at one moment. */
export interface Checkpoint {
  /** The group's home region. */
  region: string;
  group: string;
  computedAtMs: number;
  partitions: PartitionFrontier[];
}

export interface PushCheckpointsRequest {
  fromRegion: string;
  checkpoints: Checkpoint[];
}

export interface PushCheckpointsResponse {
  /** How many checkpoints were stored. */
  accepted: number;
}

export interface PingRequest {
  region: string;
  instance: string;
  /** By the caller's clock, ms since the Unix epoch. */
  sentAtMs: number;
  /** The caller's tagging key id (a fingerprint, never the key); "" (or absent when sending) from an older node. */
  provenanceKeyId?: string;
  /** The caller's accepted key ids (its current one included), sorted. */
  acceptedKeyIds?: string[];
}

export interface PingResponse {
  region: string;
  instance: string;
  /** geomesh version of the called node. */
  version: string;
  /** The called node's lifecycle state; "" from a node older than the field. */
  nodeState: string;
  /** The called node's inbound links, sorted by source region; [] from a node older than the field. */
  links: LinkSummary[];
  /** The called node's tagging key id (a fingerprint, never the key); "" (or absent) from an older node. */
  provenanceKeyId?: string;
  /** The called node's accepted key ids (its current one included), sorted. */
  acceptedKeyIds?: string[];
}

// ---- serving ----

/** Who is calling, as far as the transport and the authorisation options could tell. */
export interface CallerIdentity {
  /**
   * Identities of the verified client certificate (mutual TLS only), in allow-list form: `CN=<common name>`
   * and every subject alternative name as `DNS:<name>`, `URI:<uri>`, `IP Address:<ip>`, `email:<address>`.
   * Empty without a client certificate.
   */
  readonly certificateIdentities: readonly string[];
  /** True when the call carried the configured bearer token. */
  readonly hasValidToken: boolean;
}

/** What a handler learns about the call it serves. */
export interface RpcCallContext {
  /** Full method name, e.g. `geomesh.v1.Operator/TranslateOffsets`. */
  readonly method: string;
  /** Aborted when the caller cancels, its deadline passes or the server is forced to stop. */
  readonly signal: AbortSignal;
  /** The caller's deadline in ms since the Unix epoch; undefined when it set none. */
  readonly deadlineMs: number | undefined;
  /** The caller's address as seen by the server (`ip:port`). */
  readonly peerAddress: string;
  readonly caller: CallerIdentity;
}

/**
 * The Operator service, implemented by business code. A handler rejects with a GeomeshError to send a
 * chosen status (see status-codes.ts: GEOMESH_RPC_NOT_FOUND → NOT_FOUND, …) and its message; any other
 * error becomes INTERNAL with a generic message, and is logged with a reference the caller sees.
 */
export interface OperatorHandlers {
  translateOffsets(
    request: TranslateOffsetsRequest,
    context: RpcCallContext,
  ): Promise<TranslateOffsetsResponse>;
  getStatus(request: GetStatusRequest, context: RpcCallContext): Promise<GetStatusResponse>;
  failover(request: FailoverRequest, context: RpcCallContext): Promise<FailoverResponse>;
  getFailoverProgress(
    request: GetFailoverProgressRequest,
    context: RpcCallContext,
  ): Promise<FailoverProgress>;
}

/** The Peer service, implemented by business code; errors as for OperatorHandlers. */
export interface PeerHandlers {
  getFrontiers(request: GetFrontiersRequest, context: RpcCallContext): Promise<GetFrontiersResponse>;
  seek(request: SeekRequest, context: RpcCallContext): Promise<SeekResponse>;
  pushCheckpoints(request: PushCheckpointsRequest, context: RpcCallContext): Promise<PushCheckpointsResponse>;
  ping(request: PingRequest, context: RpcCallContext): Promise<PingResponse>;
  listGroups(request: ListGroupsRequest, context: RpcCallContext): Promise<ListGroupsResponse>;
}

/** Where Peer.StreamRecords starts reading one partition. */
export interface StreamStart {
  partition: number;
  fromOffset: number;
}

/** Peer.StreamRecords: which records of the called node's cluster the calling region asks for. */
export interface StreamRecordsRequest {
  /** The calling region (the target of the link). */
  region: string;
  topic: string;
  partitions: StreamStart[];
  /** "zstd" (also ""), "gzip" or "none". */
  compression: string;
  /** Bound of one batch's records before compression; 0: the called node's default. */
  maxBatchBytes: number;
}

/** One batch of Peer.StreamRecords: records of one partition, encoded and compressed (node/stream). */
export interface StreamRecordsBatch {
  topic: string;
  partition: number;
  /** Where the partition's next batch starts reading (after every record read, sent or filtered out). */
  nextOffset: number;
  highWatermark: number;
  compression: string;
  records: Buffer;
  recordCount: number;
  readCount: number;
  uncompressedBytes: number;
}

/**
 * The Peer service's server-streaming RPC, implemented by business code: `send` resolves once the batch is
 * taken by the transport (it waits while the caller does not read: flow control); the handler resolves when
 * the stream is done and rejects to end it with an error (as OperatorHandlers). `context.signal` aborts when
 * the caller goes away or the server stops.
 */
export interface PeerStreamHandlers {
  streamRecords(
    request: StreamRecordsRequest,
    context: RpcCallContext,
    send: (batch: StreamRecordsBatch) => Promise<void>,
  ): Promise<void>;
}

/** Peer.ListGroups: the consumer groups of the called node's cluster. */
export type ListGroupsRequest = Record<string, never>;

export interface ListGroupsResponse {
  region: string;
  /** Sorted. */
  groups: string[];
}

// ---- calling ----

/** Per-call options of the clients. */
export interface RpcCallOptions {
  /** Cancels the call (GEOMESH_RPC_CANCELLED; GEOMESH_RPC_DEADLINE_EXCEEDED when its reason is a timeout). */
  signal?: AbortSignal;
  /** Deadline of this call in ms; default the client's defaultTimeoutMs. */
  timeoutMs?: number;
}

/**
 * A client of one node's services. Every method rejects with a GeomeshError GEOMESH_RPC_* whose `details`
 * carry `method`, `target` and, when the callee sent one, `remoteCode` (the callee's own error code).
 */
interface RpcClientBase {
  /** The `host:port` this client calls. */
  readonly target: string;
  /** Closes the channel; calls in flight fail with GEOMESH_RPC_CANCELLED or UNAVAILABLE. Idempotent. */
  close(): void;
}

/** A client of a node's Operator service. */
export interface OperatorClient extends RpcClientBase {
  translateOffsets(
    request: TranslateOffsetsRequest,
    options?: RpcCallOptions,
  ): Promise<TranslateOffsetsResponse>;
  getStatus(request: GetStatusRequest, options?: RpcCallOptions): Promise<GetStatusResponse>;
  failover(request: FailoverRequest, options?: RpcCallOptions): Promise<FailoverResponse>;
  getFailoverProgress(
    request: GetFailoverProgressRequest,
    options?: RpcCallOptions,
  ): Promise<FailoverProgress>;
}

/** A client of a node's Peer service. */
export interface PeerClient extends RpcClientBase {
  getFrontiers(request: GetFrontiersRequest, options?: RpcCallOptions): Promise<GetFrontiersResponse>;
  seek(request: SeekRequest, options?: RpcCallOptions): Promise<SeekResponse>;
  pushCheckpoints(
    request: PushCheckpointsRequest,
    options?: RpcCallOptions,
  ): Promise<PushCheckpointsResponse>;
  ping(request: PingRequest, options?: RpcCallOptions): Promise<PingResponse>;
  listGroups(request: ListGroupsRequest, options?: RpcCallOptions): Promise<ListGroupsResponse>;
  /**
   * Peer.StreamRecords: the batches as they come, read at the caller's pace (gRPC flow control holds the
   * called node back while the caller does not read). No deadline: it runs until the signal aborts, the
   * called node ends it, or the iteration is left; failures as the other methods.
   */
  streamRecords(
    request: StreamRecordsRequest,
    options?: { signal?: AbortSignal },
  ): AsyncIterable<StreamRecordsBatch>;
}

/** A service's health as gRPC health checking reports it. */
export type HealthStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

/** A client of the standard gRPC health service (grpc.health.v1.Health) of a node. */
export interface HealthClient extends RpcClientBase {
  /**
   * The status of `service` (default "": the server as a whole; or `geomesh.v1.Operator`, `geomesh.v1.Peer`).
   * A service the server does not know rejects with GEOMESH_RPC_NOT_FOUND.
   */
  check(service?: string, options?: RpcCallOptions): Promise<HealthStatus>;
}
