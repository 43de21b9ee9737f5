/**
 * Origin headers: what a replicated record carries so every node can tell where it was first produced,
 * and verify that claim.
 *
 *   geomesh.origin         region where the record was first produced (UTF-8)
 *   geomesh.origin.offset  its offset in that region's partition (decimal)
 *   geomesh.origin.mac     provenance tag, one of
 *                            v2: version byte 2, the 8-byte id of the key that made it, 16 bytes of
 *                                HMAC-SHA256 (also covering the key id); what nodes write
 *                            v1: version byte 1, 16 bytes of HMAC-SHA256; written before key ids, still read
 *
 * The tag is keyed by a mesh provenance key (a secret the nodes share; see provenance-keys.ts for key sets
 * and ids) and covers the mesh, origin, origin offset, topic, partition, key and value. Not the timestamp: a target topic with LogAppendTime
 * rewrites it, and a replica must still verify there. An application record that carries
 * `geomesh.*` headers of its own has no valid tag, so it is treated as local to its cluster: it is
 * replicated like any local record, and its headers are kept (geomesh appends its own values after the
 * application's; readers take the last value of each header). A byte-identical replay of a replicated
 * record into the same topic and partition would verify, and is then a duplicate of the original
 * (documented limitation).
 *
 * Decoding with a key set has three outcomes. `replicated`: a held key verifies the tag. `local`: no geomesh
 * headers, or headers that are not a mesh tag (incomplete, a tag of no known version or size, an origin that
 * names no region of the mesh), or a v2 tag of a held key that does not verify (edited or forged: a mesh
 * node holding that key would have made a valid one). `unknown-key`: a well-formed tag claiming an origin of
 * the mesh that no held key can check, i.e. a v2 tag of a key id the node does not hold, or a v1 tag no held
 * key verifies. Such a record was most likely tagged by a mesh node with another key (a rotation not yet
 * rolled out, a wrong or stale key); taking it for a local record would copy it back as the source region's
 * own, which is the replication loop. So it is never re-originated: the link drops it where its claimed
 * origin would be dropped anyway, and otherwise halts the partition (or skips it by policy). The price: an
 * application that forges a well-formed mesh tag with a region name of the mesh halts a partition instead of
 * being replicated as local; that is loud and safe, never a loop.
 */
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { KEY_ID_BYTES, ProvenanceKeySet } from './provenance-keys.ts';

export const ORIGIN_HEADER = 'geomesh.origin';
export const ORIGIN_OFFSET_HEADER = 'geomesh.origin.offset';
export const ORIGIN_MAC_HEADER = 'geomesh.origin.mac';

const MAC_VERSION_1 = 1;
const MAC_VERSION_2 = 2;
const MAC_TAG_BYTES = 16;
const MAC_DOMAIN_V1 = 'geomesh-origin-v1';
const MAC_DOMAIN_V2 = 'geomesh-origin-v2';
/** Bytes of a v1 tag (version, MAC) and of a v2 tag (version, key id, MAC). */
const V1_BYTES = 1 + MAC_TAG_BYTES;
const V2_BYTES = 1 + KEY_ID_BYTES + MAC_TAG_BYTES;

/** Header values as kafkajs gives and takes them: one value or several for a repeated key. */
export type HeaderValue = Buffer | string | (Buffer | string)[] | undefined;
export type Headers = Record<string, HeaderValue>;

