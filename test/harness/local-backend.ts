/** The default backend: servers as local processes on loopback ports. */
import { LocalEtcd } from './local-etcd.ts';
import { LocalKafkaCluster } from './local-kafka.ts';
import type { HarnessBackend } from './types.ts';

export const localBackend: HarnessBackend = {
  name: 'local',
  startKafka: (options) => LocalKafkaCluster.start(options),
  startEtcd: (options) => LocalEtcd.start(options),
};
