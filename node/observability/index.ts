/** Observability: the metrics catalogue and the node's HTTP endpoint (metrics, health, readiness). */
export {
  createPeerMetrics,
  createReplicationMetrics,
  createTranslationMetrics,
  type PeerMetrics,
  type ReplicationMetrics,
  type TranslationMetrics,
  type TranslationMetricSources,
} from './metrics-catalogue.ts';
export { HttpServer, type HttpResponse, type HttpRoute, type HttpServerOptions } from './http-server.ts';
export { Registry } from 'prom-client';
