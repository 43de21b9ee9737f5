/**
 * Composes the node of one region from a topology: the RegionNode (links, origin index, translation
 * service), the gRPC server its peers and operators call (Operator + Peer services, health), and one peer
 * client per other region, at a live instance the region registered in etcd, else at the address its
 * `node.grpc` names (peer-channels.ts). Starts them in that order and stops them in reverse. The CLI's
 * `geomesh node` owns signals and calls `stop()`.
 *
 * Configuration: one compiled, frozen NodeConfig (node/config, `compileNodeConfig`): the supervisor hands
 * each part its slice of it. etcd: every part uses the process's one session (`coordination`), which its
 * owner opens before and closes after the supervisor.
 * States: idle → starting → running → stopping → stopped; starting → failed.
 */
import type { TopologyConfig } from '../../topology/index.ts';
import type { Logger } from '../log/index.ts';
import { RegionNode, clusterConnection } from '../region/index.ts';
import { RpcServer, type ClientTransportOptions, type ServerTransportOptions } from '../rpc/index.ts';
import type { TranslationService } from '../translation-service/index.ts';
import { GeomeshError } from '../../base/index.ts';
import { runStopSteps } from '../lifecycle/index.ts';
import { createRegionStateMetrics } from '../observability/index.ts';
import type { NodeStatus } from '../status/index.ts';
import type { CoordinationSession } from '../coordination-ports/index.ts';
import { ProvenanceKeySet } from '../replication/index.ts';
import { KeyAgreement, hearKeysFromEtcd } from './key-agreement.ts';
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
import { peerRecordStreams, peerStreamHandlers } from './stream-handlers.ts';
import { WorkSharingRunner } from './work-sharing-runner.ts';
import { peerTransportOf, serverTransportOf } from './node-transports.ts';
import { readRegionStates, regionStateSamples } from './region-states.ts';
import type { NodeConfig } from '../config/index.ts';

export interface RegionSupervisorOptions {
  /** The topology (routing, selections, keys, TLS files, operators). */
  config: TopologyConfig;
  /** The region's node configuration, compiled from `config` (compileNodeConfig): its links and settings. */
  node: NodeConfig;
  logger: Logger;
  /** /metrics, /healthz, /readyz. */
  http: { host: string; port: number };
  /** The process's etcd session, started by its owner, who also stops it after the supervisor. */
  coordination: CoordinationSession;
  /** gRPC listen address; default the region's `node.grpc`. */
  grpcAddress?: string;
  /** Default: mutual TLS with the region's `node.tls` files, else plaintext (loopback development). */
  serverTransport?: ServerTransportOptions;
  /** How this node calls its peers; default: mutual TLS with the region's `node.tls` files, else plaintext. */
  peerTransport?: ClientTransportOptions;
  /** This instance's id, registered in etcd and reported by GetStatus; default `<hostname>-<pid>`. */
  instanceId?: string;
  /** Register the instance in the topology's etcd while running (docs/coordination.md); default true. */
  isRegistered?: boolean;
  /**
   * Call each peer region at a live instance it registered in etcd, falling back to its `node.grpc`
   * (docs/coordination.md, "Peer discovery"); default: as `isRegistered`. False: always `node.grpc`.
   */
  discoversPeers?: boolean;
}

export type RegionSupervisorState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

export class RegionSupervisor {
  readonly #options: RegionSupervisorOptions;
  readonly #region: string;
  readonly #instanceId: string;
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

