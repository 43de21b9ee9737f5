/**
 * The region states recorded in etcd as a node shows them: on its status page and in `geomesh_region_state`
 * (every region of the topology; a region etcd records nothing for is active).
 */
import type { DocumentStore } from '../coordination-ports/index.ts';
import type { RegionStateSample } from '../observability/index.ts';
import { RegionStateStore, type ListedRegionState } from '../region-state/index.ts';

/** The region states recorded in `store`, read within `timeoutMs`. */
export function readRegionStates(store: DocumentStore, timeoutMs: number): Promise<ListedRegionState[]> {
  return new RegionStateStore({ store }).list({ signal: AbortSignal.timeout(timeoutMs) });
}

/** One sample per region of `regions`: its recorded state, `unreadable`, or `active` when none is recorded. */
export function regionStateSamples(
  regions: readonly string[],
  recorded: readonly ListedRegionState[],
): RegionStateSample[] {
  const byRegion = new Map(recorded.map((s) => [s.region, s]));
  return regions.map((region) => {
    const listed = byRegion.get(region);
    return { region, state: listed?.record?.state ?? (listed?.error ? 'unreadable' : 'active') };
  });
}
