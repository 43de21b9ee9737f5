/**
 * `geomesh status` as text: a summary line, a table of regions (node state, answering instance, instances
 * registered in etcd, checkpoint age, index runs), a table of links (state, health, lag, rate, halted
 * partitions), and why each unreachable node or etcd did not answer.
 */
import type { MeshStatus } from './status-types.ts';

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
    ['REGION', 'NODE', 'INSTANCE', 'REGISTERED (ETCD)', 'VERSION', 'CHECKPOINT AGE', 'INDEX RUNS'],
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
        node ? node.state : 'UNREACHABLE',
        node ? node.instance : DASH,
        registered,
        node ? node.version : DASH,
        !node ? DASH : node.lastCheckpointAgeMs < 0 ? 'none yet' : formatAge(node.lastCheckpointAgeMs),
        node ? String(node.indexRuns) : DASH,
      ];
    }),
  );

  const links = textTable(
    ['LINK', 'STATE', 'HEALTH', 'LAG (RECORDS)', 'RATE', 'HALTED'],
    status.links.map((l) => [
      `${l.fromRegion} → ${l.toRegion}`,
      l.state ?? DASH,
      l.health,
      l.lagRecords === null ? DASH : String(l.lagRecords),
      l.recordsPerSecond === null ? DASH : formatRate(l.recordsPerSecond),
      l.haltedPartitions === null ? DASH : String(l.haltedPartitions),
    ]),
  );

  const problems = [
    ...status.regions
      .filter((r) => !r.isReachable)
      .map((r) => `  ${r.region} (${r.grpcAddress}): ${r.error ?? 'no answer'}\n`),
    ...(status.etcd.isReachable ? [] : [`  etcd: ${status.etcd.error ?? 'no answer'}\n`]),
  ];
  const halted = status.regions.flatMap((r) =>
    (r.node?.links ?? []).flatMap((l) =>
      l.halted.map((h) => `  ${l.fromRegion} → ${l.toRegion} ${h.topic}/${h.partition}: ${h.reason}\n`),
    ),
  );
  return (
    head +
    regions +
    '\n' +
    links +
    (problems.length > 0 ? `\nnot answering:\n${problems.join('')}` : '') +
    (halted.length > 0 ? `\nhalted partitions:\n${halted.join('')}` : '')
  );
}
