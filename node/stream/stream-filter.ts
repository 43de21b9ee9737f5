/**
 * Which records of the serving region X's own partition a requesting region R needs over the stream: those
 * the link X → R would not drop by origin — the same per-record rule the link applies (`decideForward`), with
 * the provenance verified by X's keys, and without R's marks (R drops what it already holds when it writes).
 * A record whose tag X cannot verify still goes when R might have to write it: R verifies with its own keys
 * and halts or skips it by its policy, exactly as on a pull. Pure.
 */
import {
  decideForward,
  decodeOriginHeaders,
  OriginHighwater,
  type LinkContext,
  type ProvenanceKeys,
  type SourceRecord,
} from '../replication/index.ts';

/** What the filter needs of the serving node and the requested link. */
export interface StreamFilterContext {
  mesh: string;
  /** The link X → R as R's node runs it (X is the serving region). */
  link: LinkContext;
  /** The serving node's keys (current + accepted). */
  provenanceKeys: ProvenanceKeys;
  /** The mesh's regions (an unverifiable tag claiming an origin outside it is an application's). */
  meshRegions?: ReadonlySet<string>;
}

/** Holds no marks: the source side never judges duplicates. */
const NO_MARKS = new OriginHighwater();

/** The records of `records` (one partition of X, in offset order) that R needs from X. */
export function neededRecords(records: readonly SourceRecord[], ctx: StreamFilterContext): SourceRecord[] {
  const needed: SourceRecord[] = [];
  for (const record of records) {
    const provenance = decodeOriginHeaders(
      record.headers,
      ctx.provenanceKeys,
      ctx.mesh,
      record,
      ctx.meshRegions,
    );
    if (decideForward(ctx.link, provenance, record, NO_MARKS).action !== 'drop') needed.push(record);
  }
  return needed;
}
