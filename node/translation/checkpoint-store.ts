/**
 * The latest group checkpoints a node holds: its own region's, computed every few seconds, and those its
 * peers pushed, so a translation out of a region that is down can still be answered (as fresh as the last
 * checkpoint: more records possibly seen twice, never one lost). Pure data.
 */
import type { GroupCheckpoint } from './index-codec.ts';

export class CheckpointStore {
  readonly #byKey = new Map<string, GroupCheckpoint>();

  /** Keeps `checkpoint` unless a newer one of the same region and group is held; returns whether kept. */
  put(checkpoint: GroupCheckpoint): boolean {
    const key = `${checkpoint.region}\u0000${checkpoint.group}`;
    const held = this.#byKey.get(key);
    if (held && held.computedAtMs > checkpoint.computedAtMs) return false;
    this.#byKey.set(key, checkpoint);
    return true;
  }

  get(region: string, group: string): GroupCheckpoint | undefined {
    return this.#byKey.get(`${region}\u0000${group}`);
  }

  /** Every checkpoint held, oldest region and group first. */
  all(): GroupCheckpoint[] {
    return [...this.#byKey.values()].sort(
      (a, b) => a.region.localeCompare(b.region) || a.group.localeCompare(b.group),
    );
  }

  get size(): number {
    return this.#byKey.size;
  }
}
