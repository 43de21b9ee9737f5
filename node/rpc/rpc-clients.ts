/**
 * Promise-based clients of a node's Operator, Peer and health services. Each client owns one gRPC channel
 * to one `host:port`; every call has a deadline (its `timeoutMs`, else the client's defaultTimeoutMs) and
 * may be cancelled by an AbortSignal. Failures are GeomeshErrors GEOMESH_RPC_* (status-codes.ts).
 */
import {
  CallCredentials,
  Client,
  Metadata,
  credentials,
  type ChannelCredentials,
  type ChannelOptions,
  type MethodDefinition,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { GeomeshError } from '../../base/index.ts';
import type { HealthClient, HealthStatus, OperatorClient, PeerClient, RpcCallOptions } from './messages.ts';
import { geomeshDefinitions } from './proto-layout.ts';
import { resolveRpcClientConfig } from './resolve-rpc-options.ts';
import { RPC_DEFAULTS, type RpcClientConfig, type RpcClientOptions } from './rpc-options.ts';
import { fromServiceError, type CallSite } from './status-codes.ts';
import { OPERATOR_CODECS, PEER_CODECS, PEER_STREAM_CODECS, type MethodCodec } from './wire-codecs.ts';

function channelCredentials(config: RpcClientConfig): ChannelCredentials {
  const { transport, bearerToken } = config;
  if (transport.mode === 'insecure') return credentials.createInsecure();
  const tls =
    transport.mode === 'tls'
      ? credentials.createSsl(transport.ca ?? null)
      : credentials.createSsl(transport.ca ?? null, transport.key, transport.cert);
  if (bearerToken === undefined) return tls;
  // grpc-js sends call credentials only over secure channels: the token never travels in clear text.
  return credentials.combineChannelCredentials(
    tls,
    CallCredentials.createFromMetadataGenerator((_params, callback) => {
      const metadata = new Metadata();
      metadata.set('authorization', `Bearer ${bearerToken.reveal()}`);
      callback(null, metadata);
    }),
  );
}

function channelOptions(config: RpcClientConfig): ChannelOptions {
  const { transport, maxMessageBytes } = config;
  const serverName = transport.mode === 'insecure' ? undefined : transport.serverName;
  return {
    'grpc.max_receive_message_length': maxMessageBytes,
    'grpc.max_send_message_length': maxMessageBytes,
    // A stream's bytes per round trip are bounded by this window, not by the default 64 KiB.
    'grpc-node.flow_control_window': RPC_DEFAULTS.flowControlWindowBytes,
    // A peer that restarted is called again within seconds: grpc-js would otherwise back off up to 120 s
    // between reconnection attempts, and checkpoints pushed meanwhile would fail.
    'grpc.initial_reconnect_backoff_ms': 500,
    'grpc.max_reconnect_backoff_ms': 5_000,
    ...(serverName !== undefined && {
      'grpc.ssl_target_name_override': serverName,
      'grpc.default_authority': serverName,
    }),
  };
}

/** The error of a call its caller's signal ended: a deadline when the reason is a timeout. */
function abortedError(signal: AbortSignal, site: CallSite, cause?: unknown): GeomeshError {
  const reason: unknown = signal.reason;
  const isTimeout = reason instanceof DOMException && reason.name === 'TimeoutError';
  return new GeomeshError(
    isTimeout ? 'GEOMESH_RPC_DEADLINE_EXCEEDED' : 'GEOMESH_RPC_CANCELLED',
    `${site.method} at ${site.target}: ${isTimeout ? 'timed out' : 'cancelled'} by the caller's signal`,
    { cause: cause ?? reason, details: { method: site.method, target: site.target } },
  );
}

/** One channel to one target, and the unary call every client method goes through. */
class Channel {
  readonly config: RpcClientConfig;
  readonly #client: Client;
  #isClosed = false;

  constructor(target: string, options: RpcClientOptions) {
    this.config = resolveRpcClientConfig(target, options);
    this.#client = new Client(target, channelCredentials(this.config), channelOptions(this.config));
  }

  close(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#client.close();
  }

  call<Res>(
    method: string,
    definition: MethodDefinition<unknown, unknown>,
    encode: () => unknown,
    decode: (wire: unknown) => Res,
    options: RpcCallOptions = {},
  ): Promise<Res> {
    const site: CallSite = { method, target: this.config.target };
    const { signal } = options;
    const timeoutMs = options.timeoutMs ?? this.config.defaultTimeoutMs;
    return new Promise<Res>((resolve, reject) => {
      if (this.#isClosed) {
        reject(new GeomeshError('GEOMESH_RPC_CLOSED', `${method} at ${site.target}: the client is closed`));
        return;
      }
      if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
        reject(
          new GeomeshError(
            'GEOMESH_INTERNAL_INVARIANT',
            `${method}: timeoutMs must be > 0, got ${timeoutMs}`,
          ),
        );
        return;
      }
      if (signal?.aborted) {
        reject(abortedError(signal, site));
        return;
      }
      // A request that cannot be encoded throws here, which rejects the promise.
      const request = encode();
      const onAbort = () => call.cancel();
      const call = this.#client.makeUnaryRequest(
        definition.path,
        definition.requestSerialize,
        definition.responseDeserialize,
        request,
        new Metadata(),
        { deadline: Date.now() + timeoutMs },
        (err, value) => {
          signal?.removeEventListener('abort', onAbort);
          if (err) {
            reject(signal?.aborted ? abortedError(signal, site, err) : fromServiceError(err, site));
            return;
          }
          try {
            resolve(decode(value));
          } catch (decodeError) {
            reject(decodeError instanceof Error ? decodeError : new Error(String(decodeError)));
          }
        },
      );
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * A client method for a geomesh server-streaming RPC: an async iterable of the messages, read at the
   * iterating caller's pace (grpc-js stops reading the HTTP/2 stream while its buffer is full, so flow control
   * holds the server back). Leaving the iteration or aborting the signal cancels the call.
   */
  streamMethod<Req, Res>(
    service: ServiceDefinition,
    codec: MethodCodec<Req, Res>,
  ): (request: Req, options?: { signal?: AbortSignal }) => AsyncIterable<Res> {
    const definition = service[codec.rpc] as MethodDefinition<unknown, unknown> | undefined;
    if (definition === undefined) {
      throw new GeomeshError('GEOMESH_INTERNAL_INVARIANT', `${codec.method} is not in the loaded contracts`);
    }
    const site: CallSite = { method: codec.method, target: this.config.target };
    const client = this.#client;
    const isClosed = () => this.#isClosed;
    return (request, options = {}) => ({
      async *[Symbol.asyncIterator]() {
        const { signal } = options;
        if (isClosed()) {
          throw new GeomeshError(
            'GEOMESH_RPC_CLOSED',
            `${site.method} at ${site.target}: the client is closed`,
          );
        }
        if (signal?.aborted) throw abortedError(signal, site);
        const call = client.makeServerStreamRequest(
          definition.path,
          definition.requestSerialize,
          definition.responseDeserialize,
          codec.encodeRequest(request),
          new Metadata(),
          {},
        );
        const onAbort = () => call.cancel();
        signal?.addEventListener('abort', onAbort, { once: true });
        try {
          for await (const wire of call) yield codec.decodeResponse(wire);
        } catch (err) {
          if (signal?.aborted) throw abortedError(signal, site, err);
          throw err instanceof GeomeshError
            ? err
            : fromServiceError(err as Parameters<typeof fromServiceError>[0], site);
        } finally {
          signal?.removeEventListener('abort', onAbort);
          call.cancel();
        }
      },
    });
  }

  /** A client method for a geomesh RPC. */
  method<Req, Res>(
    service: ServiceDefinition,
    codec: MethodCodec<Req, Res>,
  ): (request: Req, options?: RpcCallOptions) => Promise<Res> {
    const definition = service[codec.rpc] as MethodDefinition<unknown, unknown> | undefined;
    if (definition === undefined) {
      throw new GeomeshError('GEOMESH_INTERNAL_INVARIANT', `${codec.method} is not in the loaded contracts`);
    }
    return (request, options) =>
      this.call(
        codec.method,
        definition,
        () => codec.encodeRequest(request),
        (wire) => codec.decodeResponse(wire),
        options,
      );
  }
}

/**
 * A client of the Operator service of the node at `target` (`host:port`). Validates the options and reads
 * TLS material and the token (throws GEOMESH_CONFIG_INVALID); connects lazily, on the first call.
 */
export function createOperatorClient(target: string, options: RpcClientOptions): OperatorClient {
  const channel = new Channel(target, options);
  const { operator } = geomeshDefinitions();
  return Object.freeze({
    target,
    close: () => channel.close(),
    translateOffsets: channel.method(operator, OPERATOR_CODECS.translateOffsets),
    getStatus: channel.method(operator, OPERATOR_CODECS.getStatus),
    failover: channel.method(operator, OPERATOR_CODECS.failover),
    getFailoverProgress: channel.method(operator, OPERATOR_CODECS.getFailoverProgress),
  });
}

/** A client of the Peer service of the node at `target` (`host:port`); as createOperatorClient. */
export function createPeerClient(target: string, options: RpcClientOptions): PeerClient {
  const channel = new Channel(target, options);
  const { peer } = geomeshDefinitions();
  return Object.freeze({
    target,
    close: () => channel.close(),
    getFrontiers: channel.method(peer, PEER_CODECS.getFrontiers),
    seek: channel.method(peer, PEER_CODECS.seek),
    pushCheckpoints: channel.method(peer, PEER_CODECS.pushCheckpoints),
    ping: channel.method(peer, PEER_CODECS.ping),
    listGroups: channel.method(peer, PEER_CODECS.listGroups),
    streamRecords: channel.streamMethod(peer, PEER_STREAM_CODECS.streamRecords),
  });
}

let healthCheck: MethodDefinition<unknown, unknown> | undefined;

/** grpc.health.v1.Health/Check, loaded from grpc-health-check's copy of health.proto on first use. */
function healthCheckDefinition(): MethodDefinition<unknown, unknown> {
  if (healthCheck === undefined) {
    const loaded = loadSync(healthProtoPath, { keepCase: true, enums: String, defaults: true });
    const service = loaded['grpc.health.v1.Health'] as ServiceDefinition;
    healthCheck = service['Check'] as MethodDefinition<unknown, unknown>;
  }
  return healthCheck;
}

const HEALTH_STATUSES: readonly HealthStatus[] = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

/** A client of the standard health service of the node at `target` (`host:port`); as createOperatorClient. */
export function createHealthClient(target: string, options: RpcClientOptions): HealthClient {
  const channel = new Channel(target, options);
  const definition = healthCheckDefinition();
  return Object.freeze({
    target,
    close: () => channel.close(),
    check: (service = '', callOptions?: RpcCallOptions) =>
      channel.call(
        'grpc.health.v1.Health/Check',
        definition,
        () => ({ service }),
        (wire) => {
          const status = (wire as { status?: unknown }).status as HealthStatus;
          if (!HEALTH_STATUSES.includes(status)) {
            throw new GeomeshError('GEOMESH_RPC_INTERNAL', `health check answered status ${String(status)}`);
          }
          return status;
        },
        callOptions,
      ),
  });
}
