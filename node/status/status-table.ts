/**
 * `geomesh status` as text: a summary line, a table of regions (node state, answering instance, instances
 * registered in etcd, checkpoint age, index runs), for regions that share work a table of their instances
 * (work sharing state, lease, partitions owned), a table of links (state, health, lag, rate, halted
 * partitions), and why each unreachable node, instance or etcd did not answer.
 */
import { provenanceRows } from './provenance-rows.ts';
import type { MeshStatus, RegionStateStatus, TopicPartitions } from './status-types.ts';

/** Renders rows under a header, columns padded to their widest cell. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** `1.2 s`, `3 min`, `2.5 h`: a duration for people. */
export function formatAge(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** `12.3/s`; `0/s` for nothing. */
export function formatRate(recordsPerSecond: number): string {
  if (recordsPerSecond === 0) return '0/s';
  return `${recordsPerSecond >= 100 ? recordsPerSecond.toFixed(0) : recordsPerSecond.toFixed(1)}/s`;
}

const DASH = '-';

/**
 * A region's state in a few words: `active`, `failed-over to west (3 min)`, `failing-back from west (1.2 s)`
 * (how long since it entered the state), `unreadable`; `?` when unknown (etcd could not be read). The status
 * page's script has a copy (`regionStateText`), checked identical by a unit test.
 */
export function formatRegionState(state: RegionStateStatus | null, nowMs: number): string {
  if (!state) return '?';
  if (state.state !== 'failed-over' && state.state !== 'failing-back') return state.state;
  const since = state.since === null ? NaN : Date.parse(state.since);
  return (
    `${state.state} ${state.state === 'failed-over' ? 'to' : 'from'} ${state.toRegion ?? '?'}` +
    (Number.isNaN(since) ? '' : ` (${formatAge(Math.max(0, nowMs - since))})`)
  );
}

/** How many partitions `owned` holds. */
export function countPartitions(owned: readonly TopicPartitions[]): number {
  return owned.reduce((n, t) => n + t.partitions.length, 0);
}

/** `6 partitions`, `1 partition`. */
export function formatPartitionCount(count: number): string {
  return `${count} partition${count === 1 ? '' : 's'}`;
}

/** `orders 0-5, 8; payments 2`: each topic with its partitions, consecutive numbers as ranges. */
export function formatPartitionRanges(owned: readonly TopicPartitions[]): string {
  return owned
    .map(({ topic, partitions }) => {
      const ranges: string[] = [];
      for (let i = 0; i < partitions.length;) {
        let j = i;
        while (j + 1 < partitions.length && partitions[j + 1] === partitions[j]! + 1) j++;
        ranges.push(j === i ? String(partitions[i]) : `${partitions[i]}-${partitions[j]}`);
        i = j + 1;
      }
      return `${topic} ${ranges.join(', ')}`;
    })
    .join('; ');
}

/**
 * One row per instance of every region that shares work, in region order then by instance id: region,
 * instance, work sharing state (`UNREACHABLE` when it did not answer, `none` when it answered without a
 * share), lease (`valid`, `not valid`), partitions owned (`6 partitions`) and which (`orders 0-5`). The status
 * page's script has a copy (`shareRows`), checked identical by a unit test.
 */
export function workSharingRows(status: MeshStatus): string[][] {
  return status.regions.flatMap((r) =>
    (r.shares ?? []).map((s) => {
      const w = s.workSharing;
      return [
        r.region,
        s.instance,
        !s.isReachable ? 'UNREACHABLE' : w ? w.state : 'none',
        w ? (w.isLeaseValid ? 'valid' : 'not valid') : DASH,
        w ? formatPartitionCount(countPartitions(w.owned)) : DASH,
        w ? formatPartitionRanges(w.owned) : DASH,
      ];
    }),
  );
}

/** The mesh status as the text `geomesh status` prints. */
export function renderStatusTable(status: MeshStatus): string {
  const answered = status.regions.filter((r) => r.isReachable).length;
  const etcd = status.etcd.isReachable
    ? `etcd: ${status.etcd.instances} instance${status.etcd.instances === 1 ? '' : 's'} registered`
    : 'etcd: unreachable, registered instances unknown';
  const head =
    `mesh ${status.mesh} at ${new Date(status.generatedAtMs).toISOString()}: ` +
    `${answered} of ${status.regions.length} region nodes answered; ${etcd}\n\n`;

  const regions = textTable(
    [
      'REGION',
      'REGION STATE',
      'NODE',
      'INSTANCE',
      'REGISTERED (ETCD)',
      'VERSION',
      'CHECKPOINT AGE',
      'INDEX RUNS',
    ],
    status.regions.map((r) => {
      const node = r.node;
      const registered =
        r.instances === null
          ? '?'
          : r.instances.length === 0
            ? 'none'
            : r.instances.map((i) => i.id).join(',');
      return [
        r.region,
        formatRegionState(r.regionState, status.generatedAtMs),
        node ? node.state : 'UNREACHABLE',
        node ? node.instance : DASH,
        registered,
        node ? node.version : DASH,
        !node ? DASH : node.lastCheckpointAgeMs < 0 ? 'none yet' : formatAge(node.lastCheckpointAgeMs),
        node ? String(node.indexRuns) : DASH,
      ];
    }),
  );

  const shareRows = workSharingRows(status);
  const shares =
    shareRows.length === 0
      ? ''
      : '\n' +
        textTable(
          ['REGION', 'INSTANCE', 'WORK SHARING', 'LEASE', 'OWNED'],
          shareRows.map((row) => row.slice(0, 5)),
        );

  const links = textTable(
    ['LINK', 'STATE', 'HEALTH', 'LAG (RECORDS)', 'RATE', 'WAN/WRITTEN', 'HALTED', 'UNREAD'],
    status.links.map((l) => [
      `${l.fromRegion} → ${l.toRegion}`,
      // A streaming link says so; pulling is the default and goes unsaid.
      l.state === null ? DASH : l.path === 'stream' ? `${l.state} (stream)` : l.state,
      l.health,
      l.lagRecords === null ? DASH : String(l.lagRecords),
      l.recordsPerSecond === null ? DASH : formatRate(l.recordsPerSecond),
      // WAN bytes its node received per byte it wrote (docs/record-stream.md).
      l.wanBytesPerWrittenByte === null ? DASH : l.wanBytesPerWrittenByte.toFixed(3),
      l.haltedPartitions === null ? DASH : String(l.haltedPartitions),
      l.unreplicatedPartitions === null ? DASH : String(l.unreplicatedPartitions),
    ]),
  );

  const problems = [
    ...status.regions
      .filter((r) => !r.isReachable)
      .map((r) => `  ${r.region} (${r.grpcAddress}): ${r.error ?? 'no answer'}\n`),
    ...status.regions.flatMap((r) =>
      (r.shares ?? [])
        .filter((s) => !s.isReachable)
        .map(
          (s) =>
            `  ${r.region} instance ${s.instance}` +
            `${s.grpcAddress ? ` (${s.grpcAddress})` : ''}: ${s.error ?? 'no answer'}\n`,
        ),
    ),
    ...(status.etcd.isReachable ? [] : [`  etcd: ${status.etcd.error ?? 'no answer'}\n`]),
    ...(status.etcd.isReachable && status.etcd.regionStatesError !== null
      ? [`  etcd region states: ${status.etcd.regionStatesError}\n`]
      : []),
  ];
  const away = status.regions.flatMap((r) => {
    const s = r.regionState;
    if (!s || s.state === 'active') return [];
    if (s.error !== null) return [`  ${r.region}: ${s.state}: ${s.error}\n`];
    return [
      `  ${r.region} ${s.state} ${s.state === 'failed-over' ? 'to' : 'from'} ${s.toRegion ?? '?'} ` +
        `since ${s.since ?? '?'}: groups ${s.groups.join(', ') || 'none'}` +
        `${s.operation ? ` (operation ${s.operation})` : ''}\n`,
    ];
  });
  const halted = status.regions.flatMap((r) =>
    (r.node?.links ?? []).flatMap((l) =>
      l.halted.map((h) => `  ${l.fromRegion} → ${l.toRegion} ${h.topic}/${h.partition}: ${h.reason}\n`),
    ),
  );
  const unread = status.regions.flatMap((r) =>
    (r.node?.links ?? []).flatMap((l) =>
      l.unreplicated
        .filter((u) => u.reason !== 'halted')
        .map(
          (u) =>
            `  ${l.fromRegion} → ${l.toRegion} ${u.topic}/${u.partition}: ${u.reason} ` +
            `since ${new Date(u.sinceUnixMs).toISOString()}\n`,
        ),
    ),
  );
  const sharingErrors = status.regions.flatMap((r) =>
    (r.shares ?? []).flatMap((s) =>
      s.workSharing?.lastError ? [`  ${r.region} ${s.instance}: ${s.workSharing.lastError}\n`] : [],
    ),
  );
  const keys = provenanceRows(status);
  const keyTable =
    keys.rows.length === 0
      ? ''
      : '\n' + textTable(['REGION', 'PROVENANCE KEY (TAGS WITH)', 'ALSO ACCEPTS', 'ROTATION'], keys.rows);
  return (
    head +
    regions +
    shares +
    '\n' +
    links +
    keyTable +
    (keys.mismatches.length > 0
      ? `\nprovenance key mismatches (links paused):\n${keys.mismatches.map((m) => `  ${m}\n`).join('')}`
      : '') +
    (away.length > 0 ? `\nregion states:\n${away.join('')}` : '') +
    (problems.length > 0 ? `\nnot answering:\n${problems.join('')}` : '') +
    (halted.length > 0 ? `\nhalted partitions:\n${halted.join('')}` : '') +
    (unread.length > 0 ? `\nsource partitions not replicated (read by nobody):\n${unread.join('')}` : '') +
    (sharingErrors.length > 0 ? `\nwork sharing errors:\n${sharingErrors.join('')}` : '')
  );
}
