/**
 * The bridge between the plain messages (messages.ts) and the objects @grpc/proto-loader reads and writes
 * (node/rpc/generated/): one codec per RPC. Most messages have the same shape on both sides, which the
 * `Same` checks below prove at compile time (a .proto change that is not mirrored in messages.ts fails
 * `tsc`); the frontier source enum is the one value translated (`'live'` ⇄ `FRONTIER_SOURCE_LIVE`).
 */
import { GeomeshError } from '../../base/index.ts';
import type { Checkpoint__Output } from './generated/geomesh/v1/Checkpoint.ts';
import type { FrontierSource__Output } from './generated/geomesh/v1/FrontierSource.ts';
import type { GetFrontiersRequest__Output } from './generated/geomesh/v1/GetFrontiersRequest.ts';
import type { GetFrontiersResponse__Output } from './generated/geomesh/v1/GetFrontiersResponse.ts';
import type { FailoverRequest__Output } from './generated/geomesh/v1/FailoverRequest.ts';
import type { FailoverResponse__Output } from './generated/geomesh/v1/FailoverResponse.ts';
import type { FailoverProgress__Output } from './generated/geomesh/v1/FailoverProgress.ts';
import type { GetFailoverProgressRequest__Output } from './generated/geomesh/v1/GetFailoverProgressRequest.ts';
import type { ListGroupsResponse__Output } from './generated/geomesh/v1/ListGroupsResponse.ts';
import type { RegionState__Output } from './generated/geomesh/v1/RegionState.ts';
import type { GetStatusRequest__Output } from './generated/geomesh/v1/GetStatusRequest.ts';
import type { GetStatusResponse__Output } from './generated/geomesh/v1/GetStatusResponse.ts';
import type { HaltedPartition__Output } from './generated/geomesh/v1/HaltedPartition.ts';
import type { LinkStatus__Output } from './generated/geomesh/v1/LinkStatus.ts';
import type { UnreplicatedPartition__Output } from './generated/geomesh/v1/UnreplicatedPartition.ts';
import type { LinkSummary__Output } from './generated/geomesh/v1/LinkSummary.ts';
import type { NodeStatus__Output } from './generated/geomesh/v1/NodeStatus.ts';
import type { OriginOffset__Output } from './generated/geomesh/v1/OriginOffset.ts';
import type { PartitionFrontier__Output } from './generated/geomesh/v1/PartitionFrontier.ts';
import type { PartitionSeek__Output } from './generated/geomesh/v1/PartitionSeek.ts';
import type { PartitionTranslation__Output } from './generated/geomesh/v1/PartitionTranslation.ts';
import type { PeerStatus__Output } from './generated/geomesh/v1/PeerStatus.ts';
import type { PingRequest__Output } from './generated/geomesh/v1/PingRequest.ts';
import type { PingResponse__Output } from './generated/geomesh/v1/PingResponse.ts';
import type { PushCheckpointsRequest__Output } from './generated/geomesh/v1/PushCheckpointsRequest.ts';
import type { PushCheckpointsResponse__Output } from './generated/geomesh/v1/PushCheckpointsResponse.ts';
import type { SeekRequest__Output } from './generated/geomesh/v1/SeekRequest.ts';
import type { StreamRecordsBatch__Output } from './generated/geomesh/v1/StreamRecordsBatch.ts';
import type { StreamRecordsRequest__Output } from './generated/geomesh/v1/StreamRecordsRequest.ts';
import type { SeekResponse__Output } from './generated/geomesh/v1/SeekResponse.ts';
import type { TranslateOffsetsRequest__Output } from './generated/geomesh/v1/TranslateOffsetsRequest.ts';
import type { TranslateOffsetsResponse__Output } from './generated/geomesh/v1/TranslateOffsetsResponse.ts';
import type { TopicPartitions__Output } from './generated/geomesh/v1/TopicPartitions.ts';
import type { WorkSharingStatus__Output } from './generated/geomesh/v1/WorkSharingStatus.ts';
import type {
  Checkpoint,
  FrontierSource,
  GetFrontiersRequest,
  GetFrontiersResponse,
  FailoverRequest,
  FailoverProgress,
  FailoverResponse,
  GetFailoverProgressRequest,
  GetStatusRequest,
  GetStatusResponse,
  HaltedPartition,
  LinkStatus,
  LinkSummary,
  ListGroupsRequest,
  ListGroupsResponse,
  NodeStatus,
  OperatorHandlers,
  OriginOffset,
  PartitionFrontier,
  PartitionSeek,
  PartitionTranslation,
  PeerHandlers,
  PeerStatus,
  PingRequest,
  PingResponse,
  PushCheckpointsRequest,
  PushCheckpointsResponse,
  RegionState,
  SeekRequest,
  SeekResponse,
  StreamRecordsBatch,
  StreamRecordsRequest,
  PeerStreamHandlers,
  TopicPartitions,
  TranslateOffsetsRequest,
  TranslateOffsetsResponse,
  UnreplicatedPartition,
  WorkSharingStatus,
} from './messages.ts';