  /**
   * Checks the gRPC server's options (certificate files, the operators' token) at once: a missing
   * certificate fails here, before the caller connects to anything.
   */
  constructor(options: RegionSupervisorOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'supervisor' });
    const { config, node, logger } = options;
    const region = node.region;
    if (node.mesh !== config.mesh || !config.hasRegion(region))
      throw new GeomeshError(
        'GEOMESH_CONFIG_INVALID',
        `the node configuration (mesh ${node.mesh}, region ${region}) was not compiled from this topology ` +
          `(mesh ${config.mesh}): pass compileNodeConfig(config, region)`,
        { details: { region } },
      );
    this.#region = region;
    this.#instanceId = options.instanceId ?? defaultInstanceId();
    this.#session = options.coordination;
    this.#server = new RpcServer({
      address: options.grpcAddress ?? config.region(region).node.grpc,
      transport: options.serverTransport ?? serverTransportOf(config, region),
      operator: operatorHandlers(this.#handlerContext()),
      peer: peerHandlers(this.#handlerContext()),
      peerStream: peerStreamHandlers({
        config,
        region,
        logger,
        node: () => this.#node,
      }),
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
          heartbeatTrustMs: node.keyAgreement.heartbeatTrustMs,
        })
      : undefined;
    this.#directory = discoversPeers
      ? new PeerDirectory({
          session: this.#session,
          logger,
          ...node.peerDirectory,
          retryMs: node.etcdRetryMs,
        })
      : undefined;
    this.#peers = new PeerChannels({
      config,
      region,
      instance: this.#instanceId,
      logger,
      transport: options.peerTransport ?? peerTransportOf(config, region),
      peerTimeoutMs: node.peerTimeoutMs,
      heartbeatMs: node.peerHeartbeatMs,
      heartbeatTimeoutMs: node.peerHeartbeatTimeoutMs,
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
    const { config, node, logger } = this.#options;
    const region = this.#region;
    this.#setState('starting');
    try {
      this.#peers.startDiscovery();
      const regions = [region, ...node.links.map((l) => l.from)];
      const outbound = config.outboundLinks(region);
      const reporter = this.#startReporter();
      this.#workSharing = node.workSharing
        ? new WorkSharingRunner({
            session: this.#session,
            region,
            instanceId: this.#instanceId,
            leaseTtlMs: node.workSharing.leaseTtlMs,
            reconcileMs: node.workReconcileMs,
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
        clusters: Object.fromEntries(
          regions.map((r) => [r, clusterConnection(config, r, region, node.kafka)]),
        ),
        inbound: node.links,
        peerStreams: (from) => peerRecordStreams(this.#peers, from),
        topicRefreshMs: node.topicRefreshMs,
        indexFlushIntervalMs: node.indexFlushIntervalMs,
        stopGraceMs: node.stopGraceMs,
        workers: node.workers,
        workerPlacement: node.workerPlacement,
        fenceAtBroker: node.fenceAtBroker,
        workerReportMs: node.workerReportMs,
        logger,
        http: { ...this.#options.http, routes: reporter.routes() },
        translation: {
          regions: config.regions.map((r) => r.name),
          peer: (r) => peerApi(this.#peers, r),
          // A group is checkpointed when a link out of this region selects it.
          isCheckpointedGroup: (group) => outbound.some((link) => config.selectsGroup(link, group)),
          // Group offset sync: an inbound link with syncGroupOffsets commits its groups' translations here.
          isSyncedGroup: (from, group) =>
            !!node.links.find((l) => l.from === from)?.syncGroupOffsets &&
            config.selectsGroup({ from, to: region }, group),
          checkpointIntervalMs: node.checkpointIntervalMs,
        },
      });
      // Agreement before data: peers' key ids registered in etcd are compared before any link reads; a peer
      // known to disagree holds its link back from the first batch (heartbeats take over once they answer).
      await this.#keysFromEtcd(node.keyAgreement.etcdWaitMs);
      for (const peer of this.#agreement?.status() ?? [])
        if (peer.mismatch) this.#node.setKeyMismatch(peer.region, peer.mismatch);
      this.#etcdKeysTimer = setInterval(() => void this.#keysFromEtcd(0), node.peerHeartbeatMs);
      this.#etcdKeysTimer.unref();
      // Heartbeats before the links: a streaming link starts on the stream once its source's node answers.
      this.#peers.startHeartbeats(this.#node.registry);
      await this.#node.start();
      this.#workSharing?.start(this.#node);
      const address = await this.#server.start();
      this.#startRegistration(address);
      const names = config.regions.map((r) => r.name);
      createRegionStateMetrics(this.#node.registry, async () =>
        regionStateSamples(names, await this.#recordedRegionStates()),
      );
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
        ],
        { logger: this.#logger, what: `node of ${this.#region}` },
      );
      this.#setState('stopped');
    })();
    return this.#stopping;
  }

  /** What the gRPC handlers read of this node (rpc-handlers.ts). */
  #handlerContext(): HandlerContext {
    return {
      config: this.#options.config,
      region: this.#region,
      instanceId: this.#instanceId,
      logger: this.#logger,
      translation: () => this.#translation(),
      status: () => this.status(),
      nodeState: () => this.#state,
      keys: () => this.#keys,
      agreement: () => this.#agreement,
      coordination: this.#session,
      failoverEtcdTimeoutMs: this.#options.node.failover.etcdTimeoutMs,
    };
  }

  #translation(): TranslationService {
    const service = this.#node?.translation;
    if (!service)
      throw new GeomeshError('GEOMESH_RPC_UNAVAILABLE', `the node of ${this.#region} is not running`);
    return service;
  }

  /** The status reporter: reports and rates now, the status routes once the node's HTTP endpoint opens. */
  #startReporter(): StatusReporter {
    const { config, node } = this.#options;
    this.#reporter = new StatusReporter({
      config,
      region: this.#region,
      instance: this.#instanceId,
      version: GEOMESH_VERSION,
      startedAtMs: Date.now(),
      parts: () => ({
        state: this.#state,
        node: this.#node,
        grpcAddress: this.#server.address ? this.#advertised(this.#server.address) : '',
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
      peerTransport: this.#options.peerTransport ?? peerTransportOf(config, this.#region),
      rateIntervalMs: node.rateIntervalMs,
      timing: node.status,
    });
    this.#reporter.start();
    return this.#reporter;
  }

  /** The region states recorded in etcd (for the status page and `geomesh_region_state`). */
  async #recordedRegionStates() {
    if (!this.#registration) throw new Error('registration disabled');
    return readRegionStates(this.#registration.documents(), this.#options.node.status.regionStatesTimeoutMs);
  }

  /** Where others call this instance: the region's `node.advertise`, else the bound address made dialable. */
  #advertised(bound: string): string {
    return this.#options.config.region(this.#region).node.advertise ?? advertisedAddress(bound);
  }

  /** Registers this instance in etcd in the background (replication never waits for it). */
  #startRegistration(grpcAddress: string): void {
    if (this.#options.isRegistered === false || !this.#reporter) return;
    const { logger, node } = this.#options;
    const region = this.#region;
    const status = this.#reporter.status();
    const http = this.#node?.httpAddress;
    this.#registration = new NodeRegistration({
      member: {
        region,
        id: status.instance,
        address: this.#advertised(grpcAddress),
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
      retryMs: node.etcdRetryMs,
    });
    this.#registration.start();
  }

  /** The peers' key ids registered in etcd (key-agreement.ts), when keys and peer discovery are on. */
  async #keysFromEtcd(waitMs: number): Promise<void> {
    if (this.#directory && this.#agreement) await hearKeysFromEtcd(this.#directory, this.#agreement, waitMs);
  }

  #setState(state: RegionSupervisorState): void {
    this.#state = state;
    this.#logger.info({ state }, 'supervisor state');
  }
}
