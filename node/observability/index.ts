/** Observability: the metrics catalogue and the node's HTTP endpoint (metrics, health, readiness). */
export {
  createPeerMetrics,
  createProvenanceMetrics,
  createReadinessMetrics,
  createRegionStateMetrics,
  createReplicationMetrics,
  createLinkPathMetrics,
  type LinkPathMetrics,
  createStreamServingMetrics,
  type StreamServingMetrics,
  createTranslationMetrics,
  type PeerMetrics,
  type ProvenanceMetrics,
  type RegionStateSample,
  type ReplicationMetrics,
  type TranslationMetrics,
  type TranslationMetricSources,
} from './metrics-catalogue.ts';
export { HttpServer, type HttpResponse, type HttpRoute, type HttpServerOptions } from './http-server.ts';
export { Registry } from 'prom-client';
