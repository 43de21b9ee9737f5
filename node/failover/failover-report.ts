/**
 * What an operator reads of a failover or failback (pure): the per-group table, the region state line, and
 * which exit the command takes. Exits are named (`'ok'`, `'refused'`, …), the names of the CLI's exit code
 * table, which alone holds the numbers.
 */
import { isGeomeshError } from '../../base/index.ts';
import type { FailoverResponse, RegionState } from '../rpc/index.ts';
import { textTable } from '../status/index.ts';

/** How a failover or failback command ends (a key of the CLI's exit codes). */
export type FailoverExit = 'ok' | 'failure' | 'notFound' | 'refused' | 'usage' | 'noPermission';

/** The per-group table, then the region state recorded (or why it was not). */
export function renderFailover(response: FailoverResponse, nowMs: number): string {
  const rows = response.groups.map((g) => {
    const t = g.translation;
    const source = !t
      ? '-'
      : t.source === 'live'
        ? 'live'
        : `checkpoint ${((nowMs - t.frontierTimeMs) / 1000).toFixed(1)} s old`;
    return [
      g.group,
      g.outcome,
      source,
      t ? String(t.partitions.length) : '-',
      t ? String(t.partitions.reduce((n, p) => n + p.alreadySeen, 0)) : '-',
      g.reason,
    ];
  });
  return (
    textTable(['GROUP', 'OUTCOME', 'FRONTIER', 'PARTITIONS', 'ALREADY SEEN', 'REASON'], rows) +
    (response.regionState ? `\nregion state in etcd: ${describeRegionState(response.regionState)}\n` : '') +
    (response.regionStateError ? `\nregion state not recorded: ${response.regionStateError}\n` : '')
  );
}

/** `east failed-over to west since 2026-…Z (groups billing)`. */
export function describeRegionState(s: RegionState): string {
  if (s.state === 'active') return `${s.region} active${s.since ? ` since ${s.since}` : ''}`;
  return (
    `${s.region} ${s.state} ${s.state === 'failed-over' ? 'to' : 'from'} ${s.toRegion} since ${s.since}` +
    (s.groups.length ? ` (groups ${s.groups.join(', ')})` : '')
  );
}

/** A call that answered: `ok` when every group was committed (or translated, in a dry run), else `refused`. */
export function failoverExit(response: FailoverResponse): FailoverExit {
  return response.groups.some((g) => g.outcome === 'refused') ? 'refused' : 'ok';
}

/** A call that failed: the exit its error code calls for. */
export function callErrorExit(err: unknown): FailoverExit {
  if (
    isGeomeshError(err, 'GEOMESH_RPC_UNAUTHENTICATED') ||
    isGeomeshError(err, 'GEOMESH_RPC_PERMISSION_DENIED')
  )
    return 'noPermission';
  if (isGeomeshError(err, 'GEOMESH_RPC_NOT_FOUND')) return 'notFound';
  if (isGeomeshError(err, 'GEOMESH_RPC_INVALID_ARGUMENT') || isGeomeshError(err, 'GEOMESH_CONFIG_INVALID'))
    return 'usage';
  return 'failure';
}
