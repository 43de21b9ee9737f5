/**
 * How far the Failover calls a node serves have got, by the id their caller chose (`progress_id`), so the
 * CLI can print "groups done / total" while the one unary call runs. Held in memory only: a call's progress
 * is dropped a minute after it ends, and at most `MAX_FOLLOWED_CALLS` calls are followed (the oldest ended
 * one goes first).
 *
 * Phases: selecting (listing the groups) → translating → committing (not for a dry run) → done.
 */
import { GeomeshError } from '../../base/index.ts';

/** A Failover call's phase. */
export type FailoverPhase = 'selecting' | 'translating' | 'committing' | 'done';

/** Counts of groups of one call. */
export interface FailoverProgressCounts {
  phase: FailoverPhase;
  /** Groups the call moves (0 while selecting). */
  total: number;
  /** Groups translated, or refused before translating. */
  translated: number;
  committed: number;
  refused: number;
}

/** Told each change of a call's progress. */
export type ProgressListener = (progress: Readonly<FailoverProgressCounts>) => void;

/** Most calls followed at once. */
export const MAX_FOLLOWED_CALLS = 100;
/** How long a call's progress is kept after it ends. */
export const PROGRESS_KEPT_MS = 60_000;
/** Longest progress id a caller may choose. */
export const MAX_PROGRESS_ID_LENGTH = 64;

export class FailoverProgressBoard {
  readonly #calls = new Map<string, { counts: FailoverProgressCounts; endedAtMs: number | null }>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /**
   * Follows the call `id` ("" follows nothing); returns the listener to give the call. A reused id starts
   * over. Throws GEOMESH_RPC_INVALID_ARGUMENT for an id longer than MAX_PROGRESS_ID_LENGTH.
   */
  follow(id: string): ProgressListener | undefined {
    if (!id) return undefined;
    if (id.length > MAX_PROGRESS_ID_LENGTH) {
      throw new GeomeshError(
        'GEOMESH_RPC_INVALID_ARGUMENT',
        `progress_id is ${id.length} characters; at most ${MAX_PROGRESS_ID_LENGTH}: choose a shorter id (a UUID)`,
        { details: { field: 'progress_id' } },
      );
    }
    this.#prune();
    const entry = {
      counts: { phase: 'selecting' as FailoverPhase, total: 0, translated: 0, committed: 0, refused: 0 },
      endedAtMs: null as number | null,
    };
    this.#calls.set(id, entry);
    return (progress) => {
      entry.counts = { ...progress };
      if (progress.phase === 'done') entry.endedAtMs = this.#now();
    };
  }

  /** Marks call `id` ended (its progress is kept PROGRESS_KEPT_MS more); "" or an unknown id: nothing. */
  end(id: string): void {
    const entry = this.#calls.get(id);
    if (entry && entry.endedAtMs === null) {
      entry.counts = { ...entry.counts, phase: 'done' };
      entry.endedAtMs = this.#now();
    }
  }

  /** The progress of call `id`; GEOMESH_RPC_NOT_FOUND when it is not followed (or no longer). */
  get(id: string): FailoverProgressCounts {
    this.#prune();
    const entry = this.#calls.get(id);
    if (!entry) {
      throw new GeomeshError(
        'GEOMESH_RPC_NOT_FOUND',
        `no Failover call with progress_id "${id.slice(0, MAX_PROGRESS_ID_LENGTH)}" is served by this node ` +
          `(never started, or ended over ${PROGRESS_KEPT_MS / 1000} s ago)`,
        { details: { field: 'progress_id' } },
      );
    }
    return { ...entry.counts };
  }

  #prune(): void {
    const now = this.#now();
    for (const [id, entry] of this.#calls) {
      if (entry.endedAtMs !== null && now - entry.endedAtMs > PROGRESS_KEPT_MS) this.#calls.delete(id);
    }
    // Map order is insertion order: the oldest calls first; running calls are kept over ended ones.
    for (const [id, entry] of this.#calls) {
      if (this.#calls.size < MAX_FOLLOWED_CALLS) break;
      if (entry.endedAtMs !== null) this.#calls.delete(id);
    }
  }
}
