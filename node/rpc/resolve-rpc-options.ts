/**
 * Options of the RPC server and clients: parse → validate → apply defaults → freeze. Certificates, keys and
 * secrets are read here, once, before any socket is opened; a secret's value is wrapped so that it cannot
 * reach a log line, JSON or `util.inspect` by accident.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GeomeshError, Secret } from '../../base/index.ts';
import { OPERATOR_CODECS, PEER_CODECS, PEER_STREAM_CODECS } from './wire-codecs.ts';
import {
  GEOMESH_METHODS,
  RPC_DEFAULTS,
  type AuthorizationConfig,
  type AuthorizationOptions,
  type ClientTransportConfig,
  type ClientTransportOptions,
  type PemSource,
  type RpcClientConfig,
  type RpcClientOptions,
  type RpcServerConfig,
  type RpcServerOptions,
  type SecretSource,
  type ServerTransportConfig,
  type ServerTransportOptions,
} from './rpc-options.ts';

function invalid(scope: string, field: string, message: string, cause?: unknown): GeomeshError {
  return new GeomeshError('GEOMESH_CONFIG_INVALID', `${scope}.${field}: ${message}`, {
    details: { field: `${scope}.${field}` },
    ...(cause !== undefined && { cause }),
  });
}

function rejectUnknownKeys(scope: string, given: object, known: readonly string[], prefix = ''): void {
  for (const key of Object.keys(given)) {
    if (!known.includes(key))
      throw invalid(scope, `${prefix}${key}`, `unknown option (known: ${known.join(', ')})`);
  }
}

function positiveInteger(scope: string, field: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw invalid(scope, field, `must be a whole number ≥ 1, got ${String(value)}`);
  }
  return value;
}

function readPem(scope: string, field: string, source: PemSource | undefined): Buffer {
  if (Buffer.isBuffer(source)) return source;
  if (typeof source !== 'string' || source === '') {
    throw invalid(scope, field, 'give PEM content or the path of a PEM file');
  }
  if (source.trimStart().startsWith('-----BEGIN')) return Buffer.from(source, 'utf8');
  try {
    return readFileSync(source);
  } catch (err) {
    throw invalid(scope, field, `cannot read ${source}: ${(err as Error).message}`, err);
  }
}

/** Reads a secret from the environment or a file; the error names the source, never a value. */
export function readSecret(scope: string, field: string, source: SecretSource | undefined): Secret {
  if (source !== null && typeof source === 'object' && 'resolved' in source) {
    const value = source.resolved.reveal();
    if (value === '') throw invalid(scope, field, `${source.from} is empty`);
    return new Secret(value, source.from);
  }
  if (source !== null && typeof source === 'object' && 'env' in source && typeof source.env === 'string') {
    const value = process.env[source.env];
    if (value === undefined || value === '') {
      throw invalid(scope, field, `environment variable ${source.env} is not set or is empty`);
    }
    return new Secret(value, `env ${source.env}`);
  }
  if (source !== null && typeof source === 'object' && 'file' in source && typeof source.file === 'string') {
    let value: string;
    try {
      value = readFileSync(source.file, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw invalid(scope, field, `cannot read ${source.file}: ${(err as Error).message}`, err);
    }
    if (value === '') throw invalid(scope, field, `${source.file} is empty`);
    return new Secret(value, `file ${source.file}`);
  }
  throw invalid(scope, field, 'give { env: "VARIABLE" } or { file: "/path/to/secret" }');
}

/** Splits `host:port` (IPv6 hosts in brackets); the port may be 0 when `allowZero`. */
export function parseHostPort(
  scope: string,
  field: string,
  address: string,
  allowZero: boolean,
): { host: string; port: number } {
  const match =
    typeof address === 'string' ? /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+):(\d{1,5})$/.exec(address) : null;
  const port = match ? Number(match[2]) : NaN;
  if (!match || port > 65_535 || (port === 0 && !allowZero)) {
    throw invalid(
      scope,
      field,
      `${JSON.stringify(address)} is not host:port (e.g. "127.0.0.1:7100", "[::1]:7100"` +
        `${allowZero ? ', port 0 for a free port' : ''})`,
    );
  }
  return { host: match[1]!, port };
}

const IDENTITY_PREFIXES = ['CN=', 'DNS:', 'URI:', 'IP Address:', 'email:'] as const;

