/**
 * Agreement on provenance keys between this node and its peers, before data: records flow between two nodes
 * only while each one's tagging key is accepted by the other (`keyMismatch`). What a peer holds is heard, by
 * key id only, from its heartbeats (Peer.Ping carries the sender's key ids both ways) and from its
 * registration in etcd (read before the links start, and while the peer does not answer). Each change of a
 * peer's verdict is handed to `onChange` (the region node pauses or resumes the link from that peer) and logged.
 *
 * Verdict per peer: unknown (nothing heard, or an older node that sends no key ids: no judgment, the
 * per-record rule is the safety net) → agree ⇄ mismatch. A heartbeat is fresher than etcd: etcd is used only
 * while no heartbeat was heard for `heartbeatTrustMs`.
 */
import type { Logger } from '../log/index.ts';
import { keyMismatch, type KeyFingerprints } from '../replication/index.ts';
import type { PeerKeys } from '../status/index.ts';
import { NODE_DEFAULTS } from '../config/index.ts';
import type { PeerDirectory } from './peer-directory.ts';

export type KeySource = 'heartbeat' | 'etcd';

export interface KeyAgreementOptions {
  region: string;
  self: KeyFingerprints;
  /** The other regions of the topology. */
  peers: readonly string[];
  /** A peer's verdict changed: `reason` (key ids only) while they disagree, undefined when they agree. */
  onChange(peer: string, reason: string | undefined): void;
  logger: Logger;
  /** How long a heartbeat's word outranks etcd's; default NODE_DEFAULTS.keyAgreement.heartbeatTrustMs. */
  heartbeatTrustMs?: number;
  now?: () => number;
}

interface Heard {
  /** Each instance's key ids (one for a heartbeat, every registered instance for etcd). */
  instances: KeyFingerprints[];
  source: KeySource;
  atMs: number;
  mismatch: string;
}

export class KeyAgreement {
  readonly #options: KeyAgreementOptions;
  readonly #now: () => number;
  readonly #heard = new Map<string, Heard>();

  constructor(options: KeyAgreementOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /**
   * What `peer` holds, as `source` says now. Instances that send no key id (older nodes) are left out; with
   * none left nothing changes.
   */
  heard(peer: string, instances: readonly KeyFingerprints[], source: KeySource): void {
    if (peer === this.#options.region || !this.#options.peers.includes(peer)) return;
    const known = instances.filter((i) => i.currentKeyId !== '');
    if (known.length === 0) return;
    const now = this.#now();
    const before = this.#heard.get(peer);
    if (
      source === 'etcd' &&
      before?.source === 'heartbeat' &&
      now - before.atMs < (this.#options.heartbeatTrustMs ?? NODE_DEFAULTS.keyAgreement.heartbeatTrustMs)
    )
      return;
    const self = { region: this.#options.region, ...this.#options.self };
    const problems = [...new Set(known.flatMap((fp) => keyMismatch(self, { region: peer, ...fp })))];
    const mismatch = problems.join('; ');
    this.#heard.set(peer, {
      instances: known.map((fp) => ({
        currentKeyId: fp.currentKeyId,
        acceptedKeyIds: [...fp.acceptedKeyIds],
      })),
      source,
      atMs: now,
      mismatch,
    });
    if (before !== undefined && before.mismatch === mismatch) return;
    if (mismatch) {
      this.#options.logger.error(
        { peer, source, code: 'GEOMESH_REPLICATION_KEY_MISMATCH', mismatch },
        `provenance keys of ${this.#options.region} and ${peer} do not agree (${mismatch}): the links between ` +
          `them pause until they do; during a rotation add the new key to provenance.accept everywhere before ` +
          `any node tags with it, and check the key of the node started last`,
      );
    } else if (before?.mismatch) {
      this.#options.logger.info({ peer, source }, `provenance keys of ${peer} agree again`);
    }
    this.#options.onChange(peer, mismatch || undefined);
  }

  /** Whether `peer` is known to disagree. */
  isMismatched(peer: string): boolean {
    return !!this.#heard.get(peer)?.mismatch;
  }

  /** Each peer region's keys as last heard, sorted by region (the status). */
  status(): PeerKeys[] {
    return [...this.#options.peers].sort().map((region) => {
      const heard = this.#heard.get(region);
      const first = heard?.instances[0];
      return {
        region,
        currentKeyId: heard ? [...new Set(heard.instances.map((i) => i.currentKeyId))].join(',') : '',
        acceptedKeyIds: first ? [...new Set(heard.instances.flatMap((i) => i.acceptedKeyIds))].sort() : [],
        source: heard?.source ?? '',
        mismatch: heard?.mismatch ?? '',
      };
    });
  }
}

/**
 * Hears the peers' key ids from their registrations in etcd (once the directory follows etcd, waiting at
 * most `waitMs` for it): every instance of a region counts. Ignored for peers whose heartbeats are fresh.
 */
export async function hearKeysFromEtcd(
  directory: Pick<PeerDirectory, 'state' | 'members'>,
  agreement: KeyAgreement,
  waitMs: number,
): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (directory.state !== 'following' && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  const byRegion = new Map<string, KeyFingerprints[]>();
  for (const m of directory.members()) {
    if (!m.provenanceKeyId) continue;
    const list = byRegion.get(m.region) ?? [];
    list.push({ currentKeyId: m.provenanceKeyId, acceptedKeyIds: m.acceptedKeyIds ?? [] });
    byRegion.set(m.region, list);
  }
  for (const [region, instances] of byRegion) agreement.heard(region, instances, 'etcd');
}
