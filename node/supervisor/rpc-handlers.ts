/**
 * What a region's node answers over gRPC (node/rpc): the Operator service (translation, status, failover),
 * the Peer service (frontiers, seeks, pushed checkpoints, heartbeats), who may call the state-changing ones,
 * and the peer API the translation service calls on other regions' nodes.
 */
import { GeomeshError } from '../../base/index.ts';
import type { TopologyConfig } from '../../topology/index.ts';
import {
  FailoverProgressBoard,
  OperationTurns,
  failoverWithState,
  silentSourceReads,
  type LinkGroupSelection,
} from '../failover/index.ts';
import type { Logger } from '../log/index.ts';
import type { ProvenanceKeySet } from '../replication/index.ts';
import { checkedOperatorHandlers, checkedPeerHandlers } from '../rpc-checks/index.ts';
import type { AuthorizationOptions, OperatorHandlers, PeerHandlers } from '../rpc/index.ts';
import type { NodeStatus } from '../status/index.ts';
import type { PeerApi, TranslationService } from '../translation-service/index.ts';
import type { CoordinationSession } from '../coordination-ports/index.ts';
import { regionStatesOn } from './etcd-connection.ts';
import type { KeyAgreement } from './key-agreement.ts';
import type { PeerChannels } from './peer-channels.ts';

/** The software version peers report to each other. */
export const GEOMESH_VERSION = '0.1.0';

/** What the handlers read of the running node. */
export interface HandlerContext {
  config: TopologyConfig;
  region: string;
  instanceId: string;
  logger: Logger;
  /** The node's translation service; throws GEOMESH_RPC_UNAVAILABLE while the node is not running. */
  translation(): TranslationService;
  status(): NodeStatus | undefined;
  nodeState(): string;
  keys(): ProvenanceKeySet | null;
  agreement(): KeyAgreement | undefined;
  /** The process's etcd session (a Failover call records region states on it). */
  coordination: CoordinationSession;
  /** Bound on each etcd step of a Failover call (the node's `failover.etcdTimeoutMs`). */
  failoverEtcdTimeoutMs: number;
}

function notRunning(region: string): never {
  throw new GeomeshError(
    'GEOMESH_RPC_CLOSED',
    `the channel to ${region}'s node is closed: this node is stopping`,
  );
}

/**
 * The Operator service: translation, status, failover (authorised callers only; see `authorization`). Each
 * request is checked first (node/rpc-checks).
 */
export function operatorHandlers(ctx: HandlerContext): OperatorHandlers {
  const progress = new FailoverProgressBoard();
  return checkedOperatorHandlers(uncheckedOperatorHandlers(ctx, progress, new OperationTurns()), () => ({
    regions: ctx.config.regions.map((r) => r.name),
  }));
}

function uncheckedOperatorHandlers(
  ctx: HandlerContext,
  progress: FailoverProgressBoard,
  turns: OperationTurns,
): OperatorHandlers {
  return {
    translateOffsets: async (req) => {
      const t = await ctx.translation().translate(req.group, req.fromRegion, req.toRegion, req.topics);
      return { ...t, partitions: t.partitions.map((p) => ({ ...p })) };
    },
    getStatus: () => {
      const node = ctx.status();
      if (!node)
        throw new GeomeshError('GEOMESH_RPC_UNAVAILABLE', `the node of ${ctx.region} is not running`);
      return Promise.resolve({ node });
    },
    failover: async (req, call) => {
      if (!ctx.config.region(ctx.region).node.operators) {
        throw new GeomeshError(
          'GEOMESH_RPC_PERMISSION_DENIED',
          `the node of ${ctx.region} accepts no operator for state-changing calls: set ` +
            `regions.${ctx.region}.node.operators (token and/or client certificate identities)`,
        );
      }
      const translation = ctx.translation();
      const progressId = req.progressId ?? '';
      const reads = silentSourceReads({
        translate: (group, from, to, isCheckpointFirst) =>
          translation.translate(group, from, to, [], isCheckpointFirst),
        groupsOf: (from) => translation.groupsOf(from),
      });
      const onProgress = progress.follow(progressId);
      // Calls that commit take turns per regions and step: one resuming an interrupted operation waits for
      // the interrupted call to stop.
      const turn = req.dryRun
        ? <T>(work: () => Promise<T>) => work()
        : <T>(work: () => Promise<T>) => turns.run(`${req.failback}/${req.fromRegion}/${req.toRegion}`, work);
      const response = await turn(() =>
        failoverWithState({
          request: req,
          scope: { regions: ctx.config.regions.map((r) => r.name), region: ctx.region },
          ports: {
            translate: reads.translate,
            commit: (group, offsets) => translation.localCluster.commit(group, offsets),
          },
          listGroups: reads.listGroups,
          linkSelection: (from, to) => linkGroupSelection(ctx.config, from, to),
          ...(onProgress ? { onProgress } : {}),
          openStates: regionStatesOn(ctx.coordination, `${ctx.region}/${ctx.instanceId}`),
          etcdTimeoutMs: ctx.failoverEtcdTimeoutMs,
          logger: ctx.logger,
          // The caller gone (killed, cancelled, its deadline passed): stop at the next group; the operation
          // stays open in etcd for the same command to complete.
          signal: call.signal,
        }),
      ).finally(() => progress.end(progressId));
      const { isResumed, ...answer } = response;
      return {
        ...answer,
        ...(isResumed !== undefined && { resumed: isResumed }),
        groups: response.groups.map(({ isEarlier, ...g }) => ({
          ...g,
          ...(isEarlier && { committedEarlier: true }),
          translation: g.translation
            ? { ...g.translation, partitions: g.translation.partitions.map((p) => ({ ...p })) }
            : undefined,
        })),
      };
    },
    getFailoverProgress: (req) =>
      Promise.resolve({ progressId: req.progressId, ...progress.get(req.progressId) }),
  };
}

