/**
 * What an operator reads of a failover or failback (pure): the per-group table, the region state line, and
 * which exit the command takes. Exits are named (`'ok'`, `'refused'`, …), the names of the CLI's exit code
 * table, which alone holds the numbers.
 */
import { isGeomeshError } from '../../base/index.ts';
import type { FailoverProgress, FailoverResponse, RegionState } from '../rpc/index.ts';
import { textTable } from '../status/index.ts';
import { NODE_DEFAULTS } from '../config/index.ts';
import { describeGap, gapLines, gapOfResponse, gapOfTranslation } from './replication-gap.ts';

/** How a failover or failback command ends (a key of the CLI's exit codes). */
export type FailoverExit =
  'ok' | 'failure' | 'notFound' | 'refused' | 'notReplicated' | 'usage' | 'noPermission';

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
      g.committedEarlier ? 'committed (earlier)' : g.outcome,
      source,
      t ? String(t.partitions.length) : '-',
      t ? String(t.partitions.reduce((n, p) => n + p.alreadySeen, 0)) : '-',
      t ? describeGap(gapOfTranslation(t)) : '-',
      g.reason,
    ];
  });
  const from = response.groups.find((g) => g.translation)?.translation;
  const lines = gapLines(response, NODE_DEFAULTS.failover.gapLinesShown);
  const gap =
    from && lines.length > 0
      ? `\nnot replicated into ${from.toRegion} yet (records of ${from.fromRegion} after each group's frontier, ` +
        `${from.source === 'live' ? 'now' : 'as of its checkpoint, at least'}), per origin:\n${lines.join('\n')}\n`
      : '';
  return (
    textTable(
      ['GROUP', 'OUTCOME', 'FRONTIER', 'PARTITIONS', 'ALREADY SEEN', 'NOT REPLICATED', 'REASON'],
      rows,
    ) +
    gap +
    (response.operation
      ? `\noperation in etcd: ${response.operation}${response.resumed ? ' (resumed: completed what an interrupted run began)' : ''}\n`
      : '') +
    (response.regionState ? `\nregion state in etcd: ${describeRegionState(response.regionState)}\n` : '') +
    (response.regionStateError ? `\nregion state not recorded: ${response.regionStateError}\n` : '')
  );
}

/** The counts of a failover's answer, and how long it took, as `--json` prints them under `summary`. */
export interface FailoverSummary {
  groups: number;
  committed: number;
  /** Of the committed: by an earlier, interrupted run of the same operation. */
  committedEarlier: number;
  dryRun: number;
  refused: number;
  /** Groups translated from a live frontier, and from a checkpoint. */
  live: number;
  checkpoint: number;
  partitions: number;
  alreadySeen: number;
  /** Records of the source not replicated into the target yet, in total and per origin region. */
  notReplicated: number;
  notReplicatedByOrigin: Record<string, number>;
  /** Partitions whose not-replicated count is unknown (a node older than the count). */
  notReplicatedUncounted: number;
  /**
   * True when some frontiers came from checkpoints: their counts are as of each checkpoint, so what the source
   * wrote after its last one (up to a checkpoint interval of writes) is not counted: a lower bound.
   */
  notReplicatedIsLowerBound: boolean;
  seconds: number;
}

/** Pure: the summary of `response`, answered `elapsedMs` after the command called. */
export function summarizeFailover(response: FailoverResponse, elapsedMs: number): FailoverSummary {
  const count = (f: (g: FailoverResponse['groups'][number]) => boolean) => response.groups.filter(f).length;
  const translations = response.groups.flatMap((g) => (g.translation ? [g.translation] : []));
  const partitions = translations.flatMap((t) => t.partitions);
  const gap = gapOfResponse(response);
  return {
    groups: response.groups.length,
    committed: count((g) => g.outcome === 'committed'),
    committedEarlier: count((g) => g.committedEarlier === true),
    dryRun: count((g) => g.outcome === 'dry-run'),
    refused: count((g) => g.outcome === 'refused'),
    live: translations.filter((t) => t.source === 'live').length,
    checkpoint: translations.filter((t) => t.source === 'checkpoint').length,
    partitions: partitions.length,
    alreadySeen: partitions.reduce((n, p) => n + p.alreadySeen, 0),
    notReplicated: gap.records,
    notReplicatedByOrigin: gap.byOrigin,
    notReplicatedUncounted: gap.uncounted,
    notReplicatedIsLowerBound: translations.some((t) => t.source === 'checkpoint'),
    seconds: Math.round(elapsedMs) / 1000,
  };
}

/** `summary: 98 of 100 groups committed, 2 refused; frontiers 100 live …; 1,200 partitions; 3.1 s`. */
export function describeSummary(s: FailoverSummary): string {
  const done =
    s.dryRun > 0
      ? `${s.dryRun} translated (dry run)`
      : `${s.committed} committed${s.committedEarlier ? ` (${s.committedEarlier} by the interrupted run)` : ''}`;
  return (
    `summary: ${s.groups} groups: ${done}, ${s.refused} refused; frontiers ${s.live} live, ` +
    `${s.checkpoint} from checkpoints; ${s.partitions} partitions, ${s.alreadySeen} records already seen, ` +
    `${describeGap({ records: s.notReplicated, byOrigin: s.notReplicatedByOrigin, uncounted: s.notReplicatedUncounted })} ` +
    (s.notReplicatedIsLowerBound
      ? 'not replicated as of the checkpoints (at least: what the source wrote after its last checkpoint is ' +
        'not counted)'
      : 'not replicated yet') +
    `; ${s.seconds.toFixed(1)} s`
  );
}

/** `progress: translating 37/100 groups done (1 refused)`, a line while a failover runs. */
export function describeProgress(p: FailoverProgress): string {
  if (p.phase === 'selecting') return 'progress: selecting groups';
  if (p.phase === 'translating')
    return `progress: translating ${p.translated}/${p.total} groups done (${p.refused} refused)`;
  const counts = `(${p.committed} committed, ${p.refused} refused)`;
  if (p.phase === 'committing')
    return `progress: committing ${p.committed + p.refused}/${p.total} groups done ${counts}`;
  return `progress: done, ${p.total} groups ${counts}`;
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
