/**
 * What the Peer service accepts, per RPC, in one place: `PEER_CHECKS` checks a decoded request against
 * the mesh the node runs (field-checks.ts for the rules of each field) and throws the first problem
 * (INVALID_ARGUMENT: a value no geomesh node sends; NOT_FOUND: a region the mesh does not have;
 * FAILED_PRECONDITION: a checkpoint of a group no link out of its region selects here, i.e. the two nodes
 * run different topologies). `checkedPeerHandlers` runs it before each handler, so a refused request
 * changes nothing. Pure: no I/O.
 */
import { isKeyId, KEY_ID_BYTES } from '../replication/index.ts';
import type {
  Checkpoint,
  GetFrontiersRequest,
  ListGroupsRequest,
  PartitionFrontier,
  PeerHandlers,
  PingRequest,
  PushCheckpointsRequest,
  SeekRequest,
} from '../rpc/index.ts';
import { GeomeshError } from '../../base/index.ts';
import {
  checkedHandlers,
  invalid,
  requireAtMost,
  requireGroup,
  requireOffset,
  requirePartition,
  requireRegion,
  requireRegionName,
  requireText,
  requireTime,
  requireTopic,
  requireTopics,
  RPC_LIMITS,
  shown,
} from './field-checks.ts';

/** The mesh as the serving node sees it. */
export interface PeerScope {
  /** The serving node's region. */
  readonly region: string;
  /** Every region of the topology. */
  readonly regions: readonly string[];
  /** True when a link out of `region` selects `group` (the groups a region checkpoints and pushes). */
  isCheckpointedGroup(region: string, group: string): boolean;
}

/** A region of the mesh other than the serving node's. */
function requirePeerRegion(value: string, field: string, scope: PeerScope): void {
  requireRegion(value, field, scope.regions);
  if (value === scope.region)
    throw invalid(field, `is ${shown(value)}, this node's own region: only other regions' nodes call it`);
}

/**
 * A partition's frontier: topic, partition, offsets, and each origin region at most once. An origin need not
 * be a region of the mesh now: records of a region since removed from the topology stay in the logs.
 */
export function checkPartitionFrontier(p: PartitionFrontier, field: string): void {
  requireTopic(p.topic, `${field}.topic`);
  requirePartition(p.partition, `${field}.partition`);
  requireOffset(p.committedOffset, `${field}.committed_offset`);
  requireAtMost(p.frontier, RPC_LIMITS.maxOrigins, `${field}.frontier`, 'origin offsets');
  const seen = new Set<string>();
  p.frontier.forEach((f, i) => {
    requireRegionName(f.region, `${field}.frontier[${i}].region`);
    if (seen.has(f.region))
      throw invalid(`${field}.frontier[${i}].region`, `${shown(f.region)} appears twice`);
    seen.add(f.region);
    requireOffset(f.offset, `${field}.frontier[${i}].offset`);
  });
}

function checkPartitions(partitions: readonly PartitionFrontier[], field: string): void {
  requireAtMost(partitions, RPC_LIMITS.maxPartitionsPerRequest, field, 'partitions');
  const seen = new Set<string>();
  partitions.forEach((p, i) => {
    checkPartitionFrontier(p, `${field}[${i}]`);
    const key = `${p.topic}/${p.partition}`;
    if (seen.has(key)) throw invalid(`${field}[${i}]`, `${key} appears twice`);
    seen.add(key);
  });
}

function checkCheckpoint(c: Checkpoint, field: string, fromRegion: string, scope: PeerScope): void {
  if (c.region !== fromRegion) {
    throw invalid(
      `${field}.region`,
      `${shown(c.region)} pushed by ${fromRegion}: a node pushes only its own region's checkpoints`,
    );
  }
  requireGroup(c.group, `${field}.group`);
  requireTime(c.computedAtMs, `${field}.computed_at_ms`);
  checkPartitions(c.partitions, `${field}.partitions`);
  if (!scope.isCheckpointedGroup(fromRegion, c.group)) {
    throw new GeomeshError(
      'GEOMESH_RPC_FAILED_PRECONDITION',
      `${field}.group: no link out of ${fromRegion} selects group ${shown(c.group)} in this node's ` +
        `topology: do both nodes run the same topology version? (geomesh topology show)`,
      { details: { field: `${field}.group`, region: fromRegion } },
    );
  }
}

function checkKeyIds(req: PingRequest): void {
  const current = req.provenanceKeyId ?? '';
  const accepted = req.acceptedKeyIds ?? [];
  const expected = `${KEY_ID_BYTES * 2} lowercase hex digits`;
  if (current !== '' && !isKeyId(current))
    throw invalid('provenance_key_id', `${shown(current)} is not a key id (${expected})`);
  requireAtMost(accepted, RPC_LIMITS.maxKeyIds, 'accepted_key_ids', 'key ids');
  accepted.forEach((id, i) => {
    if (!isKeyId(id)) throw invalid(`accepted_key_ids[${i}]`, `${shown(id)} is not a key id (${expected})`);
  });
}

/** The check of each Peer RPC's request, by handler method. */
export const PEER_CHECKS: {
  readonly [K in keyof PeerHandlers]: (request: Parameters<PeerHandlers[K]>[0], scope: PeerScope) => void;
} = Object.freeze({
  getFrontiers: (req: GetFrontiersRequest) => {
    requireGroup(req.group, 'group');
    requireTopics(req.topics, 'topics');
  },
  seek: (req: SeekRequest) => checkPartitions(req.partitions, 'partitions'),
  pushCheckpoints: (req: PushCheckpointsRequest, scope: PeerScope) => {
    requirePeerRegion(req.fromRegion, 'from_region', scope);
    if (req.checkpoints.length === 0) throw invalid('checkpoints', 'is empty: push at least one checkpoint');
    requireAtMost(req.checkpoints, RPC_LIMITS.maxCheckpoints, 'checkpoints', 'checkpoints');
    const groups = new Set<string>();
    req.checkpoints.forEach((c, i) => {
      checkCheckpoint(c, `checkpoints[${i}]`, req.fromRegion, scope);
      if (groups.has(c.group)) throw invalid(`checkpoints[${i}].group`, `${shown(c.group)} appears twice`);
      groups.add(c.group);
    });
  },
  ping: (req: PingRequest, scope: PeerScope) => {
    requirePeerRegion(req.region, 'region', scope);
    requireText(req.instance, 'instance', RPC_LIMITS.maxIdLength);
    requireTime(req.sentAtMs, 'sent_at_ms', true);
    checkKeyIds(req);
  },
  // No fields: a newer caller's unknown fields are ignored.
  listGroups: (_req: ListGroupsRequest) => undefined,
});

/** `handlers` with each request checked by PEER_CHECKS against `scope()` (read at each call) first. */
export function checkedPeerHandlers(handlers: PeerHandlers, scope: () => PeerScope): PeerHandlers {
  return checkedHandlers(handlers, PEER_CHECKS, scope);
}