// ---- compile-time proof that plain and generated shapes agree ----

/** `true` when A and B are assignable both ways (all fields of __Output types are required). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** `T` with every field, however deep, required: a decoded message (fields added later are optional to send). */
type Full<T> = T extends readonly (infer U)[]
  ? Full<U>[]
  : T extends object
    ? { [K in keyof T]-?: Full<T[K]> }
    : T;

/** Fails to compile if any element is not `true`. */
type AllTrue<T extends readonly true[]> = T;
type _ShapesAgree = AllTrue<
  [
    Same<OriginOffset, OriginOffset__Output>,
    Same<Full<PartitionFrontier>, PartitionFrontier__Output>,
    Same<Full<PartitionTranslation>, PartitionTranslation__Output>,
    Same<TranslateOffsetsRequest, TranslateOffsetsRequest__Output>,
    Same<
      Full<Omit<TranslateOffsetsResponse, 'source'>> & { sourceActiveMembersKnown: boolean },
      Omit<TranslateOffsetsResponse__Output, 'source'>
    >,
    Same<GetFrontiersRequest, GetFrontiersRequest__Output>,
    Same<Full<GetFrontiersResponse>, GetFrontiersResponse__Output>,
    Same<Full<SeekRequest>, SeekRequest__Output>,
    Same<Full<SeekResponse>, SeekResponse__Output>,
    Same<Full<PartitionSeek>, PartitionSeek__Output>,
    Same<Full<Checkpoint>, Checkpoint__Output>,
    Same<Full<PushCheckpointsRequest>, PushCheckpointsRequest__Output>,
    Same<PushCheckpointsResponse, PushCheckpointsResponse__Output>,
    // Fields added later are optional when sending (older callers leave them out); decoded, they are there.
    Same<Required<PingRequest>, PingRequest__Output>,
    Same<Required<PingResponse>, PingResponse__Output>,
    Same<HaltedPartition, HaltedPartition__Output>,
    Same<UnreplicatedPartition, UnreplicatedPartition__Output>,
    Same<LinkStatus, LinkStatus__Output>,
    Same<LinkSummary, LinkSummary__Output>,
    Same<PeerStatus, PeerStatus__Output>,
    Same<TopicPartitions, TopicPartitions__Output>,
    Same<WorkSharingStatus, WorkSharingStatus__Output>,
    Same<Required<NodeStatus>, NodeStatus__Output>,
    Same<GetStatusRequest, GetStatusRequest__Output>,
    Same<Required<FailoverRequest>, FailoverRequest__Output>,
    Same<GetFailoverProgressRequest, GetFailoverProgressRequest__Output>,
    Same<FailoverProgress, FailoverProgress__Output>,
    Same<ListGroupsResponse, ListGroupsResponse__Output>,
    Same<StreamRecordsRequest, StreamRecordsRequest__Output>,
    Same<StreamRecordsBatch, StreamRecordsBatch__Output>,
    Same<RegionState, RegionState__Output>,
    Same<
      { node: Required<GetStatusResponse['node']> },
      { node: NonNullable<GetStatusResponse__Output['node']> }
    >,
  ]
>;

// ---- codecs ----

/** The gRPC services geomesh defines, by short name. */
export type GeomeshService = 'Operator' | 'Peer';