/** The groups the link from → to selects; without such a link, those any link out of `from` selects. */
function linkGroupSelection(config: TopologyConfig, from: string, to: string): LinkGroupSelection {
  const link = config.link(from, to);
  if (link) {
    return {
      selects: (group) => link.groups.matches(group),
      description: `the link ${from} → ${to} (groups ${link.groups.describe()})`,
    };
  }
  const outbound = config.outboundLinks(from);
  return {
    selects: (group) => outbound.some((l) => l.groups.matches(group)),
    description: `a link out of ${from} (there is no link ${from} → ${to})`,
  };
}

/**
 * State-changing RPCs (Failover) need an authorised caller: the region's `node.operators` token or an
 * allowed client certificate. Without operators they are refused by the handler.
 */
export function authorization(ctx: Pick<HandlerContext, 'config' | 'region'>): {
  authorization?: AuthorizationOptions;
} {
  const operators = ctx.config.region(ctx.region).node.operators;
  if (!operators || (operators.token === null && operators.clients.length === 0)) return {};
  return {
    authorization: {
      protectedMethods: ['geomesh.v1.Operator/Failover', 'geomesh.v1.Operator/GetFailoverProgress'],
      ...(operators.token
        ? {
            bearerToken: {
              resolved: operators.token,
              from: `topology regions.${ctx.region}.node.operators.token`,
            },
          }
        : {}),
      ...(operators.clients.length > 0 ? { allowedClientIdentities: [...operators.clients] } : {}),
    },
  };
}

/**
 * The Peer service: frontiers, seeks, checkpoints pushed by peers, and the heartbeat (key agreement). Each
 * request is checked first (node/rpc-checks): a push names a peer region, and only groups a link out of it
 * selects.
 */
export function peerHandlers(ctx: HandlerContext): PeerHandlers {
  return checkedPeerHandlers(uncheckedPeerHandlers(ctx), () => ({
    region: ctx.region,
    regions: ctx.config.regions.map((r) => r.name),
    isCheckpointedGroup: (region, group) =>
      ctx.config.outboundLinks(region).some((link) => ctx.config.selectsGroup(link, group)),
  }));
}

function uncheckedPeerHandlers(ctx: HandlerContext): PeerHandlers {
  return {
    getFrontiers: (req) => ctx.translation().localFrontiers(req.group, req.topics, true),
    seek: (req) => ctx.translation().localSeek(req.partitions),
    listGroups: async () => ({
      region: ctx.region,
      groups: (await ctx.translation().localCluster.groups()).sort(),
    }),
    pushCheckpoints: (req) => {
      const service = ctx.translation();
      let accepted = 0;
      for (const c of req.checkpoints) if (service.receiveCheckpoint(c)) accepted++;
      return Promise.resolve({ accepted });
    },
    // The heartbeat answer: who answers, its key ids, and how its inbound links are doing. The caller's key
    // ids are heard too (agreement within one heartbeat, whichever side pings first).
    ping: (req) => {
      if (req.provenanceKeyId)
        ctx
          .agreement()
          ?.heard(
            req.region,
            [{ currentKeyId: req.provenanceKeyId, acceptedKeyIds: req.acceptedKeyIds ?? [] }],
            'heartbeat',
          );
      const self = ctx.status();
      const keys = ctx.keys();
      return Promise.resolve({
        region: ctx.region,
        instance: self?.instance ?? ctx.instanceId,
        version: GEOMESH_VERSION,
        nodeState: ctx.nodeState(),
        links: (self?.links ?? []).map((l) => ({
          fromRegion: l.fromRegion,
          state: l.state,
          lagRecords: l.lagRecords,
          recordsPerSecond: l.recordsPerSecond,
          haltedPartitions: l.halted.length,
        })),
        ...(keys && {
          provenanceKeyId: keys.currentKeyId,
          acceptedKeyIds: [...keys.acceptedKeyIds],
        }),
      });
    },
  };
}

/** The peer API of a region's node over gRPC: each call takes the region's client of the moment. */
export function peerApi(peers: PeerChannels, region: string): PeerApi | undefined {
  if (!peers.client(region)) return undefined;
  // Each call takes the region's client of the moment: its address follows etcd.
  const peer = () => peers.client(region) ?? notRunning(region);
  return {
    getFrontiers: async (group, topics) => peer().getFrontiers({ group, topics: [...topics] }),
    seek: async (partitions) =>
      peer().seek({ partitions: partitions.map((p) => ({ ...p, frontier: [...p.frontier] })) }),
    pushCheckpoints: async (fromRegion, checkpoints) =>
      (
        await peer().pushCheckpoints({
          fromRegion,
          checkpoints: checkpoints.map((c) => ({ ...c, partitions: c.partitions.map((p) => ({ ...p })) })),
        })
      ).accepted,
    listGroups: async () => (await peer().listGroups({})).groups,
  };
}
