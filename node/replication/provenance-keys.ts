/**
 * Provenance key sets: the keys a node verifies origin tags with (its current key and the ones it accepts,
 * e.g. the previous key during a rotation) and the one it tags with (the current key).
 *
 * A key is known outside the node only by its key id: the first 8 bytes of HMAC-SHA256(key,
 * "geomesh-key-id-v1"), in hex (16 characters). The id names the key in v2 tags, heartbeats, etcd, metrics
 * and status; it does not reveal the key (HMAC is one-way), and two keys share an id with negligible odds.
 */
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';

/** Bytes of a key id (in a v2 tag); its text form is twice as many hex digits. */
export const KEY_ID_BYTES = 8;
const KEY_ID_DOMAIN = 'geomesh-key-id-v1';

/** The key id of a provenance key (hex): safe to log, store and show. */
export function provenanceKeyId(key: Buffer | string): string {
  return createHmac('sha256', key).update(KEY_ID_DOMAIN).digest().subarray(0, KEY_ID_BYTES).toString('hex');
}

const KEY_ID_PATTERN = new RegExp(`^[0-9a-f]{${KEY_ID_BYTES * 2}}$`);

/** Whether `text` has the form of a key id (what peers send is checked before it is believed). */
export function isKeyId(text: string): boolean {
  return KEY_ID_PATTERN.test(text);
}

/** Key ids only: what a node says of its keys to its peers, etcd and the status. */
export interface KeyFingerprints {
  /** Id of the key this node tags with. */
  currentKeyId: string;
  /** Ids of every key this node verifies with (the current one included), sorted. */
  acceptedKeyIds: readonly string[];
}

/** One key of a set: its id and the prepared key. */
export interface HeldKey {
  id: string;
  key: KeyObject;
}

/**
 * The keys of one node. Immutable; built once at start (HMAC with a prepared KeyObject skips per-record key
 * setup). Accepted keys equal to the current one, or empty, are ignored.
 */
export class ProvenanceKeySet implements KeyFingerprints {
  readonly current: HeldKey;
  readonly currentKeyId: string;
  readonly acceptedKeyIds: readonly string[];
  /** Every held key, the current one first. */
  readonly keys: readonly HeldKey[];
  readonly #byId: ReadonlyMap<string, HeldKey>;

  constructor(current: Buffer | string, accepted: readonly (Buffer | string)[] = []) {
    const toBuffer = (k: Buffer | string) => (typeof k === 'string' ? Buffer.from(k, 'utf8') : k);
    const held = (k: Buffer): HeldKey => ({ id: provenanceKeyId(k), key: createSecretKey(k) });
    this.current = held(toBuffer(current));
    this.currentKeyId = this.current.id;
    const byId = new Map<string, HeldKey>([[this.current.id, this.current]]);
    for (const raw of accepted) {
      const bytes = toBuffer(raw);
      if (bytes.length === 0) continue;
      const key = held(bytes);
      if (!byId.has(key.id)) byId.set(key.id, key);
    }
    this.#byId = byId;
    this.keys = Object.freeze([...byId.values()]);
    this.acceptedKeyIds = Object.freeze([...byId.keys()].sort());
    Object.freeze(this);
  }

  /** The held key of `id`, if any. */
  key(id: string): HeldKey | undefined {
    return this.#byId.get(id);
  }

  /** Key ids only. */
  fingerprints(): KeyFingerprints {
    return { currentKeyId: this.currentKeyId, acceptedKeyIds: [...this.acceptedKeyIds] };
  }
}

/**
 * Whether records may flow between two nodes: each one's tagging key is accepted by the other. When they do
 * not, what the other writes cannot be verified (and would look like local records): the links between them
 * must not replicate. Returns the problems, in words naming key ids only; [] when they agree.
 */
export function keyMismatch(
  self: { region: string } & KeyFingerprints,
  peer: { region: string } & KeyFingerprints,
): string[] {
  const problems: string[] = [];
  if (!self.acceptedKeyIds.includes(peer.currentKeyId))
    problems.push(
      `${peer.region} tags with key ${peer.currentKeyId}, which ${self.region} does not hold ` +
        `(${self.region} accepts ${self.acceptedKeyIds.join(', ')})`,
    );
  if (!peer.acceptedKeyIds.includes(self.currentKeyId))
    problems.push(
      `${self.region} tags with key ${self.currentKeyId}, which ${peer.region} does not hold ` +
        `(${peer.region} accepts ${peer.acceptedKeyIds.join(', ')})`,
    );
  return problems;
}
