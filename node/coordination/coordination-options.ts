/**
 * Options of the coordination adapter: parse → validate → apply defaults → freeze. TLS material may be given
 * as PEM buffers (or PEM text) or as file paths, which are read here, once, before any connection is opened.
 */
import { readFileSync } from 'node:fs';
import { GeomeshError } from '../../base/index.ts';
import type { Logger } from '../log/index.ts';
import { meshPrefix } from './key-layout.ts';

/** PEM content (a Buffer, or a string starting with `-----BEGIN`), or the path of a PEM file. */
export type PemSource = Buffer | string;

export interface CoordinationTlsOptions {
  /** CA bundle that signs etcd's server certificate; default the system CAs. */
  ca?: PemSource;
  /** Client certificate for mutual TLS (needs `key`). */
  cert?: PemSource;
  /** Client private key for mutual TLS (needs `cert`). */
  key?: PemSource;
}

/** What a caller writes to reach etcd. */
export interface CoordinationOptions {
  /** etcd client URLs, all `http://` or all `https://`, e.g. `['https://etcd-1:2379']`. */
  endpoints: readonly string[];
  /** Mesh name: every key lives under `/geomesh/<mesh>/`. */
  mesh: string;
  /** TLS material; implies `https://` endpoints. Default: none (plain `http://`). */
  tls?: CoordinationTlsOptions;
  /** etcd user and password; the password is never logged. Default: no authentication. */
  auth?: { username: string; password: string };
  /** How long `start()` keeps trying to reach etcd; default 5,000 ms. */
  dialTimeoutMs?: number;
  /** Deadline of each etcd request (etcd3 retries a failed attempt up to 3 times); default 3,000 ms. */
  requestTimeoutMs?: number;
  /** Default TTL of leases (membership) in ms, whole seconds, at least 2,000; default 10,000. */
  leaseTtlMs?: number;
  /** Longest pause between attempts to re-open a broken watch stream; default 2,000 ms. */
  watchReconnectMaxMs?: number;
  /** Parent logger; the adapter logs through a `{ component: 'coordination' }` child. */
  logger: Logger;
}

/** The validated, defaulted, frozen form of `CoordinationOptions`. */
export interface CoordinationConfig {
  readonly endpoints: readonly string[];
  readonly mesh: string;
  /** `/geomesh/<mesh>/`. */
  readonly prefix: string;
  readonly isSecure: boolean;
  readonly tls: Readonly<{ ca?: Buffer; cert?: Buffer; key?: Buffer }> | undefined;
  readonly auth: Readonly<{ username: string; password: string }> | undefined;
  readonly dialTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly leaseTtlMs: number;
  readonly watchReconnectMaxMs: number;
}

export const COORDINATION_DEFAULTS = Object.freeze({
  dialTimeoutMs: 5_000,
  requestTimeoutMs: 3_000,
  leaseTtlMs: 10_000,
  watchReconnectMaxMs: 2_000,
});

const KNOWN_KEYS = new Set([
  'endpoints',
  'mesh',
  'tls',
  'auth',
  'dialTimeoutMs',
  'requestTimeoutMs',
  'leaseTtlMs',
  'watchReconnectMaxMs',
  'logger',
]);

function invalid(message: string, field: string): GeomeshError {
  return new GeomeshError('GEOMESH_CONFIG_INVALID', `coordination.${field}: ${message}`, {
    details: { field },
  });
}

function positiveMs(value: number | undefined, fallback: number, field: string, min = 1): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min) {
    throw invalid(`must be an integer number of milliseconds ≥ ${min}, got ${String(value)}`, field);
  }
  return value;
}

