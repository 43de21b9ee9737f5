/**
 * A region node's worker threads as one part of its lifecycle (docs/work-sharing.md, "Worker threads"): started
 * with its links (worker-links.ts), stopped in its links' stop step, with the fault injection and placement moves
 * tests and operators ask for.
 */
import type { WorkerPool } from '../workers/index.ts';
import { startWorkerLinks, type WorkerLinksOptions } from './worker-links.ts';
import type { WorkerLink } from './worker-link.ts';
import type { WorkerPlacement } from './worker-placement.ts';

/** A region node's worker threads: started with its links, stopped in its links' stop step. */
export class RegionWorkers {
  #pool: WorkerPool | undefined;
  #placement: WorkerPlacement | undefined;
  #stopLease: (() => void) | undefined;

  /** The pool, once started. */
  get pool(): WorkerPool | undefined {
    return this.#pool;
  }

  /** Starts the workers (startWorkerLinks); resolves with one view per link. */
  async start(options: WorkerLinksOptions): Promise<WorkerLink[]> {
    const { pool, links, placement, stopLease } = await startWorkerLinks(options);
    this.#pool = pool;
    this.#placement = placement;
    this.#stopLease = stopLease;
    return links;
  }

  /** How many workers hold partitions now (worker-placement.ts); 0 without workers. */
  get workersInUse(): number {
    return this.#placement?.placement.active ?? 0;
  }

  /** Moves the partitions to the worker rule over `active` workers (1: gathered); resolves once they are there. */
  async placeWorkers(active: number): Promise<void> {
    await this.#placement?.moveTo(active);
  }

  /** Fault injection: ends worker `worker` abruptly (the pool restarts it in place). */
  async crash(worker: number): Promise<void> {
    await this.#pool?.crash(worker);
  }

  /** How many workers were restarted after ending on their own. */
  get restarts(): number {
    return this.#pool?.restarts ?? 0;
  }

  /** Stops the placement's sampling, the pool, then the publishing of the lease's deadline. */
  async stop(): Promise<void> {
    this.#placement?.stop();
    await this.#pool?.stop();
    this.#stopLease?.();
  }
}