/** Sets a header as decoding does: a repeated name becomes an array, in order; `__proto__` an own property. */
export function putHeader(headers: Headers, name: string, value: Buffer | string | undefined): void {
  const current = Object.prototype.hasOwnProperty.call(headers, name) ? headers[name] : undefined;
  const next =
    current === undefined ? value : Array.isArray(current) ? [...current, value!] : [current, value!];
  if (name === '__proto__')
    Object.defineProperty(headers, name, {
      value: next,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  else headers[name] = next;
}

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
  | { kind: 'local'; hasForgedHeaders: boolean }
  /**
   * A well-formed mesh tag, claiming `origin`, that no held key can check: `keyId` of the key that made it
   * (v2), or null (a v1 tag no held key verifies). Never to be taken for a local record (see above).
   */
  | { kind: 'unknown-key'; origin: Origin; keyId: string | null };

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

/** What codecs take: a key set, or one key (a set of that key alone). */
export type ProvenanceKeys = ProvenanceKeySet | ProvenanceKey;

const singleKeySets = new WeakMap<object, ProvenanceKeySet>();

/** The key set of `keys`; a single key's set is made once per key object. */
export function toProvenanceKeySet(keys: ProvenanceKeys): ProvenanceKeySet {
  if (keys instanceof ProvenanceKeySet) return keys;
  let set = singleKeySets.get(keys);
  if (!set) {
    set = new ProvenanceKeySet(Buffer.isBuffer(keys) ? keys : keys.export());
    singleKeySets.set(keys, set);
  }
  return set;
}

/**
 * The bytes a tag covers: each field length-prefixed (int32, -1 for null) so no two different field lists
 * hash alike: the version's domain (and key id), then mesh, origin region, origin offset, topic, partition,
 * key and value. They are laid out in one scratch buffer and hashed with one update: an update per field cost
 * more than the hashing itself (measured ABAB, docs/benchmarks.md). The prefix up to the mesh is the same for
 * every record of a key and mesh, and is made once.
 */
let scratch = Buffer.allocUnsafe(64 * 1024);

/** Length prefix and bytes of one field at `at` in `into`; returns the end. */
function putField(into: Buffer, at: number, field: Buffer | string | null): number {
  if (field === null) return into.writeInt32BE(-1, at);
  if (typeof field === 'string') {
    const n = into.write(field, at + 4, 'utf8');
    into.writeInt32BE(n, at);
    return at + 4 + n;
  }
  into.writeInt32BE(field.length, at);
  field.copy(into, at + 4);
  return at + 4 + field.length;
}

/** Prefixes by version, key id and mesh (a handful: one per held key and mesh). */
const prefixes = new Map<string, Buffer>();
/** The prefix asked for last (every record of a link asks for the same one). */
let lastPrefix: { domain: string; keyIdHex: string; mesh: string; prefix: Buffer } | undefined;

function claimPrefix(domain: string, keyIdHex: string, keyId: Buffer | null, mesh: string): Buffer {
  const last = lastPrefix;
  if (last && last.domain === domain && last.keyIdHex === keyIdHex && last.mesh === mesh) return last.prefix;
  const name = `${domain}\u0000${keyIdHex}\u0000${mesh}`;
  let prefix = prefixes.get(name);
  if (!prefix) {
    const bytes = Buffer.alloc(16 + domain.length * 3 + (keyId?.length ?? 0) + mesh.length * 3);
    let at = putField(bytes, 0, domain);
    if (keyId) at = putField(bytes, at, keyId);
    prefix = Buffer.from(bytes.subarray(0, putField(bytes, at, mesh)));
    if (prefixes.size > 1_000) prefixes.clear();
    prefixes.set(name, prefix);
  }
  lastPrefix = { domain, keyIdHex, mesh, prefix };
  return prefix;
}

/**
 * HMAC-SHA256 of `prefix` followed by the claim of `origin` for `record`. (HMAC spelled out as two one-shot
 * `crypto.hash()` calls over pads prepared once per key was tried: no gain at 100 B, more CPU at 1 KiB.)
 */
function claimDigest(key: ProvenanceKey, prefix: Buffer, origin: Origin, record: RecordIdentity): Buffer {
  const region = origin.region;
  const offset = String(origin.offset);
  const partition = String(record.partition);
  const most =
    prefix.length +
    20 +
    3 * (region.length + offset.length + record.topic.length + partition.length) +
    (record.key?.length ?? 0) +
    (record.value?.length ?? 0) +
    16;
  if (scratch.length < most) scratch = Buffer.allocUnsafe(most * 2);
  let at = prefix.copy(scratch, 0);
  at = putField(scratch, at, region);
  at = putField(scratch, at, offset);
  at = putField(scratch, at, record.topic);
  at = putField(scratch, at, partition);
  at = putField(scratch, at, record.key);
  at = putField(scratch, at, record.value);
  // update() copies what it is given before it returns, so the scratch buffer is free again.
  return createHmac('sha256', key).update(scratch.subarray(0, at)).digest();
}

/**
 * Room for a tag that its maker fills to the last byte: a slice of Node's shared buffer pool. `Buffer.alloc`
 * gave every record's tag an ArrayBuffer and a zeroed allocation of its own, which a fetch's worth of records
 * in flight kept alive (at 100 B, about a quarter of the node's heap and external memory; docs/benchmarks.md).
 */
function pooledTag(bytes: number): Buffer {
  return Buffer.allocUnsafe(bytes);
}

/** The v1 provenance tag of a record's origin claim. */
export function computeOriginMac(
  key: ProvenanceKey,
  mesh: string,
  origin: Origin,
  record: RecordIdentity,
): Buffer {
  const tag = pooledTag(V1_BYTES);
  tag.writeUInt8(MAC_VERSION_1, 0);
  claimDigest(key, claimPrefix(MAC_DOMAIN_V1, '', null, mesh), origin, record).copy(tag, 1, 0, MAC_TAG_BYTES);
  return tag;
}

/** Key ids (hex) as bytes, made once per id. */
const keyIdBytes = new Map<string, Buffer>();

/** The v2 provenance tag of a record's origin claim, made with the key of id `keyId` (hex). */
export function computeOriginMacV2(
  key: ProvenanceKey,
  keyId: string,
  mesh: string,
  origin: Origin,
  record: RecordIdentity,
): Buffer {
  let id = keyIdBytes.get(keyId);
  if (!id) {
    id = Buffer.from(keyId, 'hex');
    if (keyIdBytes.size > 1_000) keyIdBytes.clear();
    keyIdBytes.set(keyId, id);
  }
  const tag = pooledTag(V2_BYTES);
  tag.writeUInt8(MAC_VERSION_2, 0);
  id.copy(tag, 1);
  claimDigest(key, claimPrefix(MAC_DOMAIN_V2, keyId, id, mesh), origin, record).copy(
    tag,
    1 + KEY_ID_BYTES,
    0,
    MAC_TAG_BYTES,
  );
  return tag;
}

/**
 * Returns `headers` plus the origin headers for `origin` (appended after any application values of the same
 * names). The input is not modified.
 */
export function encodeOriginHeaders(
  headers: Headers | undefined,
  provenanceKeys: ProvenanceKeys,
  mesh: string,
  origin: Origin,
  record: RecordIdentity,
): Headers {
  const { current } = toProvenanceKeySet(provenanceKeys);
  const out: Headers = { ...headers };
  appendHeader(out, ORIGIN_HEADER, origin.region);
  appendHeader(out, ORIGIN_OFFSET_HEADER, String(origin.offset));
  appendHeader(out, ORIGIN_MAC_HEADER, computeOriginMacV2(current.key, current.id, mesh, origin, record));
  return out;
}

/** Sets `name` to `value`, after any values it has (no closure per record: this runs for every record). */
function appendHeader(out: Headers, name: string, value: Buffer | string): void {
  const existing = out[name];
  out[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
}

/**
 * Reads and verifies a record's origin headers with a key set (see the top of this file for the three
 * outcomes). `meshRegions`: the regions of the mesh; an unverifiable tag claiming an origin outside it is an
 * application's (local). Without it every region name counts as the mesh's (the loop-safe reading).
 */
export function decodeOriginHeaders(
  headers: Headers | undefined,
  provenanceKeys: ProvenanceKeys,
  mesh: string,
  record: RecordIdentity,
  meshRegions?: ReadonlySet<string>,
): Provenance {
  if (!headers) return { kind: 'local', hasForgedHeaders: false };
  const region = lastValue(headers[ORIGIN_HEADER]);
  const offset = lastValue(headers[ORIGIN_OFFSET_HEADER]);
  const mac = lastValue(headers[ORIGIN_MAC_HEADER]);
  if (region === undefined && offset === undefined && mac === undefined)
    return { kind: 'local', hasForgedHeaders: false };
  const forged = { kind: 'local', hasForgedHeaders: true } as const;
  if (region === undefined || offset === undefined || mac === undefined) return forged;
  const offsetText = asString(offset);
  if (!/^(0|[1-9]\d{0,15})$/.test(offsetText)) return forged;
  const origin: Origin = { region: asString(region), offset: Number(offsetText) };
  const tag = asBuffer(mac);
  const keys = toProvenanceKeySet(provenanceKeys);
  const isMeshOrigin = meshRegions ? meshRegions.has(origin.region) : origin.region.length > 0;
  if (tag.length === V2_BYTES && tag[0] === MAC_VERSION_2) {
    const keyId = tag.subarray(1, 1 + KEY_ID_BYTES).toString('hex');
    const held = keys.key(keyId);
    if (!held) return isMeshOrigin ? { kind: 'unknown-key', origin, keyId } : forged;
    const expected = computeOriginMacV2(held.key, keyId, mesh, origin, record);
    return timingSafeEqual(tag, expected) ? { kind: 'replicated', origin } : forged;
  }
  if (tag.length === V1_BYTES && tag[0] === MAC_VERSION_1) {
    for (const held of keys.keys) {
      const expected = computeOriginMac(held.key, mesh, origin, record);
      if (timingSafeEqual(tag, expected)) return { kind: 'replicated', origin };
    }
    return isMeshOrigin ? { kind: 'unknown-key', origin, keyId: null } : forged;
  }
  return forged;
}
