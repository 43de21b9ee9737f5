/**
 * Where a mesh's topology lives in etcd (keys relative to the mesh prefix `/geomesh/<mesh>/`) and the value
 * stored there: JSON, versioned by name.
 *
 * - `topology/current`         the version nodes run: a record v1, rewritten by each apply (compare-and-swap)
 * - `topology/versions/<n>`    the record of version n, written once when n is applied and never changed
 *
 * Record v1: `{"v":1,"version":3,"hash":"<sha256 hex of canonical>","appliedAt":"<ISO-8601>","canonical":"<text>"}`.
 * `canonical` is `TopologyConfig.toCanonicalJSON()` as a string (so the hash covers exactly those bytes): it keeps
 * `${ENV}` references and never holds a secret value.
 */
import { contentHash } from '../../topology/index.ts';
import { GeomeshError } from '../../base/index.ts';

/** The key of the current version. */
export const TOPOLOGY_CURRENT_KEY = 'topology/current';
/** The prefix of the immutable per-version history. */
export const TOPOLOGY_VERSIONS_PREFIX = 'topology/versions/';

/** `topology/versions/<n>` (n in decimal, not padded). */
export function topologyVersionKey(version: number): string {
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new GeomeshError('GEOMESH_INTERNAL_INVARIANT', `topology version must be ≥ 1, got ${version}`);
  }
  return `${TOPOLOGY_VERSIONS_PREFIX}${version}`;
}

/** The version named by a `topology/versions/<n>` key, or undefined for any other key. */
export function parseTopologyVersionKey(key: string): number | undefined {
  const match = /^topology\/versions\/([1-9][0-9]*)$/.exec(key);
  const version = match ? Number(match[1]) : NaN;
  return Number.isSafeInteger(version) ? version : undefined;
}

/** One applied version of the topology, as stored. */
export interface TopologyRecord {
  /** 1, 2, 3, ... in the order they were applied; never reused. */
  readonly version: number;
  /** SHA-256 (hex) of `canonical`: the topology's content hash. */
  readonly hash: string;
  /** When it was applied (ISO-8601, the applying client's clock). */
  readonly appliedAt: string;
  /** The canonical JSON form of the topology, `${ENV}` references kept. */
  readonly canonical: string;
}

/** Encodes a topology record (format version 1). Field order is fixed, so equal records give equal bytes. */
export function encodeTopologyRecordV1(record: TopologyRecord): Buffer {
  return Buffer.from(
    JSON.stringify({
      v: 1,
      version: record.version,
      hash: record.hash,
      appliedAt: record.appliedAt,
      canonical: record.canonical,
    }),
    'utf8',
  );
}

function corrupt(key: string, problem: string, cause?: unknown): GeomeshError {
  return new GeomeshError(
    'GEOMESH_COORD_CORRUPT',
    `topology record ${key}: ${problem} (re-apply the topology file with \`geomesh topology apply FILE\`)`,
    { ...(cause !== undefined && { cause }), details: { key } },
  );
}

/**
 * Decodes a record written by `encodeTopologyRecordV1`; anything else (not JSON, another format version, a
 * missing field, a hash that does not match the canonical text) is rejected with GEOMESH_COORD_CORRUPT, so a node
 * never runs a half-understood topology. `key` only names the culprit in errors.
 */
export function decodeTopologyRecordV1(value: Buffer, key = TOPOLOGY_CURRENT_KEY): TopologyRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (err) {
    throw corrupt(key, 'value is not JSON', err);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw corrupt(key, 'value is not a JSON object');
  }
  const record = parsed as Record<string, unknown>;
  if (record['v'] !== 1) {
    throw corrupt(
      key,
      `unsupported format version ${JSON.stringify(record['v'])} (this geomesh reads version 1)`,
    );
  }
  const version = record['version'];
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
    throw corrupt(key, '"version" must be an integer ≥ 1');
  }
  for (const field of ['hash', 'appliedAt', 'canonical'] as const) {
    if (typeof record[field] !== 'string' || record[field] === '') {
      throw corrupt(key, `"${field}" must be a non-empty string`);
    }
  }
  const hash = record['hash'] as string;
  const canonical = record['canonical'] as string;
  if (contentHash(canonical) !== hash) throw corrupt(key, `"hash" does not match the canonical text`);
  return { version, hash, appliedAt: record['appliedAt'] as string, canonical };
}