/**
 * How one RPC's messages cross the wire. `wire` values are what proto-loader serialises and deserialises
 * (the generated types); they are `unknown` here because the codec table is generic, and typed where each
 * codec is written.
 */
export interface MethodCodec<Req, Res> {
  readonly service: GeomeshService;
  /** The RPC's name in the .proto file, e.g. `TranslateOffsets`. */
  readonly rpc: string;
  /** Full method name, e.g. `geomesh.v1.Operator/TranslateOffsets` (the gRPC path without its `/`). */
  readonly method: string;
  encodeRequest(request: Req): unknown;
  decodeRequest(wire: unknown): Req;
  encodeResponse(response: Res): unknown;
  decodeResponse(wire: unknown): Res;
}

type RequestOf<F> = F extends (request: infer Req, ...rest: never[]) => unknown ? Req : never;
type ResponseOf<F> = F extends (...args: never[]) => Promise<infer Res> ? Res : never;
/** The message type a streaming handler sends (its third parameter's argument). */
type StreamedOf<F> = F extends (
  request: never,
  context: never,
  send: (message: infer Res) => Promise<void>,
) => Promise<void>
  ? Res
  : never;

/** One codec per handler method: the tables below must cover every method of the handler interfaces. */
type CodecTable<H> = { readonly [K in keyof H]: MethodCodec<RequestOf<H[K]>, ResponseOf<H[K]>> };
/** One codec per method of a server-streaming handler interface; the response is each streamed message. */
type StreamCodecTable<H> = { readonly [K in keyof H]: MethodCodec<RequestOf<H[K]>, StreamedOf<H[K]>> };

/** A codec whose plain and generated shapes are the same (proved above): values pass through unchanged. */
function sameShape<Req, Res>(service: GeomeshService, rpc: string): MethodCodec<Req, Res> {
  return {
    service,
    rpc,
    method: `geomesh.v1.${service}/${rpc}`,
    encodeRequest: (request) => request,
    decodeRequest: (wire) => wire as Req,
    encodeResponse: (response) => response,
    decodeResponse: (wire) => wire as Res,
  };
}

const SOURCE_TO_WIRE: Readonly<Record<FrontierSource, FrontierSource__Output>> = {
  live: 'FRONTIER_SOURCE_LIVE',
  checkpoint: 'FRONTIER_SOURCE_CHECKPOINT',
};

/** The plain frontier source of a wire value; an unset or unknown value is a broken contract. */
export function frontierSourceFromWire(wire: FrontierSource__Output | number): FrontierSource {
  if (wire === 'FRONTIER_SOURCE_LIVE') return 'live';
  if (wire === 'FRONTIER_SOURCE_CHECKPOINT') return 'checkpoint';
  throw new GeomeshError(
    'GEOMESH_RPC_INTERNAL',
    `TranslateOffsetsResponse.source is ${String(wire)}; expected FRONTIER_SOURCE_LIVE or FRONTIER_SOURCE_CHECKPOINT ` +
      '(is the callee a newer geomesh version?)',
    { details: { field: 'source', value: String(wire) } },
  );
}

/** The frontier source's wire value; anything but 'live' or 'checkpoint' is a bug of the caller. */
export function frontierSourceToWire(source: FrontierSource): FrontierSource__Output {
  const wire = SOURCE_TO_WIRE[source] as FrontierSource__Output | undefined;
  if (wire === undefined) {
    throw new GeomeshError(
      'GEOMESH_INTERNAL_INVARIANT',
      `TranslateOffsetsResponse.source must be 'live' or 'checkpoint', got ${JSON.stringify(source)}`,
    );
  }
  return wire;
}

const translateOffsets: MethodCodec<TranslateOffsetsRequest, TranslateOffsetsResponse> = {
  ...sameShape<TranslateOffsetsRequest, TranslateOffsetsResponse>('Operator', 'TranslateOffsets'),
  encodeResponse: (response) => translationToWire(response),
  decodeResponse: (wire) => translationFromWire(wire as TranslateOffsetsResponse__Output),
};

