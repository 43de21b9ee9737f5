/** Region states as a node answers them in these tests (the clock and operation id the tests fix). */
import type { RegionState } from '../../../../node/rpc/index.ts';

/** `east` recorded `state` at 2026-01-01T00:00:00.000Z in operation op-1; `over` changes any field. */
export function recordedState(state: string, over: Partial<RegionState> = {}): RegionState {
  return {
    region: 'east',
    state,
    toRegion: '',
    groups: [],
    since: '2026-01-01T00:00:00.000Z',
    operation: 'op-1',
    ...over,
  };
}
