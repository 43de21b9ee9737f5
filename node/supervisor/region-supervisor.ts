/**
 * Composes the node of one region from a topology: the RegionNode (links, origin index, translation
 * service), the gRPC server its peers and operators call (Operator + Peer services, health), and one peer
 * client per other region, at a live instance the region registered in etcd, else at the address its
 * `node.grpc` names (peer-channels.ts). Starts them in that order and stops them in reverse. The CLI's
 * `geomesh node` owns signals and calls `stop()`.
 *
 * etcd: every part uses one session, the process's (`coordination`), else one of its own, closed last.
 * States: idle → starting → running → stopping → stopped; starting → failed.
 */
import type { TopologyConfig } from '../../topology/index.ts';
import type { Logger } from '../log/index.ts';
import { RegionNode, clusterConnection, inboundLinkSpecs } from '../region/index.ts';
import { RpcServer, type ClientTransportOptions, type ServerTransportOptions } from '../rpc/index.ts';
import type { TranslationService } from '../translation-service/index.ts';
import { GeomeshError } from '../../base/index.ts';
import { runStopSteps } from '../lifecycle/index.ts';
import { createRegionStateMetrics } from '../observability/index.ts';
import type { NodeStatus } from '../status/index.ts';
import { RegionStateStore } from '../region-state/index.ts';
import type { CoordinationSession } from '../coordination-ports/index.ts';
import { openEtcdSession } from './etcd-connection.ts';
import type { OwnedSession } from './etcd-sessions.ts';
import { ProvenanceKeySet } from '../replication/index.ts';
import { KeyAgreement } from './key-agreement.ts';
import { NodeRegistration, advertisedAddress, defaultInstanceId } from './node-registration.ts';
import { PeerChannels } from './peer-channels.ts';
import { PeerDirectory } from './peer-directory.ts';
import {
  GEOMESH_VERSION,
  authorization,
  operatorHandlers,
  peerApi,
  peerHandlers,
  type HandlerContext,
} from './rpc-handlers.ts';
import { StatusReporter } from './status-reporter.ts';
import { WorkSharingRunner } from './work-sharing-runner.ts';
import { NODE_DEFAULTS } from '../config/index.ts';

export interface RegionSupervisorOptions {
  config: TopologyConfig;
  region: string;
  logger: Logger;
  /** /metrics, /healthz, /readyz. */
  http: { host: string; port: number };
  /** The process's etcd session; default: one of the supervisor's own (connected on first use, closed last). */
  coordination?: CoordinationSession;
  /** gRPC listen address; default the region's `node.grpc`. */
  grpcAddress?: string;
  /** Default: mutual TLS with the region's `node.tls` files, else plaintext (loopback development). */
  serverTransport?: ServerTransportOptions;
  /** How this node calls its peers; default: mutual TLS with the region's `node.tls` files, else plaintext. */
  peerTransport?: ClientTransportOptions;
  /** Deadline of a call to a peer; default 3,000 ms (a translation falls back to a checkpoint after it). */
  peerTimeoutMs?: number;
  /** How often every peer is pinged (`geomesh_peer_up`); default 5,000 ms. */
  peerHeartbeatMs?: number;
  /** Default 5,000 ms. */
  checkpointIntervalMs?: number;
  /** This instance's id, registered in etcd and reported by GetStatus; default `<hostname>-<pid>`. */
  instanceId?: string;
  /** Register the instance in the topology's etcd while running (docs/coordination.md); default true. */
  isRegistered?: boolean;
  /** How often link rates are sampled for the status; default 5,000 ms. */
  rateIntervalMs?: number;
  /**
   * Call each peer region at a live instance it registered in etcd, falling back to its `node.grpc`
   * (docs/coordination.md, "Peer discovery"); default: as `isRegistered`. False: always `node.grpc`.
   */
  discoversPeers?: boolean;
}

export type RegionSupervisorState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

