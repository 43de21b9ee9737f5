/**
 * The value stored at `nodes/<region>/<id>`: JSON, versioned by name. `encodeMemberV1` writes
 * `{"v":1,"region":…,"id":…,"address":…,"version":…,"startedAt":…}`, plus `"httpAddress":…` when the member
 * has one, and `"provenanceKeyId":…,"acceptedKeyIds":[…]` (key ids, never keys) when the member says (optional:
 * readers that predate them ignore them as unknown fields); `decodeMemberV1` reads it back and
 * rejects anything else with GEOMESH_COORD_CORRUPT, so a reader never acts on a half-understood member.
 */
import { GeomeshError } from '../../base/index.ts';
import type { MemberInfo } from '../coordination-ports/index.ts';

const FIELDS = ['region', 'id', 'address', 'version', 'startedAt'] as const;

/** Encodes a member announcement (format version 1). */
export function encodeMemberV1(member: MemberInfo): Buffer {
  return Buffer.from(
    JSON.stringify({
      v: 1,
      region: member.region,
      id: member.id,
      address: member.address,
      version: member.version,
      startedAt: member.startedAt,
      ...(member.httpAddress !== undefined && { httpAddress: member.httpAddress }),
      ...(member.provenanceKeyId !== undefined && {
        provenanceKeyId: member.provenanceKeyId,
        acceptedKeyIds: [...(member.acceptedKeyIds ?? [])],
      }),
    }),
    'utf8',
  );
}

/** Decodes a member announcement written by `encodeMemberV1`; `key` only names the culprit in errors. */
export function decodeMemberV1(value: Buffer, key = '(unknown key)'): MemberInfo {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (err) {
    throw new GeomeshError('GEOMESH_COORD_CORRUPT', `member ${key}: value is not JSON`, {
      cause: err,
      details: { key },
    });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new GeomeshError('GEOMESH_COORD_CORRUPT', `member ${key}: value is not a JSON object`, {
      details: { key },
    });
  }
  const record = parsed as Record<string, unknown>;
  if (record['v'] !== 1) {
    throw new GeomeshError(
      'GEOMESH_COORD_CORRUPT',
      `member ${key}: unsupported format version ${JSON.stringify(record['v'])} (this node reads version 1)`,
      { details: { key } },
    );
  }
  for (const field of FIELDS) {
    if (typeof record[field] !== 'string' || record[field] === '') {
      throw new GeomeshError(
        'GEOMESH_COORD_CORRUPT',
        `member ${key}: "${field}" must be a non-empty string`,
        {
          details: { key, field },
        },
      );
    }
  }
  const httpAddress = record['httpAddress'];
  if (httpAddress !== undefined && (typeof httpAddress !== 'string' || httpAddress === '')) {
    throw new GeomeshError(
      'GEOMESH_COORD_CORRUPT',
      `member ${key}: "httpAddress" must be a non-empty string when present`,
      { details: { key, field: 'httpAddress' } },
    );
  }
  const keyId = record['provenanceKeyId'];
  const accepted = record['acceptedKeyIds'];
  if (
    keyId !== undefined &&
    (typeof keyId !== 'string' ||
      !Array.isArray(accepted) ||
      !accepted.every((a): a is string => typeof a === 'string'))
  ) {
    throw new GeomeshError(
      'GEOMESH_COORD_CORRUPT',
      `member ${key}: "provenanceKeyId" must be a string and "acceptedKeyIds" a list of strings when present`,
      { details: { key, field: 'provenanceKeyId' } },
    );
  }
  return {
    region: record['region'] as string,
    id: record['id'] as string,
    address: record['address'] as string,
    version: record['version'] as string,
    startedAt: record['startedAt'] as string,
    ...(httpAddress !== undefined && { httpAddress }),
    ...(typeof keyId === 'string' && { provenanceKeyId: keyId, acceptedKeyIds: accepted as string[] }),
  };
}
