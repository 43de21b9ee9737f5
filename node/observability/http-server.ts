/**
 * The node's small HTTP endpoint: `/metrics` (Prometheus text), `/healthz` (the process answers) and
 * `/readyz` (every component says it is ready; 503 with the reasons otherwise).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface HttpServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  registry: Registry;
  /** Names of components that are not ready; empty when ready. */
  notReady: () => string[];
}

export class HttpServer {
  readonly #options: HttpServerOptions;
  #server: Server | undefined;

  constructor(options: HttpServerOptions) {
    this.#options = options;
  }

  /** `host:port` it listens on, once started. */
  get address(): string {
    const a = this.#server?.address() as AddressInfo | null | undefined;
    return a ? `${a.address}:${a.port}` : '';
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET') {
        res.writeHead(405, { allow: 'GET' }).end();
        return;
      }
      if (path === '/metrics') {
        this.#options.registry.metrics().then(
          (text) => res.writeHead(200, { 'content-type': this.#options.registry.contentType }).end(text),
          (err: unknown) => res.writeHead(500).end(String(err)),
        );
      } else if (path === '/healthz') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      } else if (path === '/readyz') {
        const notReady = this.#options.notReady();
        res
          .writeHead(notReady.length === 0 ? 200 : 503, { 'content-type': 'application/json' })
          .end(JSON.stringify({ status: notReady.length === 0 ? 'ready' : 'not-ready', notReady }));
      } else {
        res
          .writeHead(404, { 'content-type': 'application/json' })
          .end('{"error":"not found: try /metrics, /healthz, /readyz"}');
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#options.port, this.#options.host, () => resolve());
    });
    this.#server = server;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
