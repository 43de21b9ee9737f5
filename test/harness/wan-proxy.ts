/**
 * A wide-area link for tests: a TCP proxy on loopback that stands between a region and something remote (a
 * Kafka listener, a peer node's gRPC port) and behaves like the network between two regions.
 *
 * - **Distance**: every byte is delivered `delayMs` after it arrived, in each direction on its own
 *   (`upDelayMs`: client → target, `downDelayMs`: target → client); changeable while connections run.
 * - **Bandwidth**: an optional cap per direction, shared by every connection through the proxy (one link's
 *   capacity); bytes queue behind it as they would behind a slow line.
 * - **Bounded memory**: a connection whose queue holds more than `maxQueuedBytes` stops reading from its
 *   sender until the queue drains (TCP's own back-pressure reaches the sender).
 * - **Faults on command**: `cut()` closes every connection and refuses new ones; `blackhole()` accepts and
 *   goes silent (data is held, as a network dropping packets makes TCP retransmit, and flows again after
 *   `heal()`); `reset()` resets every open connection (ECONNRESET at both ends).
 * - **Counted**: bytes per direction, connections accepted.
 *
 * Plain Node (`node:net`); no kernel features (tc netem is not available everywhere).
 */
import { createServer, Socket, type AddressInfo, type Server } from 'node:net';

export interface WanProxyOptions {
  /** Where the proxy forwards to. */
  target: { host: string; port: number };
  /** Loopback port to listen on; default a free one. */
  listenPort?: number;
  /** Loopback address to listen on; default 127.0.0.1. */
  listenHost?: string;
  /** One-way delay in both directions, ms; default 0. */
  delayMs?: number;
  /** Bytes per second per direction, shared by all connections; default unlimited. */
  bandwidthBytesPerSecond?: number;
  /** Bytes a connection may hold queued in one direction before it stops reading its sender; default 4 MiB. */
  maxQueuedBytes?: number;
}

/** What the proxy does with connections: pass data, refuse everything (`cut`), or hold everything (`blackhole`). */
export type WanState = 'open' | 'cut' | 'blackhole';

/** Client → target is `up`, target → client is `down`. */
type Direction = 'up' | 'down';

interface Chunk {
  readonly data: Buffer;
  /** Epoch ms at which it may be delivered. */
  readonly dueAt: number;
}

/** One direction of one connection: a queue released in order once each chunk is due. */
class Pipe {
  readonly #queue: Chunk[] = [];
  #queued = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #from: Socket;
  readonly #to: Socket;
  readonly #proxy: WanProxy;
  readonly #direction: Direction;

  /** The sender closed its side: the receiver's side is ended once the queue is delivered. */
  #isEnded = false;

  /** Bytes arrived from the sender and not delivered yet. */
  get queued(): number {
    return this.#queued;
  }

  get direction(): Direction {
    return this.#direction;
  }

  /** Makes every queued chunk due now (their delay is waived); delivered at the next pump while open. */
  expedite(): void {
    const queued = this.#queue.splice(0).map((c) => ({ data: c.data, dueAt: 0 }));
    this.#queue.push(...queued);
  }