/** GetStatus: a response without its node (proto3 lets a message field be absent) is a broken contract. */
const getStatus: MethodCodec<GetStatusRequest, GetStatusResponse> = {
  ...sameShape<GetStatusRequest, GetStatusResponse>('Operator', 'GetStatus'),
  decodeResponse: (wire) => {
    const { node } = wire as GetStatusResponse__Output;
    if (node === null) {
      throw new GeomeshError('GEOMESH_RPC_INTERNAL', 'GetStatusResponse.node is missing', {
        details: { field: 'node' },
      });
    }
    return { node };
  },
};

/** A translation on the wire: the source enum, and the members count with whether it is known. */
function translationToWire(t: TranslateOffsetsResponse) {
  const { sourceActiveMembers, ...rest } = t;
  return {
    ...rest,
    source: frontierSourceToWire(t.source),
    sourceActiveMembers: sourceActiveMembers ?? 0,
    sourceActiveMembersKnown: sourceActiveMembers !== undefined,
  };
}

function translationFromWire(w: TranslateOffsetsResponse__Output): TranslateOffsetsResponse {
  const { sourceActiveMembers, sourceActiveMembersKnown, ...rest } = w;
  return {
    ...rest,
    source: frontierSourceFromWire(w.source),
    ...(sourceActiveMembersKnown && { sourceActiveMembers }),
  };
}

const OUTCOMES: readonly string[] = ['committed', 'dry-run', 'refused'];

/** Failover: each group's translation carries the frontier source enum, and may be absent. */
const failover: MethodCodec<FailoverRequest, FailoverResponse> = {
  ...sameShape<FailoverRequest, FailoverResponse>('Operator', 'Failover'),
  encodeResponse: (response) => ({
    regionState: response.regionState,
    regionStateError: response.regionStateError,
    operation: response.operation ?? '',
    resumed: response.resumed ?? false,
    groups: response.groups.map((g) => ({
      ...g,
      translation: g.translation ? translationToWire(g.translation) : null,
    })),
  }),
  decodeResponse: (wire) => ({
    regionState: (wire as FailoverResponse__Output).regionState,
    regionStateError: (wire as FailoverResponse__Output).regionStateError,
    operation: (wire as FailoverResponse__Output).operation,
    resumed: (wire as FailoverResponse__Output).resumed,
    groups: (wire as FailoverResponse__Output).groups.map((g) => {
      if (!OUTCOMES.includes(g.outcome)) {
        throw new GeomeshError('GEOMESH_RPC_INTERNAL', `GroupFailover.outcome is "${g.outcome}"`, {
          details: { field: 'outcome', value: g.outcome },
        });
      }
      return {
        group: g.group,
        outcome: g.outcome as FailoverResponse['groups'][number]['outcome'],
        reason: g.reason,
        translation: g.translation ? translationFromWire(g.translation) : undefined,
        committedEarlier: g.committedEarlier,
      };
    }),
  }),
};

/** Codecs of the Operator service, by handler method. */
export const OPERATOR_CODECS: CodecTable<OperatorHandlers> = Object.freeze({
  translateOffsets,
  getStatus,
  failover,
  getFailoverProgress: sameShape<GetFailoverProgressRequest, FailoverProgress>(
    'Operator',
    'GetFailoverProgress',
  ),
});

/** Codecs of the Peer service, by handler method. */
export const PEER_CODECS: CodecTable<PeerHandlers> = Object.freeze({
  getFrontiers: sameShape<GetFrontiersRequest, GetFrontiersResponse>('Peer', 'GetFrontiers'),
  seek: sameShape<SeekRequest, SeekResponse>('Peer', 'Seek'),
  pushCheckpoints: sameShape<PushCheckpointsRequest, PushCheckpointsResponse>('Peer', 'PushCheckpoints'),
  ping: sameShape<PingRequest, PingResponse>('Peer', 'Ping'),
  listGroups: sameShape<ListGroupsRequest, ListGroupsResponse>('Peer', 'ListGroups'),
});

/** Codecs of the Peer service's server-streaming RPCs, by handler method. */
export const PEER_STREAM_CODECS: StreamCodecTable<PeerStreamHandlers> = Object.freeze({
  streamRecords: sameShape<StreamRecordsRequest, StreamRecordsBatch>('Peer', 'StreamRecords'),
});
