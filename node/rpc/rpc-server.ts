/**
 * The gRPC server of a geomesh node: serves the Operator and Peer services through handler objects of our
 * own (messages.ts), and standard gRPC health checking (grpc.health.v1.Health, from grpc-health-check).
 *
 * Lifecycle (states are logged on every change):
 *   idle → starting → serving → stopping → stopped
 *            └→ failed (the address could not be bound, or start was aborted)
 * `start(signal)` resolves with the bound `host:port` (port 0 in the options picks a free port) once calls
 * are accepted, and marks every service SERVING. `stop(signal)` marks them NOT_SERVING, refuses new calls,
 * lets calls in flight finish for up to shutdownTimeoutMs, then cancels the rest (their handlers' signals
 * abort); aborting `signal` cancels them at once. It is idempotent and concurrent callers share one
 * promise. `closed` resolves after stop, or rejects with the error that made start fail.
 *
 * Every call passes the authorisation hook (authorization.ts) before its handler; a request whose bytes are
 * not a message of its type (wire-check.ts) is then answered INVALID_ARGUMENT without reaching the handler;
 * a handler's error is answered by the table in status-codes.ts.
 */
import { once } from 'node:events';
import {
  Server,
  ServerCredentials,
  type ServerWritableStream,
  type ServerUnaryCall,
  type sendUnaryData,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { GeomeshError } from '../../base/index.ts';
import type { Logger } from '../log/index.ts';
import { Authorizer } from './authorization.ts';
import type { OperatorHandlers, PeerHandlers, PeerStreamHandlers, RpcCallContext } from './messages.ts';
import { geomeshDefinitions } from './proto-layout.ts';
import { resolveRpcServerConfig } from './resolve-rpc-options.ts';
import type { RpcServerConfig, RpcServerOptions, ServerTransportConfig } from './rpc-options.ts';
import { toServerFailure } from './status-codes.ts';
import { checkedDecoding, UndecodableRequest } from './wire-check.ts';
import { OPERATOR_CODECS, PEER_CODECS, PEER_STREAM_CODECS, type MethodCodec } from './wire-codecs.ts';

export type RpcServerState = 'idle' | 'starting' | 'serving' | 'stopping' | 'stopped' | 'failed';

/** Names the health service reports on: the server as a whole ("") and each geomesh service. */
export type HealthServiceName = '' | 'geomesh.v1.Operator' | 'geomesh.v1.Peer';

/** A business handler as the server calls it: `send` is given to server-streaming handlers only. */
type Handler = (
  request: unknown,
  context: RpcCallContext,
  send?: (message: unknown) => Promise<void>,
) => Promise<unknown>;

const HEALTH_SERVICES: readonly HealthServiceName[] = ['', 'geomesh.v1.Operator', 'geomesh.v1.Peer'];

function serverCredentials(transport: ServerTransportConfig): ServerCredentials {
  switch (transport.mode) {
    case 'insecure':
      return ServerCredentials.createInsecure();
    case 'tls':
      return ServerCredentials.createSsl(
        null,
        [{ private_key: transport.key, cert_chain: transport.cert }],
        false,
      );
    case 'mtls':
      return ServerCredentials.createSsl(
        transport.clientCa,
        [{ private_key: transport.key, cert_chain: transport.cert }],
        true,
      );
  }
}

/** True for a host only this machine reaches: `localhost`, 127.0.0.0/8, `::1`. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

/** Milliseconds since the epoch of a grpc-js deadline; undefined when there is none. */
function deadlineMsOf(deadline: Date | number): number | undefined {
  const ms = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(ms) ? ms : undefined;
}

export class RpcServer {
  readonly config: RpcServerConfig;
  readonly closed: Promise<void>;
  readonly #logger: Logger;
  readonly #operator: OperatorHandlers;
  readonly #peer: PeerHandlers;
  readonly #peerStream: PeerStreamHandlers | undefined;
  readonly #authorizer: Authorizer;
  readonly #health = new HealthImplementation();
  /** Signals of the handlers in flight, aborted when the server is forced to stop. */
  readonly #inFlight = new Set<AbortController>();
  #state: RpcServerState = 'idle';
  #server: Server | undefined;
  #address: string | undefined;
  #starting: Promise<string> | undefined;
  #stopping: Promise<void> | undefined;
  #settleClosed!: (err?: Error) => void;

  /** Validates options and reads TLS material and secrets (throws GEOMESH_CONFIG_INVALID); binds nothing. */
  constructor(options: RpcServerOptions) {
    this.config = resolveRpcServerConfig(options);
    this.#logger = options.logger.child({ component: 'rpc-server' });
    this.#operator = options.operator;
    this.#peer = options.peer;
    this.#peerStream = options.peerStream;
    this.#authorizer = new Authorizer(this.config.authorization, this.#logger);
    for (const service of HEALTH_SERVICES) this.#health.setStatus(service, 'NOT_SERVING');
    this.closed = new Promise<void>((resolve, reject) => {
      this.#settleClosed = (err) => (err ? reject(err) : resolve());
    });
    this.closed.catch(() => undefined);
  }

  get state(): RpcServerState {
    return this.#state;
  }

  /** The bound `host:port` once started (the real port when the options asked for 0). */
  get address(): string | undefined {
    return this.#address;
  }

  /** Binds the address and starts serving; resolves with the bound `host:port`. */
  start(signal?: AbortSignal): Promise<string> {
    this.#starting ??= this.#start(signal);
    return this.#starting;
  }

  async #start(signal?: AbortSignal): Promise<string> {
    if (this.#state !== 'idle') {
      throw new GeomeshError('GEOMESH_RPC_CLOSED', `RPC server: cannot start when ${this.#state}`);
    }
    this.#setState('starting');
    const { host, port, maxMessageBytes, transport, authorization } = this.config;
    const server = new Server({
      'grpc.max_receive_message_length': maxMessageBytes,
      'grpc.max_send_message_length': maxMessageBytes,
    });
    const { operator, peer } = geomeshDefinitions();
    server.addService(
      checkedDecoding(operator, 'Operator'),
      this.#implement(OPERATOR_CODECS, this.#operator, (c, h) => this.#unary(c, h)),
    );
    server.addService(checkedDecoding(peer, 'Peer'), {
      ...this.#implement(PEER_CODECS, this.#peer, (c, h) => this.#unary(c, h)),
      ...(this.#peerStream &&
        this.#implement(PEER_STREAM_CODECS, this.#peerStream, (c, h) => this.#serverStream(c, h))),
    });
    this.#health.addToServer(server);
    this.#server = server;
    try {
      signal?.throwIfAborted();
      const boundPort = await new Promise<number>((resolve, reject) => {
        const onAbort = () => reject(signal?.reason as Error);
        signal?.addEventListener('abort', onAbort, { once: true });
        server.bindAsync(`${host}:${port}`, serverCredentials(transport), (err, bound) => {
          signal?.removeEventListener('abort', onAbort);
          if (err) reject(err);
          else resolve(bound);
        });
      });
      signal?.throwIfAborted();
      this.#address = `${host}:${boundPort}`;
    } catch (err) {
      server.forceShutdown();
      this.#server = undefined;
      const failure =
        signal?.aborted === true
          ? (signal.reason as Error)
          : new GeomeshError(
              'GEOMESH_RPC_BIND_FAILED',
              `RPC server: cannot listen on ${host}:${port}: ${(err as Error).message} ` +
                '(is the port in use, or the host not an address of this machine?)',
              { cause: err, details: { address: this.config.address } },
            );
      this.#setState('failed');
      this.#settleClosed(failure);
      throw failure;
    }
    for (const service of HEALTH_SERVICES) this.#health.setStatus(service, 'SERVING');
    this.#logger.info(
      {
        address: this.#address,
        transport: transport.mode,
        protectedMethods: [...authorization.protectedMethods],
        tokenSource: authorization.tokenSource,
        allowedClientIdentities: [...authorization.allowedClientIdentities],
      },
      'serving RPCs',
    );
    if (transport.mode === 'insecure' && !isLoopbackHost(host)) {
      this.#logger.warn(
        { address: this.#address },
        'serving gRPC in plaintext on an address other machines may reach: any caller is trusted as a peer ' +
          'node and for read-only operator calls; give the region node.tls (mutual TLS; docs/rpc.md, ' +
          '"What a plaintext mesh trusts")',
      );
    }
    this.#setState('serving');
    return this.#address;
  }

  /**
   * Sets what health checking reports for `service` (default "": the server as a whole), e.g. NOT_SERVING
   * while the region's Kafka cluster is unreachable. start() sets SERVING and stop() NOT_SERVING everywhere.
   */
  setServingStatus(status: 'SERVING' | 'NOT_SERVING', service: HealthServiceName = ''): void {
    if (!HEALTH_SERVICES.includes(service)) {
      throw new GeomeshError(
        'GEOMESH_INTERNAL_INVARIANT',
        `no health status for service ${JSON.stringify(service)}`,
      );
    }
    this.#health.setStatus(service, status);
  }

  /** Drains and stops; idempotent. Aborting `signal` cancels the calls in flight at once. */
  stop(signal?: AbortSignal): Promise<void> {
    this.#stopping ??= this.#stop(signal);
    return this.#stopping;
  }

  async #stop(signal?: AbortSignal): Promise<void> {
    if (this.#state === 'starting') await this.#starting?.catch(() => undefined);
    if (this.#state === 'idle') {
      this.#setState('stopped');
      this.#settleClosed();
      return;
    }
    if (this.#state !== 'serving') return;
    const server = this.#server!;
    this.#setState('stopping');
    for (const service of HEALTH_SERVICES) this.#health.setStatus(service, 'NOT_SERVING');
    const { shutdownTimeoutMs } = this.config;
    const timeout = AbortSignal.timeout(shutdownTimeoutMs);
    const force = signal ? AbortSignal.any([signal, timeout]) : timeout;
    await new Promise<void>((resolve) => {
      const onForce = () => {
        this.#logger.warn(
          { inFlight: this.#inFlight.size, afterMs: signal?.aborted ? 0 : shutdownTimeoutMs },
          'cancelling the calls still in flight',
        );
        for (const controller of this.#inFlight) {
          controller.abort(new GeomeshError('GEOMESH_RPC_CANCELLED', 'the RPC server is stopping'));
        }
        server.forceShutdown();
        resolve();
      };
      if (force.aborted) return onForce();
      force.addEventListener('abort', onForce, { once: true });
      server.tryShutdown((err) => {
        force.removeEventListener('abort', onForce);
        if (err) this.#logger.warn({ err: err.message }, 'graceful shutdown failed; forcing');
        server.forceShutdown();
        resolve();
      });
    });
    this.#server = undefined;
    this.#setState('stopped');
    this.#settleClosed();
  }

  /**
   * The grpc-js implementation of a service: one handler per codec, keyed by RPC name, each wrapped by
   * `serve` (#unary, or #serverStream for server-streaming RPCs, whose handlers also take `send`).
   */
  #implement<H extends object>(
    codecs: { readonly [K in keyof H]: MethodCodec<unknown, unknown> },
    handlers: H,
    serve: (codec: MethodCodec<unknown, unknown>, handle: Handler) => UntypedServiceImplementation[string],
  ): UntypedServiceImplementation {
    const implementation: UntypedServiceImplementation = {};
    for (const key of Object.keys(codecs) as (keyof H & string)[]) {
      const codec = codecs[key];
      const handler = handlers[key] as Handler;
      implementation[codec.rpc] = serve(codec, (request, context, send) =>
        handler.call(handlers, request, context, send),
      );
    }
    return implementation;
  }

  /** The caller's identity and the call's context, after the authorisation hook and the wire check. */
  #admit(
    codec: MethodCodec<unknown, unknown>,
    call: ServerUnaryCall<unknown, unknown> | ServerWritableStream<unknown, unknown>,
    signal: AbortSignal,
  ): RpcCallContext {
    const { method } = codec;
    const peerAddress = call.getPeer();
    const caller = this.#authorizer.authorize(method, call.metadata, call.getAuthContext(), peerAddress);
    const context: RpcCallContext = Object.freeze({
      method,
      signal,
      deadlineMs: deadlineMsOf(call.getDeadline()),
      peerAddress,
      caller,
    });
    if (call.request instanceof UndecodableRequest) {
      throw new GeomeshError(
        'GEOMESH_RPC_INVALID_ARGUMENT',
        `${method}: the request is not a ${codec.rpc}Request message: ${call.request.problem} ` +
          '(is the caller a geomesh node or CLI of a compatible version?)',
        { details: { method } },
      );
    }
    return context;
  }

  /**
   * A server-streaming handler: `send` writes one message and, when the transport's buffer is full (the
   * caller reads slower than the handler produces), resolves only once it drained, so the handler is held
   * back by gRPC flow control; it rejects once the call is cancelled.
   */
  #serverStream(
    codec: MethodCodec<unknown, unknown>,
    handle: Handler,
  ): (call: ServerWritableStream<unknown, unknown>) => void {
    const { method } = codec;
    return (call) => {
      const controller = new AbortController();
      this.#inFlight.add(controller);
      let isEnded = false;
      call.on('cancelled', () => {
        if (isEnded) return;
        controller.abort(
          new GeomeshError('GEOMESH_RPC_CANCELLED', `${method}: the caller cancelled the stream`),
        );
      });
      const send = async (message: unknown): Promise<void> => {
        controller.signal.throwIfAborted();
        if (call.write(codec.encodeResponse(message))) return;
        await once(call, 'drain', { signal: controller.signal });
      };
      void (async () => {
        try {
          const context = this.#admit(codec, call, controller.signal);
          await handle(codec.decodeRequest(call.request), context, send);
          isEnded = true;
          call.end();
        } catch (err) {
          isEnded = true;
          // A cancelled call ends with the cancellation, not with whatever the handler's abort threw.
          const failure = controller.signal.aborted ? (controller.signal.reason as unknown) : err;
          call.emit('error', toServerFailure(failure, method, this.#logger).status);
        } finally {
          this.#inFlight.delete(controller);
        }
      })();
    };
  }

  #unary(
    codec: MethodCodec<unknown, unknown>,
    handle: (request: unknown, context: RpcCallContext) => Promise<unknown>,
  ): (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => void {
    const { method } = codec;
    return (call, callback) => {
      const controller = new AbortController();
      this.#inFlight.add(controller);
      let isAnswered = false;
      // grpc-js also emits 'cancelled' when the stream closes after a normal answer: ignore that one.
      call.on('cancelled', () => {
        if (isAnswered) return;
        controller.abort(
          new GeomeshError('GEOMESH_RPC_CANCELLED', `${method}: the caller cancelled or its deadline passed`),
        );
      });
      void (async () => {
        try {
          const context = this.#admit(codec, call, controller.signal);
          const response = await handle(codec.decodeRequest(call.request), context);
          const wire = codec.encodeResponse(response);
          isAnswered = true;
          callback(null, wire);
        } catch (err) {
          const { status } = toServerFailure(err, method, this.#logger);
          isAnswered = true;
          callback(status);
        } finally {
          this.#inFlight.delete(controller);
        }
      })();
    };
  }

  #setState(state: RpcServerState): void {
    if (state === this.#state) return;
    this.#logger.info({ from: this.#state, to: state }, 'rpc server state');
    this.#state = state;
  }
}
