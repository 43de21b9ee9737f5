/**
 * The failover-aware consumer's half of exact translation. A translated offset loses nothing but may be
 * followed by a few records the group already consumed in the region it left (in active-active topics,
 * records of several origins interleave differently in each region). Given the frontier the translation
 * returned, `FrontierFilter` says which records to skip, so failover has zero duplicates as well as zero
 * loss. A record's origin comes from its verified origin headers; a record without them was produced in the
 * cluster being read (`region`), its origin offset its own offset.
 */
import { decodeOriginHeaders, ProvenanceKeySet, type Headers } from '../replication/index.ts';
import type { Frontier } from './translate.ts';

/** A record as a consumer sees it (kafkajs's message shape is assignable to it). */
export interface ConsumedRecord {
  offset: string | number;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: Headers;
}

export interface FrontierFilterOptions {
  mesh: string;
  /** The region whose cluster the consumer reads (records without origin headers are its own). */
  region: string;
  /** The mesh's provenance key, to verify origin headers: an application header is never trusted. */
  provenanceKey: Buffer | string;
  /** More keys to verify with (e.g. a rotation's previous key: records written before it); default none. */
  acceptedProvenanceKeys?: readonly (Buffer | string)[];
  /** Per `topic/partition`, the frontier the translation answered with. */
  frontiers: ReadonlyMap<string, Frontier>;
}

export class FrontierFilter {
  readonly #options: FrontierFilterOptions;
  readonly #keys: ProvenanceKeySet;
  /** Per `topic/partition`: records skipped so far. */
  readonly #skipped = new Map<string, number>();

  constructor(options: FrontierFilterOptions) {
    this.#options = options;
    this.#keys = new ProvenanceKeySet(options.provenanceKey, options.acceptedProvenanceKeys ?? []);
  }

  /** True when the group already consumed this record in the region it failed over from: skip it. */
  isAlreadySeen(topic: string, partition: number, record: ConsumedRecord): boolean {
    const frontier = this.#options.frontiers.get(`${topic}/${partition}`);
    if (!frontier) return false;
    const provenance = decodeOriginHeaders(record.headers, this.#keys, this.#options.mesh, {
      topic,
      partition,
      timestamp: record.timestamp,
      key: record.key,
      value: record.value,
    });
    // Only a verified claim is used: a tag of a key not held here (give it as an accepted key) could skip a
    // record the group never saw; read as local, the worst is a record seen twice.
    const origin =
      provenance.kind === 'replicated'
        ? provenance.origin
        : { region: this.#options.region, offset: Number(record.offset) };
    const isSeen = origin.offset <= (frontier.get(origin.region) ?? -1);
    if (isSeen)
      this.#skipped.set(`${topic}/${partition}`, (this.#skipped.get(`${topic}/${partition}`) ?? 0) + 1);
    return isSeen;
  }

  /** Records skipped so far, per `topic/partition`. */
  get skipped(): ReadonlyMap<string, number> {
    return this.#skipped;
  }
}
