/**
 * Runs work sharing for a node whose region has `node.workSharing` (docs/work-sharing.md): the partition
 * ownership that drives the region node, on the process's etcd session. Started once the node runs; on
 * stop it hands every partition over (flushed, keys deleted) before the node drains.
 *
 * etcd unreachable at start: the ownership starts once the session connects (the session retries in the
 * background); until then the instance owns nothing (and so writes nothing), which is the only safe choice
 * when another instance may own the partitions.
 */
import type { CoordinationSession } from '../coordination-ports/index.ts';
import { runStopSteps } from '../lifecycle/index.ts';
import type { Logger } from '../log/index.ts';
import type { RegionNode, RegionWorkSharing } from '../region/index.ts';
import { PartitionOwnership } from '../work-sharing/index.ts';

export interface WorkSharingStatus {
  state: 'connecting' | 'running' | 'stopped';
  leaseTtlMs: number;
  isLeaseValid: boolean;
  owned: number;
  workers: readonly string[];
  lastError: string | undefined;
}

export class WorkSharingRunner {
  readonly #session: CoordinationSession;
  readonly #region: string;
  readonly #instanceId: string;
  readonly #leaseTtlMs: number;
  readonly #reconcileMs: number | undefined;
  readonly #logger: Logger;
  readonly #stop = new AbortController();
  #ownership: PartitionOwnership | undefined;
  #starting: Promise<void> | undefined;

  constructor(options: {
    /** The process's etcd session. */
    session: CoordinationSession;
    region: string;
    instanceId: string;
    leaseTtlMs: number;
    /** How often the share is reconciled with etcd; default NODE_DEFAULTS.workReconcileMs. */
    reconcileMs?: number;
    logger: Logger;
  }) {
    this.#session = options.session;
    this.#region = options.region;
    this.#instanceId = options.instanceId;
    this.#leaseTtlMs = options.leaseTtlMs;
    this.#reconcileMs = options.reconcileMs;
    this.#logger = options.logger.child({ component: 'work-sharing' });
  }

  /** What the region node is given: its instance id and the fencing check. */
  regionOption(): RegionWorkSharing {
    return {
      instanceId: this.#instanceId,
      isLeaseValid: () => this.#ownership?.isLeaseValid() ?? false,
      leaseCertainForMs: () => this.#ownership?.leaseCertainForMs() ?? 0,
      ownerOf: (topic, partition) => this.#ownership?.ownerOf({ topic, partition }),
    };
  }

  /** Starts sharing the node's partitions; returns at once (etcd is reached in the background). */
  start(node: RegionNode): void {
    this.#starting ??= this.#connectAndRun(node);
  }

  async #connectAndRun(node: RegionNode): Promise<void> {
    const signal = this.#stop.signal;
    let coordination;
    try {
      coordination = await this.#session.ready(signal);
    } catch (err) {
      if (!signal.aborted) this.#logger.warn({ err }, 'work sharing cannot start: the etcd session ended');
      return;
    }
    if (signal.aborted) return;
    this.#ownership = new PartitionOwnership({
      coordination,
      region: this.#region,
      instanceId: this.#instanceId,
      host: node,
      logger: this.#logger,
      leaseTtlMs: this.#leaseTtlMs,
      ...(this.#reconcileMs !== undefined && { reconcileMs: this.#reconcileMs }),
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

  /** Hands every partition over (the etcd session stays open for its owner to close). */
  async stop(): Promise<void> {
    this.#stop.abort();
    await runStopSteps(
      [
        { name: 'etcd session wait', run: () => this.#starting },
        { name: 'partition handover', run: () => this.#ownership?.stop() },
      ],
      { logger: this.#logger, what: 'work sharing' },
    );
  }
}
