/**
 * The node's small HTTP endpoint: `/metrics` (Prometheus text: the node's families, then the process's),
 * `/healthz` (the process answers) and
 * `/readyz` (every component says it is ready; 503 with the reasons otherwise; also the gauge
 * `geomesh_node_ready`), plus the read-only routes its
 * owner adds (the status page and its JSON). Only GET is served.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { createReadinessMetrics } from './metrics-catalogue.ts';

let processRegistry: Registry | undefined;

/**
 * The process's own metrics (prom-client's defaults: resident memory, CPU, heap spaces, event-loop delay, GC
 * pauses by kind), collected once per process however many nodes it runs one after another, and served by
 * every `/metrics` of it after the node's families.
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** What a route answers. */
export interface HttpResponse {
  /** Default 200. */
  status?: number;
  contentType: string;
  body: string;
}

/** A read-only route: called on every GET of its path (query string ignored). */
export type HttpRoute = () => HttpResponse | Promise<HttpResponse>;

export interface HttpServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  registry: Registry;
  /** Names of components that are not ready; empty when ready. */
  notReady: () => string[];
  /**
   * More GET routes by exact path (e.g. `/status`); default none. They cannot replace the built-in ones. A
   * route that throws or rejects answers 500 with the error's message as JSON.
   */
  routes?: Readonly<Record<string, HttpRoute>>;
}

const BUILT_IN_PATHS = ['/metrics', '/healthz', '/readyz'];

export class HttpServer {
  readonly #options: HttpServerOptions;
  #server: Server | undefined;

  constructor(options: HttpServerOptions) {
    this.#options = options;
    createReadinessMetrics(options.registry, options.notReady);
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
        Promise.all([this.#options.registry.metrics(), processMetrics().metrics()]).then(
          ([node, own]) =>
            res.writeHead(200, { 'content-type': this.#options.registry.contentType }).end(`${node}\n${own}`),
          (err: unknown) => res.writeHead(500).end(String(err)),
        );
      } else if (path === '/healthz') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      } else if (path === '/readyz') {
        const notReady = this.#options.notReady();
        res
          .writeHead(notReady.length === 0 ? 200 : 503, { 'content-type': 'application/json' })
          .end(JSON.stringify({ status: notReady.length === 0 ? 'ready' : 'not-ready', notReady }));
      } else if (path !== undefined && Object.hasOwn(this.#options.routes ?? {}, path)) {
        const route = this.#options.routes![path]!;
        Promise.resolve()
          .then(route)
          .then(
            (answer) =>
              res
                .writeHead(answer.status ?? 200, {
                  'content-type': answer.contentType,
                  'cache-control': 'no-store',
                })
                .end(answer.body),
            (err: unknown) =>
              res
                .writeHead(500, { 'content-type': 'application/json' })
                .end(JSON.stringify({ error: err instanceof Error ? err.message : String(err) })),
          );
      } else {
        const paths = [...BUILT_IN_PATHS, ...Object.keys(this.#options.routes ?? {})];
        res
          .writeHead(404, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: `not found: try ${paths.join(', ')}` }));
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
