/** Status reports and mesh views for the status tests. */
import type { LinkStatus, MeshLayout, NodeStatus } from '../../../../node/status/index.ts';

/** A full mesh of `regions` (every ordered pair is a link), nodes at 127.0.0.1:710x. */
export function fullMeshLayout(regions: readonly string[], mesh = 'orders'): MeshLayout {
  return {
    mesh,
    regions: regions.map((name, i) => ({ name, grpcAddress: `127.0.0.1:${7101 + i}` })),
    links: regions.flatMap((from) =>
      regions.filter((to) => to !== from).map((to) => ({ fromRegion: from, toRegion: to })),
    ),
  };
}

export function linkStatus(from: string, to: string, overrides: Partial<LinkStatus> = {}): LinkStatus {
  return {
    fromRegion: from,
    toRegion: to,
    state: 'running',
    lagRecords: 0,
    recordsPerSecond: 0,
    recordsWritten: 0,
    halted: [],
    unreplicated: [],
    path: 'pull',
    pathSwitches: 0,
    wanBytes: 0,
    writtenBytes: 0,
    wanBytesPerWrittenByte: -1,
    ...overrides,
  };
}

/** The report of `region`'s node running a link from each of `from`. */
export function nodeStatus(
  region: string,
  from: readonly string[],
  overrides: Partial<NodeStatus> = {},
): NodeStatus {
  return {
    mesh: 'orders',
    region,
    instance: `${region}-node-1`,
    state: 'running',
    version: '0.1.0',
    startedAtMs: 1_000,
    reportedAtMs: 61_000,
    grpcAddress: '127.0.0.1:7101',
    httpAddress: '127.0.0.1:9464',
    registration: 'registered',
    links: from.map((f) => linkStatus(f, region)),
    lastCheckpointAgeMs: 2_500,
    indexRuns: 7,
    peers: [],
    workSharing: null,
    ...overrides,
  };
}
