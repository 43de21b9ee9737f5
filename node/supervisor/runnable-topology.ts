/** Whether a topology can run a region's node, and what of it that node runs (to skip no-op reloads). */
import { didYouMean, type TopologyConfig } from '../../topology/index.ts';

/** Why `config` cannot run `region`, or undefined when it can; `source` names the topology (a file, a version). */
export function unrunnable(config: TopologyConfig, region: string, source: string): string | undefined {
  if (!config.hasRegion(region)) {
    const names = config.regions.map((r) => r.name);
    const hint = didYouMean(region, names);
    return `${source} has no region "${region}"${hint ? ` (did you mean "${hint}"?)` : ''}; regions: ${names.join(', ')}`;
  }
  if (!config.provenanceKey) {
    return (
      `${source} has no provenance key: add \`provenance: { key: "\${GEOMESH_PROVENANCE_KEY}" }\` ` +
      'and set that variable to the same random value (at least 32 characters) on every node of the mesh'
    );
  }
  return undefined;
}

/**
 * What of a topology the node of `region` runs on; two topologies with the same fingerprint run alike. It
 * holds secrets (it is compared, never logged or stored).
 */
export function regionFingerprint(config: TopologyConfig, region: string): string {
  const links = config.inboundLinks(region);
  return JSON.stringify({
    provenance: config.provenanceKey?.reveal(),
    provenanceAccept: config.provenanceAccept.map((k) => k.reveal()),
    onUnknownProvenanceKey: config.onUnknownProvenanceKey,
    clusters: [region, ...links.map((l) => l.from)].map((r) => config.region(r).kafka),
    links: links.map((l) => ({
      from: l.from,
      topics: l.topics,
      options: l.options,
      origins: config.originsForwardedBy(l.from, l.to),
    })),
  });
}
