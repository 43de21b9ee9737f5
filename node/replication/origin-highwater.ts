/**
 * Per (topic, partition, origin): the highest origin offset already written into this cluster. It is what
 * makes replication idempotent: a record whose origin offset is at or below the mark is a duplicate.
 * Marks only move forward, except `rewind`, for an origin partition that was re-created (its offsets restart
 * and name new records). Pure data; persisted by checkpoints and rebuilt from the log tail on start.
 */

/** Offsets are JavaScript numbers: exact up to 2^53, beyond any real partition's lifetime. */
export interface HighwaterEntry {
  topic: string;
  partition: number;
  origin: string;
  offset: number;
}

function keyOf(topic: string, partition: number, origin: string): string {
  return `${topic}\u0000${partition}\u0000${origin}`;
}

export class OriginHighwater {
  readonly #marks = new Map<string, HighwaterEntry>();

  /** The highest origin offset written for this origin into topic/partition, or -1 if none. */
  get(topic: string, partition: number, origin: string): number {
    return this.#marks.get(keyOf(topic, partition, origin))?.offset ?? -1;
  }

  /** True when a record of `origin` at `offset` was already written into topic/partition. */
  isDuplicate(topic: string, partition: number, origin: string, offset: number): boolean {
    return offset <= this.get(topic, partition, origin);
  }

  /** Raises the mark to `offset` (a lower offset leaves it unchanged). Returns whether it moved. */
  advance(topic: string, partition: number, origin: string, offset: number): boolean {
    const key = keyOf(topic, partition, origin);
    const entry = this.#marks.get(key);
    if (entry && entry.offset >= offset) return false;
    this.#marks.set(key, { topic, partition, origin, offset });
    return true;
  }

  /**
   * Sets the mark to `offset` even if that lowers it. Only for an origin partition that no longer holds the
   * offsets the mark names (re-created, or truncated from its end): see `source-truncation.md`.
   */
  rewind(topic: string, partition: number, origin: string, offset: number): void {
    const key = keyOf(topic, partition, origin);
    if (offset < 0) this.#marks.delete(key);
    else this.#marks.set(key, { topic, partition, origin, offset });
  }

  /** Drops every mark of topic/partition (another instance wrote it since; the marks are set again). */
  forget(topic: string, partition: number): void {
    for (const [key, entry] of this.#marks)
      if (entry.topic === topic && entry.partition === partition) this.#marks.delete(key);
  }

  /** Every mark, sorted, for checkpoints and status. */
  entries(): HighwaterEntry[] {
    return [...this.#marks.values()].sort(
      (a, b) =>
        a.topic.localeCompare(b.topic) || a.partition - b.partition || a.origin.localeCompare(b.origin),
    );
  }

  get size(): number {
    return this.#marks.size;
  }
}
