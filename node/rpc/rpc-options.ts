/**
 * Options of the RPC server and clients as callers write them (`*Options`), the validated, defaulted, frozen
 * shapes the code uses (`*Config`, made by resolve-rpc-options.ts) and the defaults, declared once here.
 */
import type { Secret } from '../../base/index.ts';
import type { Logger } from '../log/index.ts';
import type { OperatorHandlers, PeerHandlers, PeerStreamHandlers } from './messages.ts';
import { OPERATOR_CODECS, PEER_CODECS, PEER_STREAM_CODECS } from './wire-codecs.ts';

/** PEM content (a Buffer, or a string starting with `-----BEGIN`), or the path of a PEM file. */
export type PemSource = Buffer | string;

/** Where a secret is read from: an environment variable or a file (trailing newline removed). */
export type SecretSource =
  | { readonly env: string }
  | { readonly file: string }
  /** A secret already resolved elsewhere (e.g. a topology `${ENV}` reference); `from` is safe to log. */
  | { readonly resolved: { reveal(): string }; readonly from: string };

/** How the server secures its connections. */
export type ServerTransportOptions =
  /** Plain TCP: for loopback development and tests only. */
  | { readonly mode: 'insecure' }
  /** TLS with the server's certificate chain and private key; clients are not asked for certificates. */
  | { readonly mode: 'tls'; readonly cert: PemSource; readonly key: PemSource }
  /** Mutual TLS: as `tls`, and every client must present a certificate signed by `clientCa`. */
  | {
      readonly mode: 'mtls';
      readonly cert: PemSource;
      readonly key: PemSource;
      readonly clientCa: PemSource;
    };

/** How a client secures its connection. */
export type ClientTransportOptions =
  /** Plain TCP: for loopback development and tests only. */
  | { readonly mode: 'insecure' }
  /**
   * TLS: the server's certificate must chain to `ca` (default: the system CAs) and name the host called, or
   * `serverName` when given (e.g. when calling by IP address a certificate issued for a DNS name).
   */
  | { readonly mode: 'tls'; readonly ca?: PemSource; readonly serverName?: string }
  /** Mutual TLS: as `tls`, presenting the client certificate `cert` with its private key `key`. */
  | {
      readonly mode: 'mtls';
      readonly ca?: PemSource;
      readonly cert: PemSource;
      readonly key: PemSource;
      readonly serverName?: string;
    };

/**
 * Which methods need an authorised caller, and what authorises one. A caller of a protected method is let in
 * when it presents the bearer token (`authorization: Bearer <token>` metadata) or a verified client
 * certificate with an allowed identity; otherwise it is refused with UNAUTHENTICATED (no or invalid
 * credentials) or PERMISSION_DENIED (a valid client certificate that is not on the list). Other methods are
 * open to anyone the transport lets in.
 */
export interface AuthorizationOptions {
  /**
   * Full method names, e.g. `geomesh.v1.Operator/Failover`; names the server does not serve are refused
   * (a typo must not leave a method open). Default: none (every geomesh method today is read-only or
   * peer-to-peer; failover and failback will be listed here).
   */
  protectedMethods?: readonly string[];
  /** Where the accepted bearer token is read from, once, at construction. Needs `tls` or `mtls` clients. */
  bearerToken?: SecretSource;
  /**
   * Client certificate identities allowed to call protected methods (`mtls` only), each `CN=<common name>`,
   * `DNS:<name>`, `URI:<uri>`, `IP Address:<ip>` or `email:<address>`: an exact match with the subject's CN
   * or one of its subject alternative names.
   */
  allowedClientIdentities?: readonly string[];
}

