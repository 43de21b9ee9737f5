/**
 * Origin headers: what a replicated record carries so every node can tell where it was first produced,
 * and verify that claim.
 *
 *   geomesh.origin         region where the record was first produced (UTF-8)
 *   geomesh.origin.offset  its offset in that region's partition (decimal)
 *   geomesh.origin.mac     provenance tag: 1 version byte, then 16 bytes of HMAC-SHA256 (codec v1)
 *
 * The tag is keyed by the mesh's provenance key (a secret every node has) and covers the mesh, origin,
 * origin offset, topic, partition, key and value. Not the timestamp: a target topic with LogAppendTime
 * rewrites it, and a replica must still verify there. An application record that carries
 * `geomesh.*` headers of its own has no valid tag, so it is treated as local to its cluster: it is
 * replicated like any local record, and its headers are kept (geomesh appends its own values after the
 * application's; readers take the last value of each header). A byte-identical replay of a replicated
 * record into the same topic and partition would verify, and is then a duplicate of the original
 * (documented limitation).
 */
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';

export const ORIGIN_HEADER = 'geomesh.origin';
export const ORIGIN_OFFSET_HEADER = 'geomesh.origin.offset';
export const ORIGIN_MAC_HEADER = 'geomesh.origin.mac';

const MAC_VERSION_1 = 1;
const MAC_TAG_BYTES = 16;
const MAC_DOMAIN_V1 = 'geomesh-origin-v1';

/** Header values as kafkajs gives and takes them: one value or several for a repeated key. */
export type HeaderValue = Buffer | string | (Buffer | string)[] | undefined;
export type Headers = Record<string, HeaderValue>;

/** What identifies a record for its provenance tag. */
export interface RecordIdentity {
  topic: string;
  partition: number;
  /** Milliseconds since the epoch, as the record carries it (decimal string). */
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
}

/** The origin of a record, as decoded from (verified) headers. */
export interface Origin {
  region: string;
  offset: number;
}

/** Provenance of a record read from a cluster. */
export type Provenance =
  | { kind: 'replicated'; origin: Origin }
  /** Local to the cluster it sits in. `hasForgedHeaders`: it carried geomesh headers without a valid tag. */
  | { kind: 'local'; hasForgedHeaders: boolean };

function lastValue(value: HeaderValue): Buffer | string | undefined {
  return Array.isArray(value) ? value[value.length - 1] : value;
}

function asString(value: Buffer | string): string {
  return typeof value === 'string' ? value : value.toString('utf8');
}

function asBuffer(value: Buffer | string): Buffer {
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
}

/** The provenance key: raw bytes, or (faster: prepared once) a KeyObject from `provenanceKeyObject`. */
export type ProvenanceKey = Buffer | KeyObject;

/** Prepares a provenance key once; HMAC with a prepared key skips per-record key setup. */
export function provenanceKeyObject(key: Buffer): KeyObject {
  return createSecretKey(key);
}

/** Length-prefixes a field so no two different field lists hash alike. */
function updateField(
  hmac: ReturnType<typeof createHmac>,
  field: Buffer | string | null,
  length: Buffer,
): void {
  if (field === null) {
    length.writeInt32BE(-1, 0);
    hmac.update(length);
    return;
  }
  const bytes = typeof field === 'string' ? Buffer.from(field, 'utf8') : field;
  length.writeInt32BE(bytes.length, 0);
  hmac.update(length);
  hmac.update(bytes);
}

/** The v1 provenance tag of a record's origin claim. */
export function computeOriginMac(
  key: ProvenanceKey,
  mesh: string,
  origin: Origin,
  record: RecordIdentity,
): Buffer {
  const hmac = createHmac('sha256', key);
  // hmac.update copies its input, so one 4-byte scratch buffer serves every length prefix.
  const length = Buffer.allocUnsafe(4);
  updateField(hmac, MAC_DOMAIN_V1, length);
  updateField(hmac, mesh, length);
  updateField(hmac, origin.region, length);
  updateField(hmac, String(origin.offset), length);
  updateField(hmac, record.topic, length);
  updateField(hmac, String(record.partition), length);
  updateField(hmac, record.key, length);
  updateField(hmac, record.value, length);
  const tag = Buffer.alloc(1 + MAC_TAG_BYTES);
  tag.writeUInt8(MAC_VERSION_1, 0);
  hmac.digest().copy(tag, 1, 0, MAC_TAG_BYTES);
  return tag;
}

/**
 * Returns `headers` plus the origin headers for `origin` (appended after any application values of the same
 * names). The input is not modified.
 */
export function encodeOriginHeaders(
  headers: Headers | undefined,
  provenanceKey: ProvenanceKey,
  mesh: string,
  origin: Origin,
  record: RecordIdentity,
): Headers {
  const out: Headers = { ...headers };
  const append = (name: string, value: Buffer | string): void => {
    const existing = out[name];
    out[name] =
      existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  };
  append(ORIGIN_HEADER, origin.region);
  append(ORIGIN_OFFSET_HEADER, String(origin.offset));
  append(ORIGIN_MAC_HEADER, computeOriginMac(provenanceKey, mesh, origin, record));
  return out;
}

/** Reads and verifies a record's origin headers. */
export function decodeOriginHeaders(
  headers: Headers | undefined,
  provenanceKey: ProvenanceKey,
  mesh: string,
  record: RecordIdentity,
): Provenance {
  if (!headers) return { kind: 'local', hasForgedHeaders: false };
  const region = lastValue(headers[ORIGIN_HEADER]);
  const offset = lastValue(headers[ORIGIN_OFFSET_HEADER]);
  const mac = lastValue(headers[ORIGIN_MAC_HEADER]);
  if (region === undefined && offset === undefined && mac === undefined)
    return { kind: 'local', hasForgedHeaders: false };
  if (region === undefined || offset === undefined || mac === undefined)
    return { kind: 'local', hasForgedHeaders: true };
  const offsetText = asString(offset);
  if (!/^(0|[1-9]\d{0,15})$/.test(offsetText)) return { kind: 'local', hasForgedHeaders: true };
  const origin: Origin = { region: asString(region), offset: Number(offsetText) };
  const tag = asBuffer(mac);
  const expected = computeOriginMac(provenanceKey, mesh, origin, record);
  const isValid = tag.length === expected.length && timingSafeEqual(tag, expected);
  return isValid ? { kind: 'replicated', origin } : { kind: 'local', hasForgedHeaders: true };
}
