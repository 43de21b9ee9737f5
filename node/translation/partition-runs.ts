/**
 * The origin index of one partition a node writes into: the runs of replicated records it holds. A run is a
 * stretch of consecutive target offsets whose records all come from one origin with consecutive origin
 * offsets: target offsets [targetStart, targetStart + length) hold origin offsets [originStart, originStart +
 * length) of `origin`. Every offset outside the runs holds a record produced in this cluster (a local
 * record), a transaction marker or nothing yet. See `translation-protocol.md`.
 *
 * Invariants (checked by the property tests): runs are sorted by target offset and never overlap; for each
 * origin its runs are in origin-offset order too (replication keeps per-origin order); adding what is already
 * covered changes nothing (the index is monotonic). Memory: four numbers a run, and a run only starts where
 * the origin changes in the log, so a one-way link is one run however long it is. Runs wholly below the log
 * start offset are pruned.
 */

/** One run, as stored and exchanged. */
export interface Run {
  targetStart: number;
  length: number;
  origin: string;
  originStart: number;
}

/** What `add` did: extended the last run, started a new one, or nothing (already covered). */
export type AddOutcome = 'extended' | 'started' | 'covered';

export class PartitionRuns {
  // Parallel arrays (packed numbers) plus the per-origin index: ~52 bytes a run measured (npm run bench:translation).
  readonly #targetStarts: number[] = [];
  readonly #lengths: number[] = [];
  readonly #originStarts: number[] = [];
  readonly #origins: string[] = [];
  /** Per origin: indexes into the arrays above, ascending; rebuilt after pruning. */
  #byOrigin = new Map<string, number[]>();
  /** Set by `load` (bulk loading reindexes once, on the next query). */
  #isIndexStale = false;
  /**
   * Offsets below this are reflected: every replicated record at a lower offset is in a run. It is the
   * offset after the last record this node wrote or scanned; local records may sit at or beyond it.
   */
  #through = 0;
  /** Runs that changed since `takeDirty` was last called (their targetStart). */
  readonly #dirty = new Set<number>();
  /** Runs pruned since `takeDirty` (their targetStart), for tombstones. */
  readonly #pruned = new Set<number>();

  get size(): number {
    return this.#targetStarts.length;
  }

  get through(): number {
    return this.#through;
  }

