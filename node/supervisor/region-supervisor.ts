/**
 * Composes the node of one region from a topology: the RegionNode (links, origin index, translation
 * service), the gRPC server its peers and operators call (Operator + Peer services, health), and one peer
 * client per other region, at the address its `node.grpc` names. Starts them in that order and stops them
 * in reverse. The CLI's `geomesh node` owns signals and calls `stop()`.
 *
 * States: idle → starting → running → stopping → stopped; starting → failed.
 */
import type { TopologyConfig } from '../../topology/index.ts';
import type { Logger } from '../log/index.ts';
import { RegionNode, clusterConnection, inboundLinkSpecs } from '../region/index.ts';
import {
  RpcServer,
  createPeerClient,
  type ClientTransportOptions,
  type PeerClient,
  type PeerHandlers,
  type OperatorHandlers,
  type ServerTransportOptions,
} from '../rpc/index.ts';
import type { PeerApi, TranslationService } from '../translation-service/index.ts';
import { GeomeshError } from '../errors/index.ts';

/** The software version peers report to each other. */
export const GEOMESH_VERSION = '0.1.0';

export interface RegionSupervisorOptions {
  config: TopologyConfig;
  region: string;
  logger: Logger;
  /** /metrics, /healthz, /readyz. */
  http: { host: string; port: number };
  /** gRPC listen address; default the region's `node.grpc`. */
  grpcAddress?: string;
  /** Default: mutual TLS with the region's `node.tls` files, else plaintext (loopback development). */
  serverTransport?: ServerTransportOptions;
  /** How this node calls its peers; default: mutual TLS with the region's `node.tls` files, else plaintext. */
  peerTransport?: ClientTransportOptions;
  /** Deadline of a call to a peer; default 3,000 ms (a translation falls back to a checkpoint after it). */
  peerTimeoutMs?: number;
  /** Default 5,000 ms. */
  checkpointIntervalMs?: number;
}

export type RegionSupervisorState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

export class RegionSupervisor {
  readonly #options: RegionSupervisorOptions;
  readonly #logger: Logger;
  readonly #peers = new Map<string, PeerClient>();
  #node: RegionNode | undefined;
  #server: RpcServer | undefined;
  #state: RegionSupervisorState = 'idle';
  #stopping: Promise<void> | undefined;

