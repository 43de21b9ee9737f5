/**
 * A node's status, served: its own report (GetStatus, `/status.json`) built from the running parts, link
 * rates sampled every `rateIntervalMs`, and the mesh-wide view (`/mesh.json`, the status page `/status`)
 * assembled from this node's report, its peers' GetStatus and the members in etcd, cached for `meshCacheMs`
 * so a page refreshing every few seconds (or several of them) costs each peer at most one call per period.
 * When a region shares work, the mesh view also asks each of its other registered instances for its share.
 *
 * Lifecycle: `start()` starts the sampling timer; `stop()` stops it and closes the clients of the peers
 * (idempotent). Reports are available before start (the HTTP endpoint opens while the node starts).
 */
import type { TopologyConfig } from '../../topology/index.ts';
import type { MemberRecord } from '../coordination-ports/index.ts';
import type { HttpRoute } from '../observability/index.ts';
import type { RegionNode } from '../region/index.ts';
import { createOperatorClient, type ClientTransportOptions, type OperatorClient } from '../rpc/index.ts';
import {
  RateTracker,
  buildNodeStatus,
  collectMeshStatus,
  instanceFromMember,
  meshGraph,
  meshLayoutOf,
  renderStatusPage,
  sampleLinkRates,
  type MeshStatus,
  type NodeSnapshot,
  type NodeStatus,
  type PeerStatus,
  type ProvenanceStatus,
  type RecordedRegionState,
} from '../status/index.ts';
import type { WorkSharingStatus } from './work-sharing-runner.ts';
import type { NodeSettings } from '../config/index.ts';

/** What the reporter reads from the supervisor at each report. */
export interface ReportedParts {
  state: string;
  node: RegionNode | undefined;
  grpcAddress: string;
  registration: string;
  /** The heartbeats' view of the peers. */
  peers: PeerStatus[];
  /** The work sharing runner's status when the region shares work (its partitions come from `node`). */
  workSharing?: WorkSharingStatus | undefined;
  /** The node's provenance key ids and its peers' (key agreement). */
  provenance?: ProvenanceStatus | undefined;
}

export interface StatusReporterOptions {
  config: TopologyConfig;
  region: string;
  instance: string;
  version: string;
  startedAtMs: number;
  parts(): ReportedParts;
  /** The members registered in etcd; rejects when etcd cannot be read. */
  members(): Promise<readonly MemberRecord[]>;
  /** The region states recorded in etcd; rejects when etcd cannot be read. */
  regionStates?(): Promise<readonly RecordedRegionState[]>;
  /** How this node calls its peers. */
  peerTransport: ClientTransportOptions;
  /** Rate sampling interval (NODE_DEFAULTS.rateIntervalMs). */
  rateIntervalMs: number;
  /** Deadlines and reuse of what the reporter asks others (NODE_DEFAULTS.status). */
  timing: NodeSettings['status'];
  now?: () => number;
}

/** `/mesh.json`: the mesh view and its picture's layout (the status page draws it). */
export type MeshView = MeshStatus & { graph: ReturnType<typeof meshGraph> };

const json = (value: unknown) => ({ contentType: 'application/json', body: JSON.stringify(value) });

export class StatusReporter {
  readonly #options: StatusReporterOptions;
  readonly #rates = new RateTracker();
  readonly #peers = new Map<string, OperatorClient>();
  /** Clients of the other instances of work-sharing regions, by address, with when each was last used. */
  readonly #instances = new Map<string, { client: OperatorClient; usedAtMs: number }>();
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #mesh: { atMs: number; view: Promise<MeshView> } | undefined;
  #isStopped = false;

