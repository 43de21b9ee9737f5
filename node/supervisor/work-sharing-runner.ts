/**
 * Runs work sharing for a node whose region has `node.workSharing` (docs/work-sharing.md): its own etcd
 * connection, and the partition ownership that drives the region node. Started once the node runs; on
 * stop it hands every partition over (flushed, keys deleted) before the node drains.
 *
 * etcd unreachable at start: the connection is retried every 5 s in the background; until it is made the
 * instance owns nothing (and so writes nothing), which is the only safe choice when another instance may
 * own the partitions.
 */
import type { TopologyConfig } from '../../topology/index.ts';
import { EtcdCoordinator } from '../coordination/index.ts';
import { delay, runStopSteps } from '../lifecycle/index.ts';
import type { Logger } from '../log/index.ts';
import type { RegionNode, RegionWorkSharing } from '../region/index.ts';
import { PartitionOwnership } from '../work-sharing/index.ts';
import { coordinationOptionsFor } from './etcd-registry.ts';

const CONNECT_RETRY_MS = 5_000;

export interface WorkSharingStatus {
  state: 'connecting' | 'running' | 'stopped';
  leaseTtlMs: number;
  isLeaseValid: boolean;
  owned: number;
  workers: readonly string[];
  lastError: string | undefined;
}

export class WorkSharingRunner {
  readonly #config: TopologyConfig;
  readonly #region: string;
  readonly #instanceId: string;
  readonly #leaseTtlMs: number;
  readonly #logger: Logger;
  readonly #stop = new AbortController();
  #coordinator: EtcdCoordinator | undefined;
  #ownership: PartitionOwnership | undefined;
  #starting: Promise<void> | undefined;

  constructor(options: {
    config: TopologyConfig;
    region: string;
    instanceId: string;
    leaseTtlMs: number;
    logger: Logger;
  }) {
    this.#config = options.config;
    this.#region = options.region;
    this.#instanceId = options.instanceId;
    this.#leaseTtlMs = options.leaseTtlMs;
    this.#logger = options.logger.child({ component: 'work-sharing' });
  }

  /** What the region node is given: its instance id and the fencing check. */
  regionOption(): RegionWorkSharing {
    return {
      instanceId: this.#instanceId,
      isLeaseValid: () => this.#ownership?.isLeaseValid() ?? false,
      ownerOf: (topic, partition) => this.#ownership?.ownerOf({ topic, partition }),
    };
  }

  /** Starts sharing the node's partitions; returns at once (etcd is reached in the background). */
  start(node: RegionNode): void {
    this.#starting ??= this.#connectAndRun(node);
  }

  async #connectAndRun(node: RegionNode): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      const coordinator = new EtcdCoordinator(
        coordinationOptionsFor(this.#config, this.#logger, {
          dialTimeoutMs: 5_000,
          // Shorter than the TTL, so a renewal or a key write that etcd cannot answer fails in time.
          requestTimeoutMs: Math.min(3_000, Math.floor(this.#leaseTtlMs / 4)),
          leaseTtlMs: this.#leaseTtlMs,
        }),
      );
      try {
        await coordinator.start(signal);
        this.#coordinator = coordinator;
        break;
      } catch (err) {
        await coordinator.stop().catch(() => undefined);
        if (signal.aborted) return;
        this.#logger.warn({ err }, 'work sharing cannot reach etcd yet; owning nothing, retrying');
        await delay(CONNECT_RETRY_MS, signal);
      }
    }
    if (signal.aborted || !this.#coordinator) return;
    this.#ownership = new PartitionOwnership({
      coordination: this.#coordinator,
      region: this.#region,
      instanceId: this.#instanceId,
      host: node,
      logger: this.#logger,
      leaseTtlMs: this.#leaseTtlMs,
    });
    this.#ownership.start();
    this.#logger.info({ instance: this.#instanceId, leaseTtlMs: this.#leaseTtlMs }, 'work sharing started');
  }

  status(): WorkSharingStatus {
    const ownership = this.#ownership;
    return {
      state: this.#stop.signal.aborted ? 'stopped' : ownership ? 'running' : 'connecting',
      leaseTtlMs: this.#leaseTtlMs,
      isLeaseValid: ownership?.isLeaseValid() ?? false,
      owned: ownership?.owned.length ?? 0,
      workers: ownership?.workers ?? [],
      lastError: ownership?.lastError,
    };
  }

  /** Hands every partition over, then closes the etcd connection. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await runStopSteps(
      [
        { name: 'etcd connect', run: () => this.#starting },
        { name: 'partition handover', run: () => this.#ownership?.stop() },
        { name: 'etcd connection', run: () => this.#coordinator?.stop() },
      ],
      { logger: this.#logger, what: 'work sharing' },
    );
  }
}