  constructor(proxy: WanProxy, direction: Direction, from: Socket, to: Socket) {
    this.#proxy = proxy;
    this.#direction = direction;
    this.#from = from;
    this.#to = to;
    from.on('data', (data: Buffer) => this.#arrived(data));
    from.on('end', () => {
      this.#isEnded = true;
      this.pump();
    });
  }

  #arrived(data: Buffer): void {
    this.#queue.push({ data, dueAt: this.#proxy.dueAt(this.#direction, data.length) });
    this.#queued += data.length;
    if (this.#queued > this.#proxy.maxQueuedBytes) this.#from.pause();
    this.pump();
  }

  /** Delivers every chunk that is due, then waits for the next one (nothing moves while blackholed). */
  pump(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#proxy.state !== 'open' || this.#to.destroyed) return;
    const now = Date.now();
    while (this.#queue.length > 0 && this.#queue[0]!.dueAt <= now) {
      const { data } = this.#queue.shift()!;
      this.#queued -= data.length;
      this.#proxy.count(this.#direction, data.length);
      this.#to.write(data);
    }
    if (this.#queued <= this.#proxy.maxQueuedBytes / 2 && this.#from.isPaused()) this.#from.resume();
    const next = this.#queue[0];
    if (next) this.#timer = setTimeout(() => this.pump(), Math.max(1, next.dueAt - now));
    else if (this.#isEnded) this.#to.end();
  }

  close(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#queue.length = 0;
    this.#queued = 0;
  }
}

/** A client connection and its connection to the target, with a pipe each way. */
class Connection {
  readonly #client: Socket;
  readonly #target: Socket;
  readonly #pipes: Pipe[];

  constructor(proxy: WanProxy, client: Socket, target: Socket, onClose: () => void) {
    this.#client = client;
    this.#target = target;
    this.#pipes = [new Pipe(proxy, 'up', client, target), new Pipe(proxy, 'down', target, client)];
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      for (const pipe of this.#pipes) pipe.close();
      client.destroy();
      target.destroy();
      onClose();
    };
    // Sockets half-close (each side's end is passed on once its bytes are delivered); an error at either
    // end, or both ends closed, ends the connection.
    for (const socket of [client, target]) socket.on('error', close);
    let open = 2;
    for (const socket of [client, target]) socket.on('close', () => --open === 0 && close());
  }

  pump(): void {
    for (const pipe of this.#pipes) pipe.pump();
  }

  expedite(): void {
    for (const pipe of this.#pipes) pipe.expedite();
  }

  /** Bytes held (arrived, not delivered yet) in `direction`. */
  held(direction: Direction): number {
    return this.#pipes.reduce((sum, pipe) => sum + (pipe.direction === direction ? pipe.queued : 0), 0);
  }

  /** Closes both ends (FIN), or resets them (RST) when `reset`. */
  end(reset: boolean): void {
    for (const socket of [this.#client, this.#target]) {
      if (reset) socket.resetAndDestroy();
      else socket.destroy();
    }
  }
}

export class WanProxy {
  readonly host: string;
  readonly port: number;
  /** `host:port` of the proxy, to give clients (or to advertise). */
  readonly address: string;
  readonly maxQueuedBytes: number;
  readonly #server: Server;
  readonly #target: { host: string; port: number };
  readonly #connections = new Set<Connection>();
  /** Every accepted socket still open, so that stop() leaves none behind. */
  readonly #sockets = new Set<Socket>();
  readonly #bytes: Record<Direction, number> = { up: 0, down: 0 };
  readonly #delayMs: Record<Direction, number>;
  #bandwidth: number | undefined;
  /** When each direction's line is free again (bandwidth cap), epoch ms. */
  readonly #busyUntil: Record<Direction, number> = { up: 0, down: 0 };
  #state: WanState = 'open';
  #accepted = 0;

  private constructor(server: Server, options: WanProxyOptions) {
    this.#server = server;
    this.#target = options.target;
    const { address, port } = server.address() as AddressInfo;
    this.host = address;
    this.port = port;
    this.address = `${address}:${port}`;
    this.maxQueuedBytes = options.maxQueuedBytes ?? 4 * 1024 * 1024;
    this.#delayMs = { up: options.delayMs ?? 0, down: options.delayMs ?? 0 };
    this.#bandwidth = options.bandwidthBytesPerSecond;
  }

  /** Listens and forwards to `options.target`. */
  static async start(options: WanProxyOptions): Promise<WanProxy> {
    const server = createServer({ noDelay: true, allowHalfOpen: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.listenPort ?? 0, options.listenHost ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const proxy = new WanProxy(server, options);
    server.on('connection', (client) => proxy.#accept(client));
    return proxy;
  }

  get state(): WanState {
    return this.#state;
  }

  /** Bytes delivered so far: `up` client → target, `down` target → client. */
  get bytes(): Readonly<Record<Direction, number>> {
    return { ...this.#bytes };
  }

  /** Bytes arrived and not delivered yet (delayed or blackholed), per direction, over open connections. */
  get held(): Readonly<Record<Direction, number>> {
    let up = 0;
    let down = 0;
    for (const c of this.#connections) {
      up += c.held('up');
      down += c.held('down');
    }
    return { up, down };
  }

  /** Connections accepted so far (refused ones while cut included). */
  get accepted(): number {
    return this.#accepted;
  }

  /** Connections open now. */
  get open(): number {
    return this.#connections.size;
  }

  /** Sets the one-way delay, both directions or each; applies to bytes arriving from now on. */
  setDelay(delay: number | { up: number; down: number }): void {
    const { up, down } = typeof delay === 'number' ? { up: delay, down: delay } : delay;
    this.#delayMs.up = up;
    this.#delayMs.down = down;
  }

  /** Caps each direction at `bytesPerSecond` (undefined: no cap). */
  setBandwidth(bytesPerSecond: number | undefined): void {
    this.#bandwidth = bytesPerSecond;
  }

  /** Closes every connection and refuses new ones until `heal()`. */
  cut(): void {
    this.#state = 'cut';
    for (const c of this.#connections) c.end(false);
  }

  /** Accepts connections but delivers nothing, either way, until `heal()`; held data flows then. */
  blackhole(): void {
    this.#state = 'blackhole';
  }

  /** Resets every open connection (both ends see ECONNRESET); new ones are accepted as before. */
  reset(): void {
    for (const c of this.#connections) c.end(true);
  }

  /** Delivers what is held now, in order, without waiting out the delay it arrived with (unless cut or blackholed). */
  releaseHeld(): void {
    for (const c of this.#connections) {
      c.expedite();
      c.pump();
    }
  }

  /** Back to normal after `cut()` or `blackhole()`. */
  heal(): void {
    this.#state = 'open';
    for (const c of this.#connections) c.pump();
  }

  async stop(): Promise<void> {
    for (const c of this.#connections) c.end(false);
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** When `bytes` arriving now in `direction` may be delivered: after the line is free, plus the delay. */
  dueAt(direction: Direction, bytes: number): number {
    const now = Date.now();
    if (this.#bandwidth === undefined) return now + this.#delayMs[direction];
    const sent = Math.max(now, this.#busyUntil[direction]) + (bytes * 1_000) / this.#bandwidth;
    this.#busyUntil[direction] = sent;
    return sent + this.#delayMs[direction];
  }

  count(direction: Direction, bytes: number): void {
    this.#bytes[direction] += bytes;
  }

  #accept(client: Socket): void {
    this.#accepted++;
    this.#sockets.add(client);
    client.on('close', () => this.#sockets.delete(client));
    if (this.#state === 'cut') {
      client.destroy();
      return;
    }
    client.setNoDelay(true);
    const target = new Socket({ allowHalfOpen: true });
    target.setNoDelay(true);
    // Nothing is read from the client until the target is connected; its bytes wait in the socket.
    client.pause();
    const connection = new Connection(this, client, target, () => this.#connections.delete(connection));
    this.#connections.add(connection);
    target.connect(this.#target.port, this.#target.host, () => client.resume());
  }
}
