/**
 * The test harness: real Kafka clusters (KRaft, one process each) and a real etcd on loopback ports,
 * with fault injection (kill -9, SIGSTOP/SIGCONT, restart). Used by integration and end-to-end tests,
 * the demo and the benchmarks.
 */
export { TestEnvironment, type TestEnvironmentOptions } from './test-environment.ts';
export { LocalKafkaCluster, TEST_BROKER_PROPERTIES, randomClusterId } from './local-kafka.ts';
export { LocalEtcd, ensureEtcdBinary } from './local-etcd.ts';
export { kubectlBinary, pinnedKubectl } from './kubectl.ts';
export {
  LocalPrometheus,
  ensurePrometheusBinaries,
  type LocalPrometheusOptions,
  type PrometheusBinaries,
  type PromAlert,
  type PromSample,
} from './local-prometheus.ts';
export {
  DEFAULT_KAFKA_VERSION,
  PROJECT_ROOT,
  ensureKafkaJars,
  ensureMirrorJars,
  hasKafkaJars,
  kafkaLibDir,
  kafkaVersion,
} from './kafka-distribution.ts';
export { ManagedProcess, killAllSync, removeAtExit, type ProcessState } from './managed-process.ts';
export { freePort, freePorts, waitForPort } from './ports.ts';
export { WanProxy, type WanProxyOptions, type WanState } from './wan-proxy.ts';
export type * from './types.ts';