  constructor(options: StatusReporterOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  start(): void {
    if (this.#timer || this.#isStopped) return;
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), this.#options.rateIntervalMs);
    this.#timer.unref();
  }

  stop(): void {
    this.#isStopped = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    for (const client of this.#peers.values()) client.close();
    this.#peers.clear();
    for (const { client } of this.#instances.values()) client.close();
    this.#instances.clear();
  }

  /** This node's report now. */
  status(): NodeStatus {
    return buildNodeStatus(this.#snapshot(), this.#rates, this.#now());
  }

  /** The mesh view, at most `meshCacheMs` old; concurrent callers share one collection. */
  meshView(): Promise<MeshView> {
    const now = this.#now();
    if (!this.#mesh || now - this.#mesh.atMs >= this.#options.timing.meshCacheMs) {
      this.#mesh = { atMs: now, view: this.#collect() };
    }
    return this.#mesh.view;
  }

  /** `/status`, `/status.json` and `/mesh.json`. */
  routes(): Record<string, HttpRoute> {
    return {
      '/status.json': () => json(this.status()),
      '/mesh.json': async () => json(await this.meshView()),
      '/status': async () => ({
        contentType: 'text/html; charset=utf-8',
        body: renderStatusPage({
          self: this.status(),
          mesh: await this.meshView(),
          refreshMs: this.#options.timing.pageRefreshMs,
        }),
      }),
    };
  }

  async #collect(): Promise<MeshView> {
    const { config, region, instance } = this.#options;
    const mesh = await collectMeshStatus({
      layout: meshLayoutOf(config),
      nodeStatus: async (r, grpcAddress) =>
        r === region ? this.status() : (await this.#peer(r, grpcAddress).getStatus({})).node,
      instances: async () => (await this.#options.members()).map(instanceFromMember),
      ...(this.#options.regionStates && { regionStates: () => this.#options.regionStates!() }),
      instanceStatus: async (r, id, grpcAddress) => {
        if (r === region && id === instance) return this.status();
        return (await this.#instance(grpcAddress).getStatus({})).node;
      },
      now: this.#now,
    });
    // Instances come and go (ids carry the pid): close the clients of those no longer asked.
    const now = this.#now();
    for (const [address, { client, usedAtMs }] of this.#instances) {
      if (now - usedAtMs > this.#options.timing.instanceClientIdleMs) {
        client.close();
        this.#instances.delete(address);
      }
    }
    return { ...mesh, graph: meshGraph(mesh) };
  }

  #peer(region: string, grpcAddress: string): OperatorClient {
    if (this.#isStopped) throw new Error('this node is stopping');
    let client = this.#peers.get(region);
    if (!client) {
      client = this.#newClient(grpcAddress);
      this.#peers.set(region, client);
    }
    return client;
  }

  #instance(grpcAddress: string): OperatorClient {
    if (this.#isStopped) throw new Error('this node is stopping');
    let entry = this.#instances.get(grpcAddress);
    if (!entry) {
      entry = { client: this.#newClient(grpcAddress), usedAtMs: 0 };
      this.#instances.set(grpcAddress, entry);
    }
    entry.usedAtMs = this.#now();
    return entry.client;
  }

  #newClient(grpcAddress: string): OperatorClient {
    return createOperatorClient(grpcAddress, {
      transport: this.#options.peerTransport,
      defaultTimeoutMs: this.#options.timing.peerTimeoutMs,
    });
  }

  #snapshot(): NodeSnapshot {
    const parts = this.#options.parts();
    const node = parts.node;
    return {
      mesh: this.#options.config.mesh,
      region: this.#options.region,
      instance: this.#options.instance,
      state: parts.state,
      version: this.#options.version,
      startedAtMs: this.#options.startedAtMs,
      grpcAddress: parts.grpcAddress,
      httpAddress: node?.httpAddress ?? '',
      registration: parts.registration,
      links: node?.links ?? [],
      ...(node && { linkTraffic: (from: string) => node.linkTraffic(from) }),
      lastCheckpointMs: node?.translation?.stats.lastCheckpointMs ?? 0,
      indexRuns: node?.index.runCount ?? 0,
      peers: parts.peers,
      workSharing: parts.workSharing
        ? { ...parts.workSharing, ownedPartitions: node?.ownedPartitions ?? [] }
        : null,
      ...(parts.provenance && { provenance: parts.provenance }),
    };
  }

  #sample(): void {
    sampleLinkRates(this.#options.parts().node?.links ?? [], this.#rates, this.#now());
  }
}
