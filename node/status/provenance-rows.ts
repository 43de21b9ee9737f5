/**
 * The provenance keys of the mesh as `geomesh status` shows them: per region, the key id its node tags with,
 * the other key ids it accepts, and where that puts it in a rotation (docs/topology.md, "Rotating the key");
 * then every disagreement a node reported. Key ids only: a key never reaches the status.
 *
 * Notes per region, compared with the other regions that answered:
 *   `steady`                      tags with the key every node tags with, accepts no other
 *   `accepts <ids> (none tags)`   also accepts keys no node tags with: rotation step 1 done (the new key is
 *                                 accepted), or step 2 done everywhere (the old key is ready to retire)
 *   `rolling: <r> tag(s) with <id>` another region still tags with an accepted key: step 2 under way
 *   `MISMATCH`                    a node reported a key set it does not agree with (links paused)
 * A region whose node did not answer is shown with the key ids its instance registered in etcd, marked so.
 */
import type { MeshStatus } from './status-types.ts';

export interface ProvenanceRows {
  /** [region, tags with, also accepts, note] per region whose node reported its keys. */
  rows: string[][];
  /** `region ↔ peer: why` per disagreement a node reported. */
  mismatches: string[];
}

export function provenanceRows(status: MeshStatus): ProvenanceRows {
  // A node that answered reports its keys; for one that did not, the key ids its instances registered in etcd.
  const reporting = status.regions.flatMap((r) => {
    if (r.node?.provenance) return [{ region: r.region, keys: r.node.provenance, isFromEtcd: false }];
    const registered = (r.instances ?? []).filter((i) => i.provenanceKeyId);
    if (registered.length === 0) return [];
    const first = registered[0]!;
    return [
      {
        region: r.region,
        keys: { currentKeyId: first.provenanceKeyId!, acceptedKeyIds: first.acceptedKeyIds ?? [], peers: [] },
        isFromEtcd: true,
      },
    ];
  });
  const mismatches = reporting.flatMap(({ region, keys }) =>
    keys.peers.filter((p) => p.mismatch).map((p) => `${region} ↔ ${p.region}: ${p.mismatch}`),
  );
  const taggers = new Map<string, string[]>();
  for (const { region, keys } of reporting)
    taggers.set(keys.currentKeyId, [...(taggers.get(keys.currentKeyId) ?? []), region]);
  const rows = reporting.map(({ region, keys, isFromEtcd }) => {
    const extras = keys.acceptedKeyIds.filter((id) => id !== keys.currentKeyId);
    const isMismatched = keys.peers.some((p) => p.mismatch);
    const stillTagging = extras.flatMap((id) => (taggers.get(id) ?? []).map((r) => `${r} tags with ${id}`));
    const note = isMismatched
      ? 'MISMATCH'
      : stillTagging.length > 0
        ? `rolling: ${stillTagging.join(', ')}`
        : extras.length > 0
          ? `accepts ${extras.join(', ')} (none tags)`
          : taggers.size === 1
            ? 'steady'
            : 'other regions tag with other keys';
    return [region, keys.currentKeyId, extras.join(', ') || '-', isFromEtcd ? `${note} (from etcd)` : note];
  });
  return { rows, mismatches };
}
