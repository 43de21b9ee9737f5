/**
 * A region node's metric families on its registry: replication (with the per-link gauges read at scrape
 * time), provenance (the key ids the node holds, labelled current or accepted) and translation.
 */
import {
  createLinkPathMetrics,
  createProvenanceMetrics,
  type LinkPathMetrics,
  createReplicationMetrics,
  createTranslationMetrics,
  type ProvenanceMetrics,
  type Registry,
  type ReplicationMetrics,
  type TranslationMetrics,
} from '../observability/index.ts';
import type { LinkObserver, ProvenanceKeySet } from '../replication/index.ts';
import type { LinkPath, LinkPathObserver } from '../stream/index.ts';
import { linkObserver } from './link-observer.ts';
import type { CheckpointStore, OriginIndex } from '../translation/index.ts';
import type { RegionLink } from './worker-links.ts';

/** What the gauges read when scraped. */
export interface RegionMetricSources {
  links(): readonly RegionLink[];
  index: OriginIndex;
  checkpoints: CheckpointStore;
  groupPartitionsSynced(): number;
  /** Bytes received from each source region's cluster so far. */
  clusterReceivedBytes(): readonly { from: string; bytes: number }[];
}

export function createRegionMetrics(
  registry: Registry,
  keys: ProvenanceKeySet,
  sources: RegionMetricSources,
): {
  metrics: ReplicationMetrics;
  provenanceMetrics: ProvenanceMetrics;
  translationMetrics: TranslationMetrics;
  pathMetrics: LinkPathMetrics;
} {
  const metrics = createReplicationMetrics(registry, {
    sourceSilences: () => sources.links().map((l) => ({ from: l.from, to: l.to, ms: l.sourceSilenceMs() })),
    inflightBytes: () =>
      sources.links().map((l) => ({ from: l.from, to: l.to, bytes: l.window?.usedBytes ?? 0 })),
  });
  const provenanceMetrics = createProvenanceMetrics(registry);
  for (const id of keys.acceptedKeyIds)
    provenanceMetrics.keyInfo.labels(id, id === keys.currentKeyId ? 'current' : 'accepted').set(1);
  const translationMetrics = createTranslationMetrics(registry, {
    indexRuns: () => sources.index.runCount,
    checkpoints: () => sources.checkpoints.all(),
    groupPartitionsSynced: () => sources.groupPartitionsSynced(),
  });
  const pathMetrics = createLinkPathMetrics(registry, {
    clusterReceivedBytes: () => sources.clusterReceivedBytes(),
  });
  return { metrics, provenanceMetrics, translationMetrics, pathMetrics };
}

/**
 * Each inbound link's path switches, stream bytes and written bytes since the node started, kept beside the
 * metrics for the status report (which is built synchronously; the registry is read asynchronously).
 */
export class LinkTrafficTally {
  readonly #byFrom = new Map<string, { pathSwitches: number; streamBytes: number; writtenBytes: number }>();

  /** The counters of the link from `from` (made at first use). */
  of(from: string): { pathSwitches: number; streamBytes: number; writtenBytes: number } {
    let found = this.#byFrom.get(from);
    if (!found) this.#byFrom.set(from, (found = { pathSwitches: 0, streamBytes: 0, writtenBytes: 0 }));
    return found;
  }
}

/** The metrics of the link `from` → `region`: replication counters and records of unknown keys. */
export function regionLinkObserver(
  metrics: ReplicationMetrics,
  provenanceMetrics: ProvenanceMetrics,
  from: string,
  region: string,
  tally?: LinkTrafficTally,
): LinkObserver {
  const observer = linkObserver(metrics, from, region);
  return {
    ...observer,
    written: (written) => {
      observer.written(written);
      if (tally) tally.of(from).writtenBytes += written.bytes;
    },
    unknownKey: (count: number) => provenanceMetrics.unknownKeyRecords.labels(from, region).inc(count),
  };
}

/** The path metrics of the streaming link `from` → `region`. */
export function linkPathObserver(
  metrics: LinkPathMetrics,
  from: string,
  region: string,
  tally?: LinkTrafficTally,
): LinkPathObserver {
  let wire = 0;
  let plain = 0;
  let current: LinkPath | undefined;
  return {
    path: (path) => {
      if (current !== undefined) {
        metrics.switches.labels(from, region, path).inc();
        if (tally) tally.of(from).pathSwitches++;
      }
      current = path;
      for (const p of ['stream', 'pull'] as const)
        metrics.path.labels(from, region, p).set(p === path ? 1 : 0);
    },
    streamed: (wireBytes, uncompressedBytes) => {
      wire += wireBytes;
      if (tally) tally.of(from).streamBytes += wireBytes;
      plain += uncompressedBytes;
      metrics.streamReceivedBytes.labels(from, region).inc(wireBytes);
      metrics.streamUncompressedBytes.labels(from, region).inc(uncompressedBytes);
      if (wire > 0) metrics.streamCompressionRatio.labels(from, region).set(plain / wire);
    },
  };
}
