/**
 * Creates kafkajs clients configured the geomesh way: all codecs registered, logs bridged to pino,
 * TLS and SASL from validated options. The only place a kafkajs `Kafka` is constructed.
 */
import kafkajs, { type Kafka, type KafkaConfig, type SASLOptions } from 'kafkajs';
import type { Socket } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { GeomeshError, type ErrorDetails } from '../../base/index.ts';
import type { Logger } from '../log/index.ts';
import { lz4Codec, snappyCodec, zstdCodec } from './codecs.ts';
import { bridgeKafkaLogs, kafkaLogLevelFor } from './kafka-logging.ts';
import { trackClient } from './open-clients.ts';
import { gatedSocketFactory, type ProduceGate } from './produce-gate.ts';
import { NODE_DEFAULTS } from '../defaults/index.ts';

// kafkajs is CommonJS and Node cannot see all of its named exports from ESM: take them off the default.
const { CompressionCodecs, CompressionTypes, Kafka: KafkaClient, KafkaJSError } = kafkajs;

let areCodecsRegistered = false;

/** Registers snappy, lz4 and zstd with kafkajs (process-wide, idempotent). */
export function registerCodecs(): void {
  if (areCodecsRegistered) return;
  CompressionCodecs[CompressionTypes.Snappy] = snappyCodec;
  CompressionCodecs[CompressionTypes.LZ4] = lz4Codec;
  CompressionCodecs[CompressionTypes.ZSTD] = zstdCodec;
  areCodecsRegistered = true;
}

/** SASL credentials, already resolved from their environment references. */
export type KafkaSaslOptions =
  | { mechanism: 'plain'; username: string; password: string }
  | { mechanism: 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };

/** What a caller gives to reach one Kafka cluster. */
export interface KafkaClientOptions {
  /** `host:port` bootstrap addresses. */
  brokers: readonly string[];
  /** Kafka client id, shown in broker logs and quotas. */
  clientId: string;
  /** TLS: `true` for system CAs, or explicit PEM material. Default: plaintext. */
  tls?: boolean | ConnectionOptions;
  sasl?: KafkaSaslOptions;
  /** TCP connect timeout; default 3,000 ms. */
  connectionTimeoutMs?: number;
  /** Per-request timeout; default 30,000 ms. */
  requestTimeoutMs?: number;
  /** Produce requests leave only while this gate is open (work sharing's fencing, see produce-gate.ts). */
  produceGate?: ProduceGate;
  /** Called with every socket the client opens (KafkaCluster closes any kafkajs leaves open). */
  onSocket?: (socket: Socket) => void;
  /** Aborted when the client is done: every retry still scheduled fails at once instead of going on. */
  closed?: AbortSignal;
  logger: Logger;
}

/** The kafkajs client for one cluster. */
export function createKafkaClient(options: KafkaClientOptions): Kafka {
  registerCodecs();
  const logger = options.logger.child({ component: 'kafkajs' });
  const config: KafkaConfig = {
    clientId: options.clientId,
    brokers: [...options.brokers],
    connectionTimeout: options.connectionTimeoutMs ?? NODE_DEFAULTS.kafka.connectionTimeoutMs,
    requestTimeout: options.requestTimeoutMs ?? NODE_DEFAULTS.kafka.requestTimeoutMs,
    logLevel: kafkaLogLevelFor(logger),
    logCreator: bridgeKafkaLogs(logger),
  };
  if (options.tls !== undefined) config.ssl = options.tls;
  if (options.sasl) config.sasl = { ...options.sasl } as SASLOptions;
  config.socketFactory = gatedSocketFactory(options.produceGate, options.onSocket);
  if (options.produceGate) {
    // A refused request must fail within a second, not after kafkajs' ~10 s of retries: an instance that
    // lost its lease waits for its writes in flight to end before it may take a lease and partitions again.
    config.retry = { retries: 2, initialRetryTime: 100, maxRetryTime: 1_000 };
  }
  // Every producer, consumer and admin of the client merges its retry options over these (kafkajs patch).
  if (options.closed) config.retry = { ...config.retry, signal: options.closed };
  const kafka = new KafkaClient(config);
  // Every client is followed from connect to disconnect (open-clients.ts: the leak report names them).
  const producer = kafka.producer.bind(kafka);
  const consumer = kafka.consumer.bind(kafka);
  const admin = kafka.admin.bind(kafka);
  kafka.producer = (c) => trackClient(producer(c), 'producer', options.clientId);
  kafka.consumer = (c) => trackClient(consumer(c), `consumer of ${c.groupId}`, options.clientId);
  kafka.admin = (c) => trackClient(admin(c), 'admin', options.clientId);
  return kafka;
}

/** Translates a kafkajs error into a GeomeshError once, here, keeping it as the cause. */
export function translateKafkaError(err: unknown, context: string, details: ErrorDetails = {}): GeomeshError {
  if (err instanceof GeomeshError) return err;
  if (err instanceof KafkaJSError) {
    const isConnection = /Connection|NumberOfRetriesExceeded|BrokerNotFound/.test(err.name);
    const code = isConnection
      ? 'GEOMESH_KAFKA_CONNECTION'
      : err.retriable
        ? 'GEOMESH_KAFKA_RETRIABLE'
        : 'GEOMESH_KAFKA_REQUEST';
    return new GeomeshError(code, `${context}: ${err.message}`, {
      cause: err,
      retryable: isConnection || err.retriable,
      details: { ...details, kafkaError: err.name },
    });
  }
  return new GeomeshError('GEOMESH_KAFKA_REQUEST', `${context}: ${String((err as Error)?.message ?? err)}`, {
    cause: err,
    details,
  });
}
