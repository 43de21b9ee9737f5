/**
 * What the chaos run reads from the mesh: cheap record counts while it runs, and after the drain every
 * region's copy (auditTopic) and a consumer group translated between every ordered pair of regions, run
 * through `geomesh translate` as an operator would and checked against both logs (checkTranslation).
 */
import type { Translation } from '../../node/translation-service/index.ts';
import { runGeomeshToEnd } from '../../test/support/cli-process.ts';
import { auditTopic, type RegionAudit } from '../../test/support/mesh-audit.ts';
import {
  checkTranslation,
  commitOffsets,
  readTopicLog,
  type LogOptions,
  type TopicLog,
} from '../../test/support/translation-audit.ts';
import type { WanMesh } from '../../test/support/wan-mesh.ts';
import type { TranslationReport } from './audit.ts';

/** Records each region's partitions hold (log end minus start, summed); -1 for a region that did not answer. */
export async function topicCounts(mesh: WanMesh, topic: string): Promise<number[]> {
  return Promise.all(
    mesh.options.regions.map(async (r) => {
      const admin = mesh.kafka[r]!.admin();
      try {
        await admin.connect();
        const offsets = await admin.fetchTopicOffsets(topic);
        return offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
      } catch {
        return -1;
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    }),
  );
}

export async function auditRegions(mesh: WanMesh, topic: string): Promise<Record<string, RegionAudit>> {
  const audits: Record<string, RegionAudit> = {};
  for (const r of mesh.options.regions)
    audits[r] = await auditTopic(mesh.kafka[r]!, r, topic, mesh.options.mesh, Buffer.from(mesh.options.key));
  return audits;
}

/**
 * For every ordered pair (from, to): a group commits a random offset in each partition of `from`, `to`'s
 * node translates it (`geomesh translate --json`), and the answer is checked against both logs.
 */
export async function checkTranslations(
  mesh: WanMesh,
  topic: string,
  random: () => number,
  partitions = 3,
): Promise<TranslationReport[]> {
  const options: LogOptions = { mesh: mesh.options.mesh, key: Buffer.from(mesh.options.key), partitions };
  const logs: Record<string, TopicLog> = {};
  for (const r of mesh.options.regions) logs[r] = await readTopicLog(mesh.kafka[r]!, r, topic, options);
  const reports: TranslationReport[] = [];
  for (const from of mesh.options.regions) {
    for (const to of mesh.options.regions.filter((r) => r !== from)) {
      const group = `chaos-${from}-${to}`;
      const committed = Array.from({ length: partitions }, (_, p) => {
        const records = logs[from]!.get(p) ?? [];
        const end = records.length > 0 ? records[records.length - 1]!.offset + 1 : 0;
        return Math.floor(random() * (end + 1));
      });
      const report: TranslationReport = {
        group,
        from,
        to,
        source: '',
        lost: 0,
        duplicatesWithFilter: 0,
        plainDuplicates: 0,
      };
      reports.push(report);
      try {
        await commitOffsets(mesh.kafka[from]!, group, topic, committed);
        const result = await runGeomeshToEnd(
          [
            ...['translate', '--topology', mesh.topologyFile, '--group', group],
            ...['--from', from, '--to', to, '--node', mesh.grpcAddress(to), '--json'],
          ],
          { GEOMESH_PROVENANCE_KEY: mesh.options.key },
        );
        if (result.code !== 0)
          throw new Error(`geomesh translate exited ${result.code}: ${result.stderr.trim()}`);
        const translation = JSON.parse(result.stdout) as Translation;
        report.source = translation.source;
        const outcome = checkTranslation(translation, logs[from]!, logs[to]!, committed, options);
        report.lost = outcome.lost;
        report.duplicatesWithFilter = outcome.duplicatesWithFilter;
        report.plainDuplicates = outcome.plainDuplicates;
      } catch (err) {
        report.error = (err as Error).message;
      }
    }
  }
  return reports;
}