/** What a caller writes to serve geomesh's RPCs. */
export interface RpcServerOptions {
  /** `host:port` to listen on, e.g. `0.0.0.0:7100` or `127.0.0.1:0` (0: a free port, see `start()`). */
  address: string;
  transport: ServerTransportOptions;
  /** The Operator service's implementation. */
  operator: OperatorHandlers;
  /** The Peer service's implementation. */
  peer: PeerHandlers;
  /**
   * The Peer service's server-streaming RPCs; without it they answer UNIMPLEMENTED (a node that does not
   * serve record streams: its callers pull instead).
   */
  peerStream?: PeerStreamHandlers;
  /** Default: no protected method. */
  authorization?: AuthorizationOptions;
  /** How long `stop()` lets calls in flight finish before cancelling them; default 5,000 ms. */
  shutdownTimeoutMs?: number;
  /** Largest message received or sent, in bytes; default 16 MiB (gRPC's own default is 4 MiB). */
  maxMessageBytes?: number;
  /** Parent logger; the server logs through a `{ component: 'rpc-server' }` child. */
  logger: Logger;
}

/** What a caller writes to call a node. */
export interface RpcClientOptions {
  transport: ClientTransportOptions;
  /** Bearer token sent with every call, for protected methods; needs `tls` or `mtls`. Default: none. */
  bearerToken?: SecretSource;
  /** Deadline of a call that gives no `timeoutMs`; default 10,000 ms. */
  defaultTimeoutMs?: number;
  /** Largest message received or sent, in bytes; default 16 MiB. */
  maxMessageBytes?: number;
}

export const RPC_DEFAULTS = Object.freeze({
  shutdownTimeoutMs: 5_000,
  defaultTimeoutMs: 10_000,
  maxMessageBytes: 16 * 1024 * 1024,
  /**
   * HTTP/2 flow-control window a client grants each call and its whole connection: 8 MiB (one largest stream
   * batch). The protocol's default, 64 KiB, lets a record stream carry 64 KiB per round trip: about 0.8 MB/s
   * through an 80 ms round trip. Bounds what a peer may send ahead of what this node has read.
   */
  flowControlWindowBytes: 8 * 1024 * 1024,
});

/** The validated server transport: PEM material read into buffers. */
export type ServerTransportConfig =
  | { readonly mode: 'insecure' }
  | { readonly mode: 'tls'; readonly cert: Buffer; readonly key: Buffer }
  | { readonly mode: 'mtls'; readonly cert: Buffer; readonly key: Buffer; readonly clientCa: Buffer };

/** The validated client transport: PEM material read into buffers. */
export type ClientTransportConfig =
  | { readonly mode: 'insecure' }
  | { readonly mode: 'tls'; readonly ca: Buffer | undefined; readonly serverName: string | undefined }
  | {
      readonly mode: 'mtls';
      readonly ca: Buffer | undefined;
      readonly cert: Buffer;
      readonly key: Buffer;
      readonly serverName: string | undefined;
    };

export interface AuthorizationConfig {
  readonly protectedMethods: ReadonlySet<string>;
  /** SHA-256 of the accepted bearer token (the token itself is not kept). */
  readonly tokenDigest: Buffer | undefined;
  /** Where the token was read from, for logs. */
  readonly tokenSource: string | undefined;
  readonly allowedClientIdentities: ReadonlySet<string>;
}

/** The validated, defaulted, frozen form of RpcServerOptions (handlers and logger stay with the server). */
export interface RpcServerConfig {
  /** As given, e.g. `127.0.0.1:0`. */
  readonly address: string;
  readonly host: string;
  readonly port: number;
  readonly transport: ServerTransportConfig;
  readonly authorization: AuthorizationConfig;
  readonly shutdownTimeoutMs: number;
  readonly maxMessageBytes: number;
}

/** The validated, defaulted, frozen form of RpcClientOptions for one target. */
export interface RpcClientConfig {
  readonly target: string;
  readonly transport: ClientTransportConfig;
  readonly bearerToken: Secret | undefined;
  readonly defaultTimeoutMs: number;
  readonly maxMessageBytes: number;
}

/** Every geomesh method the server serves, by full name. */
export const GEOMESH_METHODS: readonly string[] = Object.freeze(
  [
    ...Object.values(OPERATOR_CODECS),
    ...Object.values(PEER_CODECS),
    ...Object.values(PEER_STREAM_CODECS),
  ].map((c) => c.method),
);
