/**
 * A set of real servers for one test file, demo or benchmark: N Kafka clusters and optionally one etcd.
 * Started in parallel; stopped together on success, failure or Ctrl-C.
 */
import { localBackend } from './local-backend.ts';
import type {
  BackendName,
  BrokerJit,
  EtcdHandle,
  HarnessBackend,
  KafkaClusterHandle,
  SecureListenerOptions,
} from './types.ts';

export interface TestEnvironmentOptions {
  /** Names of the Kafka clusters to start (one single-broker cluster each), e.g. `['a', 'b']`. */
  kafka?: readonly string[];
  /** Start an etcd too; default false. */
  etcd?: boolean;
  /** A secured listener for some clusters, by name. */
  secureListeners?: Readonly<Record<string, SecureListenerOptions>>;
  /** Extra broker properties for every cluster. */
  brokerProperties?: Readonly<Record<string, string>>;
  /** Kafka version for every cluster; default GEOMESH_KAFKA_VERSION or the pinned one. */
  kafkaVersion?: string;
  /** The brokers' JIT: `quick` (default, for tests) or `full` (for benchmarks); see KafkaClusterOptions. */
  kafkaJit?: BrokerJit;
  /** `local` processes (default) or `testcontainers`; GEOMESH_TEST_BACKEND sets the default. */
  backend?: BackendName;
}

async function backendFor(name: BackendName): Promise<HarnessBackend> {
  if (name === 'local') return localBackend;
  // Loaded on demand: the testcontainers module is large and needs a Docker engine.
  const { testcontainersBackend } = await import('./testcontainers-backend.ts');
  return testcontainersBackend;
}

export class TestEnvironment implements AsyncDisposable {
  readonly kafka: Readonly<Record<string, KafkaClusterHandle>>;
  readonly etcd: EtcdHandle | undefined;
  /** Milliseconds from the call to start() until every server was ready. */
  readonly startMs: number;
  #stopping: Promise<void> | undefined;

  private constructor(
    kafka: Record<string, KafkaClusterHandle>,
    etcd: EtcdHandle | undefined,
    startMs: number,
  ) {
    this.kafka = Object.freeze(kafka);
    this.etcd = etcd;
    this.startMs = startMs;
  }

  static async start(options: TestEnvironmentOptions = {}): Promise<TestEnvironment> {
    const began = performance.now();
    const backendName =
      options.backend ?? (process.env['GEOMESH_TEST_BACKEND'] as BackendName | undefined) ?? 'local';
    const backend = await backendFor(backendName);
    const names = options.kafka ?? [];
    const starts: Promise<KafkaClusterHandle | EtcdHandle>[] = names.map((name) => {
      const clusterOptions: Parameters<HarnessBackend['startKafka']>[0] = { name };
      if (options.brokerProperties) clusterOptions.brokerProperties = options.brokerProperties;
      if (options.kafkaVersion) clusterOptions.version = options.kafkaVersion;
      if (options.kafkaJit) clusterOptions.jit = options.kafkaJit;
      const secure = options.secureListeners?.[name];
      if (secure) clusterOptions.secureListener = secure;
      return backend.startKafka(clusterOptions);
    });
    if (options.etcd) starts.push(backend.startEtcd());
    const settled = await Promise.allSettled(starts);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      const started = settled.filter((s) => s.status === 'fulfilled').map((s) => s.value);
      await Promise.all(started.map((server) => server.stop()));
      throw failed.reason;
    }
    const servers = settled.map((s) => (s as PromiseFulfilledResult<KafkaClusterHandle | EtcdHandle>).value);
    const kafka: Record<string, KafkaClusterHandle> = {};
    names.forEach((name, i) => (kafka[name] = servers[i] as KafkaClusterHandle));
    const etcd = options.etcd ? (servers[names.length] as EtcdHandle) : undefined;
    return new TestEnvironment(kafka, etcd, performance.now() - began);
  }

  /** The Kafka cluster called `name`; throws if there is none. */
  cluster(name: string): KafkaClusterHandle {
    const cluster = this.kafka[name];
    if (!cluster)
      throw new Error(
        `no Kafka cluster "${name}" in this environment (have: ${Object.keys(this.kafka).join(', ')})`,
      );
    return cluster;
  }

  /** Each server's last log lines, for a failing test's report. */
  failureReport(lines = 30): string {
    const servers = [...Object.values(this.kafka), ...(this.etcd ? [this.etcd] : [])];
    return servers.map((s) => `--- ${s.name} ---\n${s.logTail(lines)}`).join('\n');
  }

  /** Stops every server and deletes its data; concurrent callers share one promise. */
  stop(): Promise<void> {
    this.#stopping ??= Promise.all(
      [...Object.values(this.kafka), ...(this.etcd ? [this.etcd] : [])].map((s) => s.stop()),
    ).then(() => undefined);
    return this.#stopping;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