function readPem(source: PemSource | undefined, field: string): Buffer | undefined {
  if (source === undefined) return undefined;
  if (Buffer.isBuffer(source)) return source;
  if (typeof source !== 'string' || source === '')
    throw invalid('must be a PEM buffer or a file path', field);
  if (source.trimStart().startsWith('-----BEGIN')) return Buffer.from(source, 'utf8');
  try {
    return readFileSync(source);
  } catch (err) {
    throw new GeomeshError(
      'GEOMESH_CONFIG_INVALID',
      `coordination.${field}: cannot read ${source}: ${(err as Error).message}`,
      { cause: err, details: { field, file: source } },
    );
  }
}

/** Validates options and returns the frozen config; throws GEOMESH_CONFIG_INVALID naming the bad field. */
export function resolveCoordinationConfig(options: CoordinationOptions): CoordinationConfig {
  for (const key of Object.keys(options)) {
    if (!KNOWN_KEYS.has(key)) throw invalid(`unknown option (known: ${[...KNOWN_KEYS].join(', ')})`, key);
  }
  const given: readonly string[] = options.endpoints;
  if (!Array.isArray(given) || given.length === 0) {
    throw invalid('give at least one etcd URL, e.g. "http://127.0.0.1:2379"', 'endpoints');
  }
  const endpoints = given.map((endpoint: string, i: number) => {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw invalid(
        `${JSON.stringify(endpoint)} is not a URL (expected http://host:port)`,
        `endpoints[${i}]`,
      );
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.port === '' || url.pathname !== '/') {
      throw invalid(`${JSON.stringify(endpoint)} must look like http(s)://host:port`, `endpoints[${i}]`);
    }
    return `${url.protocol}//${url.host}`;
  });
  const secure = endpoints.filter((e) => e.startsWith('https:')).length;
  if (secure !== 0 && secure !== endpoints.length) {
    throw invalid('mixes http:// and https:// endpoints; use one scheme for all', 'endpoints');
  }
  const isSecure = secure > 0;
  if (options.tls !== undefined && !isSecure) {
    throw invalid('TLS material was given but the endpoints are http://; use https:// endpoints', 'tls');
  }
  let tls: CoordinationConfig['tls'];
  if (options.tls !== undefined) {
    const ca = readPem(options.tls.ca, 'tls.ca');
    const cert = readPem(options.tls.cert, 'tls.cert');
    const key = readPem(options.tls.key, 'tls.key');
    if ((cert === undefined) !== (key === undefined)) throw invalid('cert and key go together', 'tls');
    tls = Object.freeze({ ...(ca && { ca }), ...(cert && { cert }), ...(key && { key }) });
  }
  let auth: CoordinationConfig['auth'];
  if (options.auth !== undefined) {
    if (typeof options.auth.username !== 'string' || options.auth.username === '')
      throw invalid('must be a non-empty string', 'auth.username');
    if (typeof options.auth.password !== 'string') throw invalid('must be a string', 'auth.password');
    auth = Object.freeze({ username: options.auth.username, password: options.auth.password });
  }
  const leaseTtlMs = positiveMs(options.leaseTtlMs, COORDINATION_DEFAULTS.leaseTtlMs, 'leaseTtlMs', 2_000);
  if (leaseTtlMs % 1_000 !== 0) throw invalid(`must be whole seconds, got ${leaseTtlMs} ms`, 'leaseTtlMs');
  return Object.freeze({
    endpoints: Object.freeze(endpoints),
    mesh: options.mesh,
    prefix: meshPrefix(options.mesh),
    isSecure,
    tls,
    auth,
    dialTimeoutMs: positiveMs(options.dialTimeoutMs, COORDINATION_DEFAULTS.dialTimeoutMs, 'dialTimeoutMs'),
    requestTimeoutMs: positiveMs(
      options.requestTimeoutMs,
      COORDINATION_DEFAULTS.requestTimeoutMs,
      'requestTimeoutMs',
    ),
    leaseTtlMs,
    watchReconnectMaxMs: positiveMs(
      options.watchReconnectMaxMs,
      COORDINATION_DEFAULTS.watchReconnectMaxMs,
      'watchReconnectMaxMs',
    ),
  });
}