  /** Raises `through` (after a scan of the log tail found nothing more, or after local records). */
  advanceThrough(offset: number): void {
    if (offset > this.#through) this.#through = offset;
  }

  /** The end of the last run (0 when empty). */
  get end(): number {
    const last = this.#targetStarts.length - 1;
    return last < 0 ? 0 : this.#targetStarts[last]! + this.#lengths[last]!;
  }

  /**
   * Records that the replicated record of `origin` at `originOffset` sits at `targetOffset`. In ascending
   * target order (the usual case: writes into a partition are serialized) it extends the last run or starts
   * one; an offset already covered by a run is ignored (a re-scan of the tail); an offset below the end that
   * no run covers (a write acknowledged out of order) gets a run of its own.
   */
  add(targetOffset: number, origin: string, originOffset: number): AddOutcome {
    const last = this.#targetStarts.length - 1;
    if (targetOffset < this.end) {
      if (this.originAt(targetOffset)) return 'covered';
      this.load({ targetStart: targetOffset, length: 1, origin, originStart: originOffset });
      this.#dirty.add(targetOffset);
      return 'started';
    }
    this.#through = Math.max(this.#through, targetOffset + 1);
    if (
      last >= 0 &&
      this.#origins[last] === origin &&
      this.#targetStarts[last]! + this.#lengths[last]! === targetOffset &&
      this.#originStarts[last]! + this.#lengths[last]! === originOffset
    ) {
      this.#lengths[last]!++;
      this.#dirty.add(this.#targetStarts[last]!);
      return 'extended';
    }
    this.#push({ targetStart: targetOffset, length: 1, origin, originStart: originOffset });
    return 'started';
  }

  /** Loads a persisted run (in any order); a run overlapping one already known is refused with false. */
  load(run: Run): boolean {
    const before = this.#insertionPoint(run.targetStart + 1) - 1;
    const at = before + 1;
    const next = at < this.size ? this.#targetStarts[at]! : Infinity;
    if (before >= 0 && this.#targetStarts[before] === run.targetStart) {
      // The same run persisted twice (a newer, longer version): keep the longer.
      if (this.#origins[before] !== run.origin || this.#originStarts[before] !== run.originStart)
        return false;
      if (run.targetStart + run.length > next) return false;
      this.#lengths[before] = Math.max(this.#lengths[before]!, run.length);
      this.#through = Math.max(this.#through, this.end);
      return true;
    }
    if (before >= 0 && this.#targetStarts[before]! + this.#lengths[before]! > run.targetStart) return false;
    if (run.targetStart + run.length > next) return false;
    this.#targetStarts.splice(at, 0, run.targetStart);
    this.#lengths.splice(at, 0, run.length);
    this.#originStarts.splice(at, 0, run.originStart);
    this.#origins.splice(at, 0, run.origin);
    this.#isIndexStale = true;
    this.#through = Math.max(this.#through, this.end);
    return true;
  }

  /** Drops runs that end at or below `logStart` (deleted by retention); returns how many. */
  prune(logStart: number): number {
    let n = 0;
    while (n < this.size && this.#targetStarts[n]! + this.#lengths[n]! <= logStart) {
      this.#pruned.add(this.#targetStarts[n]!);
      this.#dirty.delete(this.#targetStarts[n]!);
      n++;
    }
    if (n === 0) return 0;
    this.#targetStarts.splice(0, n);
    this.#lengths.splice(0, n);
    this.#originStarts.splice(0, n);
    this.#origins.splice(0, n);
    this.#reindex();
    return n;
  }

  /**
   * Forgets every run (the partition was re-created or truncated from its end: the offsets they name hold
   * other records now); they are reported as pruned.
   */
  reset(): void {
    for (const s of this.#targetStarts) this.#pruned.add(s);
    this.#dirty.clear();
    this.#targetStarts.length = 0;
    this.#lengths.length = 0;
    this.#originStarts.length = 0;
    this.#origins.length = 0;
    this.#byOrigin = new Map();
    this.#isIndexStale = false;
    this.#through = 0;
  }

  /** Runs changed and pruned since the last call (for persistence); clears both. */
  takeDirty(): { changed: Run[]; pruned: number[] } {
    const changed: Run[] = [];
    for (const start of this.#dirty) {
      const i = this.#indexOfStart(start);
      if (i >= 0) changed.push(this.#run(i));
    }
    const pruned = [...this.#pruned];
    this.#dirty.clear();
    this.#pruned.clear();
    return { changed, pruned };
  }

  /** Marks every run dirty (a full rewrite of the persisted state). */
  markAllDirty(): void {
    for (const s of this.#targetStarts) this.#dirty.add(s);
  }

  /** Every run, in target order. */
  runs(): Run[] {
    return this.#targetStarts.map((_, i) => this.#run(i));
  }

  /** The origins with runs here. */
  origins(): string[] {
    if (this.#isIndexStale) this.#reindex();
    return [...this.#byOrigin.keys()];
  }

  /** The last origin offset of `origin` here (its high-water mark), or -1. */
  lastOriginOffset(origin: string): number {
    const idx = this.#origin(origin);
    const i = idx?.[idx.length - 1];
    return i === undefined ? -1 : this.#originStarts[i]! + this.#lengths[i]! - 1;
  }

  /** The origin of the record at `targetOffset`: a run's origin and offset, or undefined (not replicated). */
  originAt(targetOffset: number): { origin: string; offset: number } | undefined {
    const i = this.#insertionPoint(targetOffset + 1) - 1;
    if (i < 0) return undefined;
    const delta = targetOffset - this.#targetStarts[i]!;
    if (delta >= this.#lengths[i]!) return undefined;
    return { origin: this.#origins[i]!, offset: this.#originStarts[i]! + delta };
  }

  /**
   * The highest origin offset of `origin` among the replicated records at target offsets below `offset`,
   * or -1 when there is none.
   */
  lastOriginOffsetBefore(origin: string, offset: number): number {
    const idx = this.#origin(origin);
    if (!idx) return -1;
    // The last run of the origin that starts below `offset`.
    let lo = 0;
    let hi = idx.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#targetStarts[idx[mid]!]! < offset) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) return -1;
    const i = idx[lo - 1]!;
    return this.#originStarts[i]! + Math.min(this.#lengths[i]!, offset - this.#targetStarts[i]!) - 1;
  }

  /**
   * The target offset of the first record of `origin` whose origin offset is above `frontier`, or undefined
   * when every record of that origin here is at or below it.
   */
  firstAfter(origin: string, frontier: number): number | undefined {
    const idx = this.#origin(origin);
    if (!idx) return undefined;
    // The first run of the origin whose last origin offset is above the frontier.
    let lo = 0;
    let hi = idx.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const i = idx[mid]!;
      if (this.#originStarts[i]! + this.#lengths[i]! - 1 <= frontier) lo = mid + 1;
      else hi = mid;
    }
    if (lo === idx.length) return undefined;
    const i = idx[lo]!;
    return this.#targetStarts[i]! + Math.max(0, frontier + 1 - this.#originStarts[i]!);
  }

  /** Records of `origin` at target offsets at or above `offset` whose origin offset is at most `frontier`. */
  countAtOrAfter(origin: string, offset: number, frontier: number): number {
    const idx = this.#origin(origin);
    if (!idx) return 0;
    let count = 0;
    for (let k = idx.length - 1; k >= 0; k--) {
      const i = idx[k]!;
      const start = this.#targetStarts[i]!;
      const length = this.#lengths[i]!;
      if (start + length <= offset) break;
      const fromDelta = Math.max(0, offset - start);
      const toDelta = Math.min(length - 1, frontier - this.#originStarts[i]!);
      if (toDelta >= fromDelta) count += toDelta - fromDelta + 1;
    }
    return count;
  }

  /** Records of `origin` here whose origin offset is in [from, to]. */
  countOriginBetween(origin: string, from: number, to: number): number {
    const idx = this.#origin(origin);
    if (!idx || to < from) return 0;
    let count = 0;
    for (let k = idx.length - 1; k >= 0; k--) {
      const i = idx[k]!;
      const start = this.#originStarts[i]!;
      const last = start + this.#lengths[i]! - 1;
      if (last < from) break; // runs of one origin are in origin-offset order
      count += Math.max(0, Math.min(last, to) - Math.max(start, from) + 1);
    }
    return count;
  }

  /**
   * The first offset at or above `from` that no run covers (a local record, a marker, or the end of what is
   * indexed).
   */
  firstUncoveredFrom(from: number): number {
    let offset = from;
    let i = this.#insertionPoint(offset + 1) - 1;
    if (i < 0) i = 0;
    for (; i < this.size; i++) {
      const start = this.#targetStarts[i]!;
      if (start > offset) break;
      offset = Math.max(offset, start + this.#lengths[i]!);
    }
    return offset;
  }

  /** Offsets in [from, to) that no run covers. */
  uncoveredBetween(from: number, to: number): number {
    if (to <= from) return 0;
    let covered = 0;
    let i = Math.max(0, this.#insertionPoint(from + 1) - 1);
    for (; i < this.size; i++) {
      const start = this.#targetStarts[i]!;
      if (start >= to) break;
      const end = start + this.#lengths[i]!;
      covered += Math.max(0, Math.min(end, to) - Math.max(start, from));
    }
    return to - from - covered;
  }

  #run(i: number): Run {
    return {
      targetStart: this.#targetStarts[i]!,
      length: this.#lengths[i]!,
      origin: this.#origins[i]!,
      originStart: this.#originStarts[i]!,
    };
  }

  #push(run: Run): void {
    if (this.#isIndexStale) this.#reindex();
    const i = this.#targetStarts.length;
    this.#targetStarts.push(run.targetStart);
    this.#lengths.push(run.length);
    this.#originStarts.push(run.originStart);
    this.#origins.push(run.origin);
    let idx = this.#byOrigin.get(run.origin);
    if (!idx) this.#byOrigin.set(run.origin, (idx = []));
    idx.push(i);
    this.#dirty.add(run.targetStart);
  }

  /** The index of the first run starting at or above `offset`. */
  #insertionPoint(offset: number): number {
    let lo = 0;
    let hi = this.#targetStarts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#targetStarts[mid]! < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #indexOfStart(start: number): number {
    const i = this.#insertionPoint(start);
    return this.#targetStarts[i] === start ? i : -1;
  }

  /** The per-origin run indexes, rebuilt first when stale. */
  #origin(origin: string): number[] | undefined {
    if (this.#isIndexStale) this.#reindex();
    return this.#byOrigin.get(origin);
  }

  #reindex(): void {
    this.#isIndexStale = false;
    const byOrigin = new Map<string, number[]>();
    this.#origins.forEach((origin, i) => {
      let idx = byOrigin.get(origin);
      if (!idx) byOrigin.set(origin, (idx = []));
      idx.push(i);
    });
    this.#byOrigin = byOrigin;
  }
}
