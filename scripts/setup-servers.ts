/**
 * Fetches the pinned Kafka jars (Maven) and installs etcd and Prometheus (apt-get; promtool checks the alert
 * rules, Prometheus scrapes a mesh in an end-to-end test) when they are missing.
 */
import {
  ensureEtcdBinary,
  ensureKafkaJars,
  ensurePrometheusBinaries,
  kafkaVersion,
} from '../test/harness/index.ts';

const log = (line: string): void => console.error(`[bootstrap] ${line}`);
try {
  await ensureKafkaJars(kafkaVersion(), log);
  const etcd = ensureEtcdBinary(log);
  const { prometheus } = ensurePrometheusBinaries(log);
  log(
    `ready: Apache Kafka ${kafkaVersion()} jars cached; etcd at ${etcd}; Prometheus at ${prometheus}; Node ${process.version}`,
  );
} catch (err) {
  log((err as Error).message);
  process.exit(1);
}
