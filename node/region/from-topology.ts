/**
 * Turns the compiled topology into how a region's node reaches each cluster (TLS files read, secrets
 * revealed only here, into the client options). Also refuses two regions that lead to the same Kafka cluster.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { TopologyConfig } from '../../topology/index.ts';
import { GeomeshError } from '../../base/index.ts';
import { createKafkaClient, fetchClusterId } from '../kafka/index.ts';
import type { Logger } from '../log/index.ts';
import type { ClusterConnection } from './region-node-options.ts';
import { NODE_DEFAULTS, type NodeSettings } from '../config/index.ts';

function readPem(path: string, what: string, region: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new GeomeshError(
      'GEOMESH_CONFIG_INVALID',
      `region ${region}: cannot read the Kafka TLS ${what} file ${path}: ${(err as Error).message}`,
      {
        cause: err,
        details: { region, file: path },
      },
    );
  }
}

/**
 * Client options for `region`'s cluster as the node of region `from` reaches it: its own cluster at
 * `kafka.brokers`, another region's at that region's `kafka.remoteBrokers` (default its `brokers`).
 * `timeouts` are the node's (NODE_DEFAULTS.kafka when not given).
 */
export function clusterConnection(
  config: TopologyConfig,
  region: string,
  from: string,
  timeouts?: Pick<NodeSettings['kafka'], 'connectionTimeoutMs' | 'requestTimeoutMs'>,
): ClusterConnection {
  const { kafka } = config.region(region);
  const connection: ClusterConnection = {
    brokers: [...config.brokersFor(region, from)],
    ...(timeouts && {
      connectionTimeoutMs: timeouts.connectionTimeoutMs,
      requestTimeoutMs: timeouts.requestTimeoutMs,
    }),
  };
  if (kafka.tls) {
    const tls: ConnectionOptions = {};
    if (kafka.tls.ca) tls.ca = readPem(kafka.tls.ca, 'CA', region);
    if (kafka.tls.cert) tls.cert = readPem(kafka.tls.cert, 'certificate', region);
    if (kafka.tls.key) tls.key = readPem(kafka.tls.key, 'key', region);
    connection.tls = Object.keys(tls).length > 0 ? tls : true;
  }
  if (kafka.sasl) {
    connection.sasl = {
      mechanism: kafka.sasl.mechanism,
      username: kafka.sasl.username,
      password: kafka.sasl.password.reveal(),
    };
  }
  return connection;
}

/**
 * Connects to `regions`' clusters as the node of region `from` reaches them and refuses two that report the
 * same cluster id (one cluster named twice would replicate into itself).
 */
export async function assertDistinctClusters(
  config: TopologyConfig,
  from: string,
  regions: readonly string[],
  logger: Logger,
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const region of regions) {
    const kafka = createKafkaClient({
      ...clusterConnection(config, region, from),
      clientId: 'geomesh-cluster-check',
      logger,
      connectionTimeoutMs: NODE_DEFAULTS.kafka.clusterCheckTimeoutMs,
    });
    const id = await fetchClusterId(kafka);
    const twin = [...ids].find(([, other]) => other === id)?.[0];
    if (twin) {
      throw new GeomeshError(
        'GEOMESH_CONFIG_INVALID',
        `regions ${twin} and ${region} both lead to Kafka cluster ${id}: one cluster cannot be two regions; fix the brokers (or remoteBrokers) of one of them in the topology`,
        { details: { region } },
      );
    }
    ids.set(region, id);
  }
  return ids;
}
