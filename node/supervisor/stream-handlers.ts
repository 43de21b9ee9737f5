/**
 * The Peer service's record stream as a region's node serves it (node/stream): each request is checked
 * against the topology first (node/rpc-checks: a refused request reads nothing), then the node's own
 * cluster is read for the requesting region.
 */
import { GeomeshError } from '../../base/index.ts';
import type { TopologyConfig } from '../../topology/index.ts';
import type { Logger } from '../log/index.ts';
import type { RegionNode } from '../region/index.ts';
import { checkStreamRecordsRequest, type StreamScope } from '../rpc-checks/index.ts';
import type { PeerStreamHandlers } from '../rpc/index.ts';
import { createStreamServingMetrics, type StreamServingMetrics } from '../observability/index.ts';
import { RecordStreamer, SharedReads, type PeerRecordStreams } from '../stream/index.ts';
import type { PeerChannels } from './peer-channels.ts';

/** What the stream handlers read of the running node. */
export interface StreamHandlerContext {
  config: TopologyConfig;
  region: string;
  logger: Logger;
  /** The region node while it runs; undefined before it started and after it stopped. */
  node(): ServingNode | undefined;
}

type ServingNode = Pick<RegionNode, 'ownCluster' | 'provenanceKeys' | 'state' | 'registry'>;

/** A running node's shared reads of its cluster and the metrics of the streams it serves. */
interface Serving {
  reads: SharedReads;
  metrics: StreamServingMetrics;
}

/** The link from the serving region to `to`, as the topology declares it; undefined when there is none. */
function linkOf(config: TopologyConfig, from: string, to: string) {
  return config.inboundLinks(to).find((link) => link.from === from);
}

/** The topology's view for request checks. */
export function streamScope(config: TopologyConfig, region: string): StreamScope {
  return {
    region,
    regions: config.regions.map((r) => r.name),
    linkTo: (to) => {
      const link = config.hasRegion(to) ? linkOf(config, region, to) : undefined;
      return link && { carriesTopic: (topic: string) => config.selectsTopic(link, topic) };
    },
  };
}

/** Peer.StreamRecords of a region's node. */
export function peerStreamHandlers(ctx: StreamHandlerContext): PeerStreamHandlers {
  const logger = ctx.logger.child({ component: 'record-stream' });
  // One per node instance (a node restarted in the same process is a new one, with a new registry).
  const serving = new WeakMap<ServingNode, Serving>();
  const servingOf = (node: ServingNode): Serving => {
    let found = serving.get(node);
    if (!found) {
      const metrics = createStreamServingMetrics(node.registry);
      const reads = new SharedReads({
        mesh: ctx.config.mesh,
        region: ctx.region,
        openReader: (groupId) => node.ownCluster.recordSource({ groupId, logger }),
        deleteReaderGroup: (groupId) => node.ownCluster.deleteGroup(groupId),
        onRead: (_topic, read, records) => metrics.readRecords.labels(read).inc(records),
        logger,
      });
      found = { reads, metrics };
      serving.set(node, found);
    }
    return found;
  };
  return {
    streamRecords: async (request, context, send) => {
      const { config, region } = ctx;
      checkStreamRecordsRequest(request, streamScope(config, region));
      const node = ctx.node();
      if (!node || node.state !== 'running')
        throw new GeomeshError(
          'GEOMESH_RPC_UNAVAILABLE',
          `the node of ${region} is not running: it streams no records now (pull from its cluster meanwhile)`,
        );
      const link = linkOf(config, region, request.region)!;
      const { reads, metrics } = servingOf(node);
      const streamer = new RecordStreamer({
        mesh: config.mesh,
        region,
        meshRegions: new Set(config.regions.map((r) => r.name)),
        provenanceKeys: () => node.provenanceKeys,
        linkTo: (to) => ({ from: region, to, forwardsOrigin: (origin) => config.forwards(link, origin) }),
        reads,
        onBatchSent: (to, read, sent, wireBytes) => {
          metrics.servedRecords.labels(to).inc(read);
          metrics.sentRecords.labels(to).inc(sent);
          metrics.sentBytes.labels(to).inc(wireBytes);
        },
        logger,
      });
      await streamer.streamRecords(request, context, send);
    },
  };
}

/**
 * The node of `region` as a streaming link calls it: up while it answers its heartbeats; each stream on the
 * region's client of the moment (its address follows etcd). Undefined for a region without a channel.
 */
export function peerRecordStreams(peers: PeerChannels, region: string): PeerRecordStreams | undefined {
  if (!peers.client(region)) return undefined;
  return {
    isUp: () => peers.statuses().some((s) => s.region === region && s.isUp),
    isUnheard: () =>
      peers.statuses().some((s) => s.region === region && !s.isUp && s.error === '' && s.lastAnswerAgeMs < 0),
    open: (request, signal) => {
      const client = peers.client(region);
      if (!client)
        throw new GeomeshError(
          'GEOMESH_RPC_CLOSED',
          `the channel to ${region}'s node is closed: this node is stopping`,
        );
      return client.streamRecords(request, { signal });
    },
  };
}