function resolveAuthorization(
  options: AuthorizationOptions | undefined,
  transport: ServerTransportConfig,
): AuthorizationConfig {
  const scope = 'rpcServer';
  if (options === undefined) {
    return Object.freeze({
      protectedMethods: new Set<string>(),
      tokenDigest: undefined,
      tokenSource: undefined,
      allowedClientIdentities: new Set<string>(),
    });
  }
  rejectUnknownKeys(
    scope,
    options,
    ['protectedMethods', 'bearerToken', 'allowedClientIdentities'],
    'authorization.',
  );
  const protectedMethods = new Set<string>();
  for (const [i, method] of (options.protectedMethods ?? []).entries()) {
    if (!GEOMESH_METHODS.includes(method)) {
      throw invalid(
        scope,
        `authorization.protectedMethods[${i}]`,
        `${JSON.stringify(method)} is not a method this server serves (known: ${GEOMESH_METHODS.join(', ')})`,
      );
    }
    protectedMethods.add(method);
  }
  const token =
    options.bearerToken === undefined
      ? undefined
      : readSecret(scope, 'authorization.bearerToken', options.bearerToken);
  const allowedClientIdentities = new Set<string>();
  for (const [i, identity] of (options.allowedClientIdentities ?? []).entries()) {
    if (
      typeof identity !== 'string' ||
      !IDENTITY_PREFIXES.some((p) => identity.startsWith(p) && identity.length > p.length)
    ) {
      throw invalid(
        scope,
        `authorization.allowedClientIdentities[${i}]`,
        `${JSON.stringify(identity)} must start with one of ${IDENTITY_PREFIXES.join(' ')} (e.g. "CN=geomesh-cli")`,
      );
    }
    allowedClientIdentities.add(identity);
  }
  if (allowedClientIdentities.size > 0 && transport.mode !== 'mtls') {
    throw invalid(
      scope,
      'authorization.allowedClientIdentities',
      `client certificates are only checked with transport mode "mtls", not "${transport.mode}"`,
    );
  }
  if (protectedMethods.size > 0 && token === undefined && allowedClientIdentities.size === 0) {
    throw invalid(
      scope,
      'authorization',
      'protected methods need a bearerToken or allowedClientIdentities, or no caller could call them',
    );
  }
  return Object.freeze({
    protectedMethods,
    tokenDigest: token && createHash('sha256').update(token.reveal()).digest(),
    tokenSource: token?.reference,
    allowedClientIdentities,
  });
}

function resolveServerTransport(options: ServerTransportOptions): ServerTransportConfig {
  const scope = 'rpcServer';
  const mode = (options as { mode?: unknown } | undefined)?.mode;
  switch (mode) {
    case 'insecure':
      rejectUnknownKeys(scope, options, ['mode'], 'transport.');
      return Object.freeze({ mode });
    case 'tls': {
      const o = options as Extract<ServerTransportOptions, { mode: 'tls' }>;
      rejectUnknownKeys(scope, o, ['mode', 'cert', 'key'], 'transport.');
      return Object.freeze({
        mode,
        cert: readPem(scope, 'transport.cert', o.cert),
        key: readPem(scope, 'transport.key', o.key),
      });
    }
    case 'mtls': {
      const o = options as Extract<ServerTransportOptions, { mode: 'mtls' }>;
      rejectUnknownKeys(scope, o, ['mode', 'cert', 'key', 'clientCa'], 'transport.');
      return Object.freeze({
        mode,
        cert: readPem(scope, 'transport.cert', o.cert),
        key: readPem(scope, 'transport.key', o.key),
        clientCa: readPem(scope, 'transport.clientCa', o.clientCa),
      });
    }
    default:
      throw invalid(
        scope,
        'transport.mode',
        `must be "insecure", "tls" or "mtls", got ${JSON.stringify(mode)}`,
      );
  }
}

