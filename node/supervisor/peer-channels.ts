/**
 * A node's channels to the other regions' nodes: one Peer client per region, at the address the peer
 * directory gives (a live instance registered in etcd, else the topology's `node.advertise` or `node.grpc`), made again at the
 * new address when that changes; and the heartbeats: every `heartbeatMs` each peer region's node is pinged,
 * and its last answer (instance, state, inbound links with lag and rate) is kept for the status
 * (`NodeStatus.peers`) and the metrics (`geomesh_peer_*`).
 *
 * Lifecycle: `startDiscovery()` (follow etcd, optional) → `startHeartbeats(registry)` → `stopHeartbeats()` →
 * `stop()` (closes the clients and the directory; idempotent). Clients are available from construction: a
 * region without a directory, or before its first listing, is called at its topology address.
 */
import type { Registry } from 'prom-client';
import type { TopologyConfig } from '../../topology/index.ts';
import type { Logger } from '../log/index.ts';
import { createPeerMetrics, type PeerMetrics } from '../observability/index.ts';
import {
  createPeerClient,
  type ClientTransportOptions,
  type PeerClient,
  type PingResponse,
} from '../rpc/index.ts';
import type { KeyFingerprints } from '../replication/index.ts';
import type { PeerStatus } from '../status/index.ts';
import type { PeerAddress, PeerDirectory } from './peer-directory.ts';
import { NODE_DEFAULTS } from '../config/index.ts';

export interface PeerChannelsOptions {
  config: TopologyConfig;
  /** This node's region and instance id (sent with every ping). */
  region: string;
  instance: string;
  logger: Logger;
  transport: ClientTransportOptions;
  /** Default deadline of a call to a peer. */
  peerTimeoutMs: number;
  /** How often every peer is pinged. */
  heartbeatMs: number;
  /** Deadline of a heartbeat; default NODE_DEFAULTS.peerHeartbeatTimeoutMs. */
  heartbeatTimeoutMs?: number;
  /** This node's provenance key ids, sent with every ping (never the keys). */
  keys?: KeyFingerprints;
  /** Told the key ids a peer's heartbeat answer carried (not called for an older peer that sends none). */
  onPeerKeys?: (region: string, keys: KeyFingerprints) => void;
  /** Where peers are found in etcd; without it every peer is called at its topology address. */
  directory?: Pick<PeerDirectory, 'start' | 'stop' | 'address'>;
  now?: () => number;
}

interface Channel {
  readonly client: PeerClient;
  address: PeerAddress;
}

/** What the heartbeats know of one peer region. */
interface Heartbeat {
  /** When the last ping whose outcome is recorded was sent. */
  sentAtMs: number;
  isUp: boolean;
  error: string;
  roundTripMs: number;
  answeredAtMs: number;
  answer: PingResponse | undefined;
}

export class PeerChannels {
  readonly #options: PeerChannelsOptions;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #channels = new Map<string, Channel>();
  /** Clients replaced by a new address, closed once the calls they carry have had their deadline. */
  readonly #retired = new Set<PeerClient>();
  readonly #heartbeats = new Map<string, Heartbeat>();
  #timer: NodeJS.Timeout | undefined;
  #metrics: PeerMetrics | undefined;
  #stopping: Promise<void> | undefined;