export class RegionSupervisor {
  readonly #options: RegionSupervisorOptions;
  readonly #logger: Logger;
  readonly #peers: PeerChannels;
  #node: RegionNode | undefined;
  readonly #server: RpcServer;
  #state: RegionSupervisorState = 'idle';
  #stopping: Promise<void> | undefined;
  #registration: NodeRegistration | undefined;
  #reporter: StatusReporter | undefined;
  /** Work sharing among the region's instances, when the topology asks for it. */
  #workSharing: WorkSharingRunner | undefined;
  /** This node's provenance keys (null when the topology declares none) and their agreement with the peers'. */
  readonly #keys: ProvenanceKeySet | null;
  readonly #agreement: KeyAgreement | undefined;
  readonly #directory: PeerDirectory | undefined;
  #etcdKeysTimer: NodeJS.Timeout | undefined;
  readonly #session: CoordinationSession;
  readonly #ownSession: OwnedSession | undefined;

  /**
   * Checks the gRPC server's options (certificate files, the operators' token) at once: a missing
   * certificate fails here, before the caller connects to anything.
   */
  constructor(options: RegionSupervisorOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'supervisor' });
    const { config, region, logger } = options;
    this.#ownSession = options.coordination ? undefined : openEtcdSession(config, logger);
    this.#session = options.coordination ?? this.#ownSession!;
    this.#server = new RpcServer({
      address: options.grpcAddress ?? config.region(region).node.grpc,
      transport: options.serverTransport ?? this.#serverTransportFromTopology(),
      operator: operatorHandlers(this.#handlerContext()),
      peer: peerHandlers(this.#handlerContext()),
      ...authorization({ config, region }),
      logger,
    });
    const discoversPeers = options.discoversPeers ?? options.isRegistered !== false;
    this.#keys = config.provenanceKey
      ? new ProvenanceKeySet(
          config.provenanceKey.reveal(),
          config.provenanceAccept.map((k) => k.reveal()),
        )
      : null;
    this.#agreement = this.#keys
      ? new KeyAgreement({
          region,
          self: this.#keys.fingerprints(),
          peers: config.regions.map((r) => r.name).filter((r) => r !== region),
          onChange: (peer, reason) => this.#node?.setKeyMismatch(peer, reason),
          logger: this.#logger,
        })
      : undefined;
    this.#directory = discoversPeers ? new PeerDirectory({ session: this.#session, logger }) : undefined;
    this.#peers = new PeerChannels({
      config,
      region,
      instance: options.instanceId ?? defaultInstanceId(),
      logger,
      transport: options.peerTransport ?? this.#peerTransportFromTopology(),
      peerTimeoutMs: options.peerTimeoutMs ?? NODE_DEFAULTS.peerTimeoutMs,
      heartbeatMs: options.peerHeartbeatMs ?? NODE_DEFAULTS.peerHeartbeatMs,
      ...(this.#directory && { directory: this.#directory }),
      ...(this.#keys && {
        keys: this.#keys.fingerprints(),
        onPeerKeys: (peer: string, keys: { currentKeyId: string; acceptedKeyIds: readonly string[] }) =>
          this.#agreement?.heard(peer, [keys], 'heartbeat'),
      }),
    });
  }

  get state(): RegionSupervisorState {
    return this.#state;
  }

  get node(): RegionNode | undefined {
    return this.#node;
  }

  /** `host:port` the gRPC server listens on, once started. */
  get grpcAddress(): string | undefined {
    return this.#server.address;
  }

  /** This node's status report (GetStatus, `/status.json`); undefined before start. */
  status(): NodeStatus | undefined {
    return this.#reporter?.status();
  }

  async start(): Promise<void> {
    const { config, region, logger } = this.#options;
    this.#setState('starting');
    try {
      this.#peers.startDiscovery();
      const inbound = inboundLinkSpecs(config, region);
      const regions = [region, ...inbound.map((l) => l.from)];
      const outbound = config.outboundLinks(region);
      const reporter = this.#startReporter();
      const sharing = config.region(region).node.workSharing;
      this.#workSharing = sharing
        ? new WorkSharingRunner({
            session: this.#session,
            region,
            instanceId: this.#options.instanceId ?? defaultInstanceId(),
            leaseTtlMs: sharing.leaseTtlMs,
            logger,
          })
        : undefined;
      this.#node = new RegionNode({
        ...(this.#workSharing && { workSharing: this.#workSharing.regionOption() }),
        mesh: config.mesh,
        region,
        provenanceKey: Buffer.from(config.provenanceKey!.reveal(), 'utf8'),
        acceptedProvenanceKeys: config.provenanceAccept.map((k) => Buffer.from(k.reveal(), 'utf8')),
        meshRegions: config.regions.map((r) => r.name),
        onUnknownProvenanceKey: config.onUnknownProvenanceKey,
        clusters: Object.fromEntries(regions.map((r) => [r, clusterConnection(config, r)])),
        inbound,
        logger,
        http: { ...this.#options.http, routes: reporter.routes() },
        translation: {
          regions: config.regions.map((r) => r.name),
          peer: (r) => peerApi(this.#peers, r),
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
      // Agreement before data: peers' key ids registered in etcd are compared before any link reads; a peer
      // known to disagree holds its link back from the first batch (heartbeats take over once they answer).
      await this.#keysFromEtcd(3_000);
      for (const peer of this.#agreement?.status() ?? [])
        if (peer.mismatch) this.#node.setKeyMismatch(peer.region, peer.mismatch);
      this.#etcdKeysTimer = setInterval(
        () => void this.#keysFromEtcd(0),
        this.#options.peerHeartbeatMs ?? NODE_DEFAULTS.peerHeartbeatMs,
      );
      this.#etcdKeysTimer.unref();
      await this.#node.start();
      this.#workSharing?.start(this.#node);
      const address = await this.#server.start();
      this.#startRegistration(address);
      this.#peers.startHeartbeats(this.#node.registry);
      createRegionStateMetrics(this.#node.registry, async () => {
        const recorded = new Map((await this.#recordedRegionStates()).map((s) => [s.region, s]));
        return this.#options.config.regions.map(({ name }) => {
          const listed = recorded.get(name);
          return { region: name, state: listed?.record?.state ?? (listed?.error ? 'unreadable' : 'active') };
        });
      });
      this.#setState('running');
      this.#logger.info({ grpc: address, http: this.#node.httpAddress }, 'node serving');
    } catch (err) {
      this.#setState('failed');
      clearInterval(this.#etcdKeysTimer);
      this.#peers.stopHeartbeats();
      await this.#registration?.stop();
      this.#reporter?.stop();
      await this.#server.stop().catch(() => undefined);
      await this.#workSharing?.stop().catch(() => undefined);
      await this.#node?.stop().catch(() => undefined);
      await this.#peers.stop();
      await this.#ownSession?.stop();
      throw err;
    }
  }

  /**
   * Stops in reverse start order, each step named (a stop that does not finish within the caller's deadline
   * names the step still running; see node/lifecycle).
   */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#setState('stopping');
      clearInterval(this.#etcdKeysTimer);
      this.#peers.stopHeartbeats();
      await runStopSteps(
        [
          // Leave etcd first: callers stop looking for this instance while it drains.
          { name: 'registration', run: () => this.#registration?.stop() },
          { name: 'status reporter', run: () => this.#reporter?.stop() },
          { name: 'gRPC server', run: () => this.#server.stop() },
          // Hand the partitions over (flushed, owner keys deleted) before the node drains.
          { name: 'work sharing', run: () => this.#workSharing?.stop() },
          { name: 'region node', run: () => this.#node?.stop() },
          { name: 'peer channels', run: () => this.#peers.stop() },
          { name: 'etcd session', run: () => this.#ownSession?.stop() },
        ],
        { logger: this.#logger, what: `node of ${this.#options.region}` },
      );
      this.#setState('stopped');
    })();
    return this.#stopping;
  }

  /** What the gRPC handlers read of this node (rpc-handlers.ts). */
  #handlerContext(): HandlerContext {
    const { config, region } = this.#options;
    return {
      config,
      region,
      instanceId: this.#options.instanceId ?? defaultInstanceId(),
      logger: this.#logger,
      translation: () => this.#translation(),
      status: () => this.status(),
      nodeState: () => this.#state,
      keys: () => this.#keys,
      agreement: () => this.#agreement,
      coordination: this.#session,
    };
  }

  #translation(): TranslationService {
    const service = this.#node?.translation;
    if (!service)
      throw new GeomeshError('GEOMESH_RPC_UNAVAILABLE', `the node of ${this.#options.region} is not running`);
    return service;
  }

  /** The status reporter: reports and rates now, the status routes once the node's HTTP endpoint opens. */
  #startReporter(): StatusReporter {
    const { config, region } = this.#options;
    this.#reporter = new StatusReporter({
      config,
      region,
      instance: this.#options.instanceId ?? defaultInstanceId(),
      version: GEOMESH_VERSION,
      startedAtMs: Date.now(),
      parts: () => ({
        state: this.#state,
        node: this.#node,
        grpcAddress: this.#server.address ? advertisedAddress(this.#server.address) : '',
        registration:
          this.#registration?.state ?? (this.#options.isRegistered === false ? 'disabled' : 'idle'),
        peers: this.#peers.statuses(),
        workSharing: this.#workSharing?.status(),
        provenance: this.#keys
          ? {
              currentKeyId: this.#keys.currentKeyId,
              acceptedKeyIds: [...this.#keys.acceptedKeyIds],
              peers: this.#agreement?.status() ?? [],
            }
          : undefined,
      }),
      members: () =>
        this.#registration
          ? this.#registration.listMembers()
          : Promise.reject(new Error('registration disabled')),
      regionStates: () => this.#recordedRegionStates(),
      peerTransport: this.#options.peerTransport ?? this.#peerTransportFromTopology(),
      ...(this.#options.rateIntervalMs !== undefined && { rateIntervalMs: this.#options.rateIntervalMs }),
    });
    this.#reporter.start();
    return this.#reporter;
  }

  /** The region states recorded in etcd (for the status page and `geomesh_region_state`). */
  async #recordedRegionStates() {
    if (!this.#registration) throw new Error('registration disabled');
    return new RegionStateStore({ store: this.#registration.documents() }).list({
      signal: AbortSignal.timeout(2_000),
    });
  }

  /** Registers this instance in etcd in the background (replication never waits for it). */
  #startRegistration(grpcAddress: string): void {
    if (this.#options.isRegistered === false || !this.#reporter) return;
    const { region, logger } = this.#options;
    const status = this.#reporter.status();
    const http = this.#node?.httpAddress;
    this.#registration = new NodeRegistration({
      member: {
        region,
        id: status.instance,
        address: advertisedAddress(grpcAddress),
        ...(http && { httpAddress: advertisedAddress(http) }),
        version: GEOMESH_VERSION,
        startedAt: new Date(status.startedAtMs).toISOString(),
        ...(this.#keys && {
          provenanceKeyId: this.#keys.currentKeyId,
          acceptedKeyIds: [...this.#keys.acceptedKeyIds],
        }),
      },
      session: this.#session,
      logger,
    });
    this.#registration.start();
  }

  /**
   * Hears the peers' key ids from their registrations in etcd (once the directory follows etcd, waiting at
   * most `waitMs` for it): every instance of a region counts. Ignored for peers whose heartbeats are fresh.
   */
  async #keysFromEtcd(waitMs: number): Promise<void> {
    const directory = this.#directory;
    const agreement = this.#agreement;
    if (!directory || !agreement) return;
    const deadline = Date.now() + waitMs;
    while (directory.state !== 'following' && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    const byRegion = new Map<string, { currentKeyId: string; acceptedKeyIds: readonly string[] }[]>();
    for (const m of directory.members()) {
      if (!m.provenanceKeyId) continue;
      const list = byRegion.get(m.region) ?? [];
      list.push({ currentKeyId: m.provenanceKeyId, acceptedKeyIds: m.acceptedKeyIds ?? [] });
      byRegion.set(m.region, list);
    }
    for (const [region, instances] of byRegion) agreement.heard(region, instances, 'etcd');
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

  #setState(state: RegionSupervisorState): void {
    this.#state = state;
    this.#logger.info({ state }, 'supervisor state');
  }
}