function resolveClientTransport(options: ClientTransportOptions): ClientTransportConfig {
  const scope = 'rpcClient';
  const mode = (options as { mode?: unknown } | undefined)?.mode;
  const serverNameOf = (value: string | undefined): string | undefined => {
    if (value !== undefined && (typeof value !== 'string' || value === ''))
      throw invalid(scope, 'transport.serverName', 'must be a non-empty host name');
    return value;
  };
  switch (mode) {
    case 'insecure':
      rejectUnknownKeys(scope, options, ['mode'], 'transport.');
      return Object.freeze({ mode });
    case 'tls': {
      const o = options as Extract<ClientTransportOptions, { mode: 'tls' }>;
      rejectUnknownKeys(scope, o, ['mode', 'ca', 'serverName'], 'transport.');
      return Object.freeze({
        mode,
        ca: o.ca === undefined ? undefined : readPem(scope, 'transport.ca', o.ca),
        serverName: serverNameOf(o.serverName),
      });
    }
    case 'mtls': {
      const o = options as Extract<ClientTransportOptions, { mode: 'mtls' }>;
      rejectUnknownKeys(scope, o, ['mode', 'ca', 'cert', 'key', 'serverName'], 'transport.');
      return Object.freeze({
        mode,
        ca: o.ca === undefined ? undefined : readPem(scope, 'transport.ca', o.ca),
        cert: readPem(scope, 'transport.cert', o.cert),
        key: readPem(scope, 'transport.key', o.key),
        serverName: serverNameOf(o.serverName),
      });
    }
    default:
      throw invalid(
        scope,
        'transport.mode',
        `must be "insecure", "tls" or "mtls", got ${JSON.stringify(mode)}`,
      );
  }
}

/** Validates server options; throws GEOMESH_CONFIG_INVALID naming the bad field. */
export function resolveRpcServerConfig(options: RpcServerOptions): RpcServerConfig {
  const scope = 'rpcServer';
  rejectUnknownKeys(scope, options, [
    'address',
    'transport',
    'operator',
    'peer',
    'peerStream',
    'authorization',
    'shutdownTimeoutMs',
    'maxMessageBytes',
    'logger',
  ]);
  const { host, port } = parseHostPort(scope, 'address', options.address, true);
  for (const [service, handlers, codecs] of [
    ['operator', options.operator, OPERATOR_CODECS],
    ['peer', options.peer, PEER_CODECS],
    ...(options.peerStream ? ([['peerStream', options.peerStream, PEER_STREAM_CODECS]] as const) : []),
  ] as const) {
    for (const name of Object.keys(codecs)) {
      if (typeof (handlers as unknown as Record<string, unknown> | undefined)?.[name] !== 'function') {
        throw invalid(scope, `${service}.${name}`, 'must be a function (the handler of the RPC)');
      }
    }
  }
  const transport = resolveServerTransport(options.transport);
  return Object.freeze({
    address: options.address,
    host,
    port,
    transport,
    authorization: resolveAuthorization(options.authorization, transport),
    shutdownTimeoutMs: positiveInteger(
      scope,
      'shutdownTimeoutMs',
      options.shutdownTimeoutMs,
      RPC_DEFAULTS.shutdownTimeoutMs,
    ),
    maxMessageBytes: positiveInteger(
      scope,
      'maxMessageBytes',
      options.maxMessageBytes,
      RPC_DEFAULTS.maxMessageBytes,
    ),
  });
}

/** Validates client options for `target` (`host:port`); throws GEOMESH_CONFIG_INVALID naming the bad field. */
export function resolveRpcClientConfig(target: string, options: RpcClientOptions): RpcClientConfig {
  const scope = 'rpcClient';
  rejectUnknownKeys(scope, options, ['transport', 'bearerToken', 'defaultTimeoutMs', 'maxMessageBytes']);
  parseHostPort(scope, 'target', target, false);
  const transport = resolveClientTransport(options.transport);
  if (options.bearerToken !== undefined && transport.mode === 'insecure') {
    throw invalid(
      scope,
      'bearerToken',
      'a bearer token is only sent over TLS; use transport mode "tls" or "mtls"',
    );
  }
  return Object.freeze({
    target,
    transport,
    bearerToken:
      options.bearerToken === undefined ? undefined : readSecret(scope, 'bearerToken', options.bearerToken),
    defaultTimeoutMs: positiveInteger(
      scope,
      'defaultTimeoutMs',
      options.defaultTimeoutMs,
      RPC_DEFAULTS.defaultTimeoutMs,
    ),
    maxMessageBytes: positiveInteger(
      scope,
      'maxMessageBytes',
      options.maxMessageBytes,
      RPC_DEFAULTS.maxMessageBytes,
    ),
  });
}