  constructor(options: RegionSupervisorOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'supervisor' });
  }

  get state(): RegionSupervisorState {
    return this.#state;
  }

  get node(): RegionNode | undefined {
    return this.#node;
  }

  /** `host:port` the gRPC server listens on, once started. */
  get grpcAddress(): string | undefined {
    return this.#server?.address;
  }

  async start(): Promise<void> {
    const { config, region, logger } = this.#options;
    this.#setState('starting');
    try {
      const inbound = inboundLinkSpecs(config, region);
      const regions = [region, ...inbound.map((l) => l.from)];
      const outbound = config.outboundLinks(region);
      this.#node = new RegionNode({
        mesh: config.mesh,
        region,
        provenanceKey: Buffer.from(config.provenanceKey!.reveal(), 'utf8'),
        clusters: Object.fromEntries(regions.map((r) => [r, clusterConnection(config, r)])),
        inbound,
        logger,
        http: this.#options.http,
        translation: {
          regions: config.regions.map((r) => r.name),
          peer: (r) => this.#peerApi(r),
          // A group is checkpointed when a link out of this region selects it.
          isCheckpointedGroup: (group) => outbound.some((link) => config.selectsGroup(link, group)),
          // Group offset sync: an inbound link with syncGroupOffsets commits its groups' translations here.
          isSyncedGroup: (from, group) => {
            const link = config.link(from, region);
            return !!link && link.options.syncGroupOffsets && config.selectsGroup(link, group);
          },
          ...(this.#options.checkpointIntervalMs !== undefined
            ? { checkpointIntervalMs: this.#options.checkpointIntervalMs }
            : {}),
        },
      });
      await this.#node.start();
      this.#server = new RpcServer({
        address: this.#options.grpcAddress ?? config.region(region).node.grpc,
        transport: this.#options.serverTransport ?? this.#serverTransportFromTopology(),
        operator: this.#operatorHandlers(),
        peer: this.#peerHandlers(),
        logger,
      });
      const address = await this.#server.start();
      this.#setState('running');
      this.#logger.info({ grpc: address, http: this.#node.httpAddress }, 'node serving');
    } catch (err) {
      this.#setState('failed');
      await this.#server?.stop().catch(() => undefined);
      await this.#node?.stop().catch(() => undefined);
      this.#closePeers();
      throw err;
    }
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#setState('stopping');
      await this.#server
        ?.stop()
        .catch((err: unknown) => this.#logger.warn({ err }, 'gRPC server stop failed'));
      await this.#node?.stop();
      this.#closePeers();
      this.#setState('stopped');
    })();
    return this.#stopping;
  }

  #translation(): TranslationService {
    const service = this.#node?.translation;
    if (!service)
      throw new GeomeshError('GEOMESH_RPC_UNAVAILABLE', `the node of ${this.#options.region} is not running`);
    return service;
  }

  #operatorHandlers(): OperatorHandlers {
    return {
      translateOffsets: async (req) => {
        const t = await this.#translation().translate(req.group, req.fromRegion, req.toRegion, req.topics);
        return { ...t, partitions: t.partitions.map((p) => ({ ...p })) };
      },
    };
  }

  #peerHandlers(): PeerHandlers {
    return {
      getFrontiers: (req) => this.#translation().localFrontiers(req.group, req.topics),
      seek: (req) => this.#translation().localSeek(req.partitions),
      pushCheckpoints: (req) => {
        const service = this.#translation();
        let accepted = 0;
        for (const c of req.checkpoints) {
          if (c.region !== req.fromRegion) {
            throw new GeomeshError(
              'GEOMESH_RPC_INVALID_ARGUMENT',
              `${req.fromRegion} pushed a checkpoint of region ${c.region}: a node pushes only its own region's`,
            );
          }
          if (service.receiveCheckpoint(c)) accepted++;
        }
        return Promise.resolve({ accepted });
      },
      ping: (req) =>
        Promise.resolve({ region: this.#options.region, instance: req.instance, version: GEOMESH_VERSION }),
    };
  }

  /** The peer API of a region's node over gRPC (one channel per peer, made on first use). */
  #peerApi(region: string): PeerApi | undefined {
    if (region === this.#options.region || !this.#options.config.hasRegion(region)) return undefined;
    let client = this.#peers.get(region);
    if (!client) {
      client = createPeerClient(this.#options.config.region(region).node.grpc, {
        transport: this.#options.peerTransport ?? this.#peerTransportFromTopology(),
        defaultTimeoutMs: this.#options.peerTimeoutMs ?? 3_000,
      });
      this.#peers.set(region, client);
    }
    const peer = client;
    return {
      getFrontiers: (group, topics) => peer.getFrontiers({ group, topics: [...topics] }),
      seek: (partitions) =>
        peer.seek({ partitions: partitions.map((p) => ({ ...p, frontier: [...p.frontier] })) }),
      pushCheckpoints: async (fromRegion, checkpoints) =>
        (
          await peer.pushCheckpoints({
            fromRegion,
            checkpoints: checkpoints.map((c) => ({ ...c, partitions: c.partitions.map((p) => ({ ...p })) })),
          })
        ).accepted,
    };
  }

  /** The region's `node.tls`: serve with its certificate and require client certificates its CA signed. */
  #serverTransportFromTopology(): ServerTransportOptions {
    const tls = this.#options.config.region(this.#options.region).node.tls;
    return tls ? { mode: 'mtls', cert: tls.cert, key: tls.key, clientCa: tls.ca } : { mode: 'insecure' };
  }

  /** Peers are called with this node's own certificate, trusting the mesh CA. */
  #peerTransportFromTopology(): ClientTransportOptions {
    const tls = this.#options.config.region(this.#options.region).node.tls;
    return tls ? { mode: 'mtls', ca: tls.ca, cert: tls.cert, key: tls.key } : { mode: 'insecure' };
  }

  #closePeers(): void {
    for (const client of this.#peers.values()) client.close();
    this.#peers.clear();
  }

  #setState(state: RegionSupervisorState): void {
    this.#state = state;
    this.#logger.info({ state }, 'supervisor state');
  }
}
