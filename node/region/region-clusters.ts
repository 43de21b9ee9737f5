/**
 * The Kafka clusters of a region node: its own, fenced under work sharing (nothing is produced into it
 * without a live lease), and the remote ones its links read.
 */
import { KafkaCluster } from '../kafka/index.ts';
import type { Logger } from '../log/index.ts';
import type { ReplicationMetrics } from '../observability/index.ts';
import type { RegionNodeOptions } from './region-node-options.ts';

/** The cluster of `region`, as the node of `options.region` connects to it. */
export function regionCluster(
  options: Pick<RegionNodeOptions, 'clusters' | 'region' | 'workSharing'>,
  region: string,
  logger: Logger,
  metrics: ReplicationMetrics,
): KafkaCluster {
  const cluster = options.clusters[region];
  if (!cluster) throw new Error(`no Kafka cluster configured for region ${region}`);
  const workSharing = options.workSharing;
  return new KafkaCluster({
    ...cluster,
    clientId: `geomesh-${options.region}`,
    logger,
    ...(workSharing &&
      region === options.region && {
        produceGate: {
          isOpen: () => workSharing.isLeaseValid(),
          onRefused: () => metrics.writesFenced.inc(),
        },
      }),
  });
}
