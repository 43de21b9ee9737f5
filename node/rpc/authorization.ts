/**
 * The authorisation hook of the RPC server: who is calling (bearer token, verified client certificate) and
 * whether that caller may call a protected method. See AuthorizationOptions for the rules. The token is
 * compared by SHA-256 digest in constant time and never logged; refusals are logged without credentials.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import type { Metadata, ServerUnaryCall } from '@grpc/grpc-js';
import { GeomeshError } from '../../base/index.ts';
import type { Logger } from '../log/index.ts';
import type { CallerIdentity } from './messages.ts';
import type { AuthorizationConfig } from './rpc-options.ts';

type AuthContext = ReturnType<ServerUnaryCall<unknown, unknown>['getAuthContext']>;

/** The allow-list identities of a verified client certificate: `CN=…` and its subject alternative names. */
export function certificateIdentities(certificate: PeerCertificate | undefined): string[] {
  if (!certificate || Object.keys(certificate).length === 0) return [];
  const identities: string[] = [];
  const cn = (certificate.subject as Record<string, string | string[] | undefined> | undefined)?.['CN'];
  for (const name of Array.isArray(cn) ? cn : cn === undefined ? [] : [cn]) identities.push(`CN=${name}`);
  // Node prints SANs as "DNS:a, IP Address:127.0.0.1, URI:spiffe://x"; values with ", " in them are quoted.
  for (const entry of (certificate.subjectaltname ?? '').split(/, (?=[A-Za-z ]+:)/)) {
    if (entry !== '') identities.push(entry.replace(/^([A-Za-z ]+):"(.*)"$/, '$1:$2'));
  }
  return identities;
}

/** The token of an `authorization: Bearer <token>` header; undefined when none; '' when malformed. */
function bearerTokenOf(metadata: Metadata): string | undefined {
  const values = metadata.get('authorization');
  if (values.length === 0) return undefined;
  const value = values.length === 1 && typeof values[0] === 'string' ? values[0] : '';
  const match = /^Bearer +(\S+)\s*$/i.exec(value);
  return match ? match[1]! : '';
}

/** Decides, per call, who is calling and whether a protected method lets them in. */
export class Authorizer {
  readonly #config: AuthorizationConfig;
  readonly #logger: Logger;

  constructor(config: AuthorizationConfig, logger: Logger) {
    this.#config = config;
    this.#logger = logger;
  }

  /**
   * The caller of `method`, when it may call it; else throws GEOMESH_RPC_UNAUTHENTICATED (no or invalid
   * credentials) or GEOMESH_RPC_PERMISSION_DENIED (a verified client certificate that is not allowed).
   */
  authorize(method: string, metadata: Metadata, auth: AuthContext, peerAddress: string): CallerIdentity {
    const { tokenDigest, allowedClientIdentities, protectedMethods } = this.#config;
    const token = bearerTokenOf(metadata);
    const hasValidToken =
      token !== undefined &&
      token !== '' &&
      tokenDigest !== undefined &&
      timingSafeEqual(createHash('sha256').update(token).digest(), tokenDigest);
    const caller: CallerIdentity = Object.freeze({
      certificateIdentities: Object.freeze(certificateIdentities(auth.sslPeerCertificate)),
      hasValidToken,
    });
    if (!protectedMethods.has(method)) return caller;
    if (hasValidToken || caller.certificateIdentities.some((id) => allowedClientIdentities.has(id))) {
      this.#logger.info(
        { method, peerAddress, identities: caller.certificateIdentities, hasValidToken },
        'authorised call to a protected method',
      );
      return caller;
    }
    const refuse = (code: 'GEOMESH_RPC_UNAUTHENTICATED' | 'GEOMESH_RPC_PERMISSION_DENIED', why: string) => {
      this.#logger.warn(
        { method, peerAddress, identities: caller.certificateIdentities, reason: code },
        'refused a call to a protected method',
      );
      return new GeomeshError(code, why, { details: { method } });
    };
    if (token !== undefined) {
      throw refuse('GEOMESH_RPC_UNAUTHENTICATED', `${method}: the bearer token is not valid`);
    }
    if (caller.certificateIdentities.length > 0 && allowedClientIdentities.size > 0) {
      const shown =
        caller.certificateIdentities.find((id) => id.startsWith('CN=')) ?? caller.certificateIdentities[0];
      throw refuse(
        'GEOMESH_RPC_PERMISSION_DENIED',
        `${method}: client certificate ${shown} is not allowed to call it (see authorization.allowedClientIdentities)`,
      );
    }
    const accepted = [
      ...(tokenDigest !== undefined ? ['a bearer token'] : []),
      ...(allowedClientIdentities.size > 0 ? ['an allowed client certificate'] : []),
    ].join(' or ');
    throw refuse('GEOMESH_RPC_UNAUTHENTICATED', `${method} needs ${accepted}`);
  }
}
