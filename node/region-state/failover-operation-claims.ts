/**
 * Who runs the failover operations of one kind and pair of regions right now, mesh-wide: a call claims
 * `failover-claims/<kind>/<from>/<to>` (relative to the mesh prefix) before it opens or resumes an
 * operation, on a lease of its own, and revokes the lease when it ends. While the claim exists no other call
 * — of this node or of another instance of the region (work sharing) — can open, resume or run an operation
 * of that kind and regions; a node killed mid-call lets its claim go when its lease's TTL runs out.
 *
 * The claim's value (JSON v1: `{"v":1,"holder":…,"since":…}`) names the instance holding it, for the
 * refusal's message and `geomesh status`.
 */
import { GeomeshError, isGeomeshError } from '../../base/index.ts';
import type {
  CoordinationLease,
  DocumentStore,
  LeaseGranter,
  SignalOptions,
} from '../coordination-ports/index.ts';
import type { FailoverOperationKind } from './failover-operation-record.ts';

export const FAILOVER_CLAIMS_PREFIX = 'failover-claims/';

/** The operations one claim covers. */
export interface ClaimScope {
  readonly kind: FailoverOperationKind;
  readonly from: string;
  readonly to: string;
}

/** `failover-claims/<kind>/<from>/<to>` (region names are single key segments). */
export function operationClaimKey(scope: ClaimScope): string {
  return `${FAILOVER_CLAIMS_PREFIX}${scope.kind}/${scope.from}/${scope.to}`;
}

/** Who holds a claim, as its value names it. */
export interface ClaimHolder {
  readonly holder: string;
  /** ISO-8601; "" when the value could not be read. */
  readonly since: string;
}

/** The claims held now, by `operationClaimKey`. */
export async function listClaims(
  store: Pick<DocumentStore, 'list'>,
  options: SignalOptions = {},
): Promise<Map<string, ClaimHolder>> {
  const range = await store.list(FAILOVER_CLAIMS_PREFIX, options);
  return new Map(range.entries.map((e) => [e.key, holderOf(e.value)]));
}

/** A claim held: it ends when `signal` aborts (its lease lost or revoked). */
export interface HeldClaim {
  readonly signal: AbortSignal;
  /** Ends the claim (revokes its lease, which deletes the key). Idempotent; never rejects. */
  release(): Promise<void>;
}

export interface FailoverOperationClaimsOptions {
  store: Pick<DocumentStore, 'get' | 'put'> & LeaseGranter;
  /** Who claims: the node instance, as `geomesh status` names it. */
  holder: string;
  /** The lease's TTL: how long a killed holder keeps others waiting. */
  ttlMs: number;
  now?: () => Date;
}

function holderOf(value: Buffer | undefined): ClaimHolder {
  try {
    const parsed = JSON.parse(value?.toString() ?? '') as { v?: unknown; holder?: unknown; since?: unknown };
    if (parsed.v === 1 && typeof parsed.holder === 'string' && typeof parsed.since === 'string')
      return { holder: parsed.holder, since: parsed.since };
  } catch {
    // An unreadable value still names a claim: described as unknown below.
  }
  return { holder: 'an unknown holder', since: '' };
}

export class FailoverOperationClaims {
  readonly #options: FailoverOperationClaimsOptions;

  constructor(options: FailoverOperationClaimsOptions) {
    this.#options = options;
  }

  /**
   * Claims `scope` for one call. Rejects with GEOMESH_COORD_CONFLICT (details: key, holder, since) while
   * another call holds it, and with etcd's error when it cannot be reached.
   */
  async take(scope: ClaimScope, options: SignalOptions = {}): Promise<HeldClaim> {
    const { store, holder, ttlMs } = this.#options;
    const key = operationClaimKey(scope);
    const lease: CoordinationLease = await store.grantLease({ ttlMs, ...options });
    const since = (this.#options.now ?? (() => new Date()))().toISOString();
    try {
      await store.put(key, JSON.stringify({ v: 1, holder, since }), {
        mustNotExist: true,
        lease,
        ...options,
      });
    } catch (err) {
      await lease.revoke().catch(() => undefined);
      if (!isGeomeshError(err, 'GEOMESH_COORD_CONFLICT')) throw err;
      const found = holderOf((await store.get(key, options).catch(() => undefined))?.value);
      throw new GeomeshError(
        'GEOMESH_COORD_CONFLICT',
        `${found.holder} is running the ${scope.kind} ${scope.from} → ${scope.to}` +
          (found.since ? ` (since ${found.since})` : ''),
        { cause: err, details: { key, holder: found.holder, since: found.since } },
      );
    }
    let released: Promise<void> | undefined;
    return {
      signal: lease.signal,
      release: () => (released ??= lease.revoke().catch(() => undefined)),
    };
  }
}
