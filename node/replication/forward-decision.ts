/**
 * The per-record rule of link X → R (pure): write the record into R, or drop it and say why.
 *
 * 1. Provenance: verified origin headers make the record a replica of (origin, origin offset); otherwise it
 *    is local to X, with origin X and origin offset = its offset in X. A record whose tag was made by a mesh
 *    key the node does not hold (`unknown-key`) is never taken for a local record: its claimed origin goes
 *    through rules 2-4 like a verified one (a drop is safe whatever the claim), and where it would be written
 *    the answer is `unverifiable`: the link must not write it (it halts the partition, or skips the record).
 * 2. Loop: a record whose origin is R is never written back into R.
 * 3. Routing: the link forwards origin O only if X is R's parent in O's forwarding tree (the topology says);
 *    other origins reach R over another link.
 * 4. Idempotence: an origin offset at or below R's high-water mark for (topic, partition, O) was written
 *    already.
 */
import type { OriginHighwater } from './origin-highwater.ts';
import type { Origin, Provenance } from './origin-headers.ts';

export type DropReason = 'loop' | 'not-forwarded' | 'duplicate';

export type ForwardDecision =
  | { action: 'write'; origin: Origin; isReplica: boolean }
  | { action: 'drop'; reason: DropReason; origin: Origin }
  /** Tagged by a key the node does not hold, and the link would have to write it: halt or skip, never write. */
  | { action: 'unverifiable'; origin: Origin; keyId: string | null };

export interface LinkContext {
  /** Source region X. */
  from: string;
  /** Target region R. */
  to: string;
  /** Whether this link carries records of `origin` (X is R's parent in origin's tree). */
  forwardsOrigin(origin: string): boolean;
}

export function decideForward(
  link: LinkContext,
  provenance: Provenance,
  record: { topic: string; partition: number; offset: number },
  highwater: OriginHighwater,
): ForwardDecision {
  const isReplica = provenance.kind === 'replicated';
  const origin: Origin =
    provenance.kind === 'local' ? { region: link.from, offset: record.offset } : provenance.origin;
  if (origin.region === link.to) return { action: 'drop', reason: 'loop', origin };
  if (!link.forwardsOrigin(origin.region)) return { action: 'drop', reason: 'not-forwarded', origin };
  if (highwater.isDuplicate(record.topic, record.partition, origin.region, origin.offset)) {
    return { action: 'drop', reason: 'duplicate', origin };
  }
  if (provenance.kind === 'unknown-key') return { action: 'unverifiable', origin, keyId: provenance.keyId };
  return { action: 'write', origin, isReplica };
}
