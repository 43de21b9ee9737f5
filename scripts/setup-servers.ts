/** Fetches the pinned Kafka jars (Maven) and installs etcd (apt-get) when they are missing. */
import { ensureEtcdBinary, ensureKafkaJars, kafkaVersion } from '../test/harness/index.ts';

const log = (line: string): void => console.error(`[bootstrap] ${line}`);
try {
  await ensureKafkaJars(kafkaVersion(), log);
  const etcd = ensureEtcdBinary(log);
  log(`ready: Apache Kafka ${kafkaVersion()} jars cached; etcd at ${etcd}; Node ${process.version}`);
} catch (err) {
  log((err as Error).message);
  process.exit(1);
}