  constructor(options: PeerChannelsOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'peers' });
    this.#now = options.now ?? Date.now;
  }

  /** The other regions of the topology. */
  get regions(): string[] {
    return this.#options.config.regions.map((r) => r.name).filter((r) => r !== this.#options.region);
  }

  /** Starts following the peers registered in etcd, when there is a directory. */
  startDiscovery(): void {
    this.#options.directory?.start();
  }

  /** Where `region`'s node is called now (its client is made again when this changes). */
  address(region: string): PeerAddress {
    const fallback = this.#options.config.nodeAddress(region);
    return (
      this.#options.directory?.address(region, fallback) ?? {
        address: fallback,
        source: 'topology',
        instance: null,
      }
    );
  }

  /** The client of `region`'s node at its current address; undefined for this region or an unknown one. */
  client(region: string): PeerClient | undefined {
    if (this.#stopping || region === this.#options.region || !this.#options.config.hasRegion(region))
      return undefined;
    const address = this.address(region);
    const channel = this.#channels.get(region);
    if (channel?.address.address === address.address) {
      channel.address = address;
      return channel.client;
    }
    if (channel) {
      this.#logger.info(
        { peer: region, from: channel.address.address, to: address.address, source: address.source },
        'peer address changed',
      );
      this.#retire(channel.client);
    }
    const client = createPeerClient(address.address, {
      transport: this.#options.transport,
      defaultTimeoutMs: this.#options.peerTimeoutMs,
    });
    this.#channels.set(region, { client, address });
    return client;
  }

  /** Pings every peer now and every `heartbeatMs`; metrics go to `registry`. */
  startHeartbeats(registry: Registry): void {
    if (this.#timer || this.#stopping) return;
    this.#metrics = createPeerMetrics(registry);
    this.#beat();
    this.#timer = setInterval(() => this.#beat(), this.#options.heartbeatMs);
  }

  stopHeartbeats(): void {
    clearInterval(this.#timer);
  }

  /** Each peer region as the heartbeats see it, sorted by region. */
  statuses(): PeerStatus[] {
    const now = this.#now();
    return this.regions.sort().map((region) => {
      const address = this.#channels.get(region)?.address ?? this.address(region);
      const beat = this.#heartbeats.get(region);
      const answer = beat?.answer;
      return {
        region,
        address: address.address,
        addressSource: address.source,
        isUp: beat?.isUp ?? false,
        roundTripMs: answer ? beat.roundTripMs : -1,
        lastAnswerAgeMs: answer ? Math.max(0, now - beat.answeredAtMs) : -1,
        error: beat?.error ?? '',
        instance: answer?.instance ?? '',
        version: answer?.version ?? '',
        nodeState: answer?.nodeState ?? '',
        links: answer ? answer.links.map((l) => ({ ...l })) : [],
      };
    });
  }

  /** Stops the heartbeats, closes every client and stops the directory; idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.stopHeartbeats();
      for (const { client } of this.#channels.values()) client.close();
      this.#channels.clear();
      for (const client of this.#retired) client.close();
      this.#retired.clear();
      await this.#options.directory?.stop();
    })();
    return this.#stopping;
  }

  #retire(client: PeerClient): void {
    this.#retired.add(client);
    const timer = setTimeout(() => {
      this.#retired.delete(client);
      client.close();
    }, this.#options.peerTimeoutMs + 1_000);
    timer.unref();
  }

  #beat(): void {
    for (const region of this.regions) {
      const client = this.client(region);
      if (!client) continue;
      const sentAtMs = this.#now();
      client
        .ping(
          {
            region: this.#options.region,
            instance: this.#options.instance,
            sentAtMs,
            ...(this.#options.keys && {
              provenanceKeyId: this.#options.keys.currentKeyId,
              acceptedKeyIds: [...this.#options.keys.acceptedKeyIds],
            }),
          },
          { timeoutMs: this.#options.heartbeatTimeoutMs ?? NODE_DEFAULTS.peerHeartbeatTimeoutMs },
        )
        .then(
          (answer) => this.#answered(region, sentAtMs, answer),
          (err: unknown) => this.#failed(region, sentAtMs, err),
        );
    }
  }

  /** The heartbeat record of `region`, unless a later ping's outcome is already recorded. */
  #record(region: string, sentAtMs: number): Heartbeat | undefined {
    const beat = this.#heartbeats.get(region);
    if (beat && beat.sentAtMs > sentAtMs) return undefined;
    const next: Heartbeat = beat ?? {
      sentAtMs,
      isUp: false,
      error: '',
      roundTripMs: -1,
      answeredAtMs: 0,
      answer: undefined,
    };
    next.sentAtMs = sentAtMs;
    this.#heartbeats.set(region, next);
    return next;
  }

  #answered(region: string, sentAtMs: number, answer: PingResponse): void {
    const beat = this.#record(region, sentAtMs);
    if (!beat) return;
    const now = this.#now();
    const before = new Set(beat.answer?.links.map((l) => l.fromRegion));
    const wasUp = beat.isUp;
    Object.assign(beat, { isUp: true, error: '', roundTripMs: now - sentAtMs, answeredAtMs: now, answer });
    if (!wasUp) this.#logger.info({ peer: region, instance: answer.instance }, 'peer answering');
    if (answer.provenanceKeyId)
      this.#options.onPeerKeys?.(region, {
        currentKeyId: answer.provenanceKeyId,
        acceptedKeyIds: answer.acceptedKeyIds ?? [],
      });
    const metrics = this.#metrics;
    if (!metrics) return;
    this.#exportUp(region, true);
    metrics.peerRoundTrip.labels(region).set((now - sentAtMs) / 1000);
    for (const link of answer.links) {
      before.delete(link.fromRegion);
      metrics.peerLinkLag.labels(link.fromRegion, region).set(link.lagRecords);
      metrics.peerLinkRate.labels(link.fromRegion, region).set(link.recordsPerSecond);
    }
    // Links the peer no longer reports (a changed topology) stop being exported.
    for (const from of before) {
      metrics.peerLinkLag.remove(from, region);
      metrics.peerLinkRate.remove(from, region);
    }
  }

  #failed(region: string, sentAtMs: number, err: unknown): void {
    const beat = this.#record(region, sentAtMs);
    if (!beat) return;
    const error = err instanceof Error ? err.message : String(err);
    // Logged when the peer stops answering (or never did), not at every failed beat.
    if (beat.isUp || (beat.answeredAtMs === 0 && beat.error === ''))
      this.#logger.warn(
        { peer: region, address: this.#channels.get(region)?.address.address, err },
        'peer not answering',
      );
    beat.isUp = false;
    beat.error = error;
    this.#exportUp(region, false);
  }

  #exportUp(region: string, isUp: boolean): void {
    this.#metrics?.peerUp.labels(region).set(isUp ? 1 : 0);
    const isFromEtcd = this.#channels.get(region)?.address.source === 'etcd';
    this.#metrics?.peerAddressFromEtcd.labels(region).set(isFromEtcd ? 1 : 0);
  }
}
