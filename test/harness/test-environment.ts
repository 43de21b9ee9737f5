/**
 * A set of real servers for one test file, demo or benchmark: N Kafka clusters and optionally one etcd.
 * Started in parallel; stopped together on success, failure or Ctrl-C.
 */
import { localBackend } from './local-backend.ts';
import { freePort } from './ports.ts';
import { WanProxy, type WanProxyOptions } from './wan-proxy.ts';
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
  /**
   * A WAN in front of every Kafka cluster: each gets a WAN listener advertised at a proxy of its own
   * (`env.wan(name)`), with these delay and bandwidth settings; clients of other regions bootstrap at
   * `env.wanBootstrapServers(name)`. The plaintext listener stays direct, for the test's own clients.
   */
  wan?: Omit<WanProxyOptions, 'target' | 'listenPort' | 'listenHost'>;
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
  readonly #wan: ReadonlyMap<string, WanProxy>;
  #stopping: Promise<void> | undefined;

  private constructor(
    kafka: Record<string, KafkaClusterHandle>,
    etcd: EtcdHandle | undefined,
    startMs: number,
    wan: ReadonlyMap<string, WanProxy>,
  ) {
    this.kafka = Object.freeze(kafka);
    this.etcd = etcd;
    this.startMs = startMs;
    this.#wan = wan;
  }

  static async start(options: TestEnvironmentOptions = {}): Promise<TestEnvironment> {
    const began = performance.now();
    const backendName =
      options.backend ?? (process.env['GEOMESH_TEST_BACKEND'] as BackendName | undefined) ?? 'local';
    const backend = await backendFor(backendName);
    const names = options.kafka ?? [];
    const wanPorts = new Map<string, number>();
    if (options.wan) for (const name of names) wanPorts.set(name, await freePort());
    const starts: Promise<KafkaClusterHandle | EtcdHandle>[] = names.map((name) => {
      const clusterOptions: Parameters<HarnessBackend['startKafka']>[0] = { name };
      if (options.brokerProperties) clusterOptions.brokerProperties = options.brokerProperties;
      if (options.kafkaVersion) clusterOptions.version = options.kafkaVersion;
      if (options.kafkaJit) clusterOptions.jit = options.kafkaJit;
      const secure = options.secureListeners?.[name];
      if (secure) clusterOptions.secureListener = secure;
      const wanPort = wanPorts.get(name);
      if (wanPort !== undefined) clusterOptions.wanAdvertised = `127.0.0.1:${wanPort}`;
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
    const wan = new Map<string, WanProxy>();
    try {
      for (const [name, listenPort] of wanPorts) {
        const target = { host: '127.0.0.1', port: kafka[name]!.wanListener!.port };
        wan.set(name, await WanProxy.start({ ...options.wan, listenPort, target }));
      }
    } catch (err) {
      await Promise.all([
        ...[...wan.values()].map((p) => p.stop()),
        ...servers.map((server) => server.stop()),
      ]);
      throw err;
    }
    return new TestEnvironment(kafka, etcd, performance.now() - began, wan);
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

  /** The WAN proxy in front of cluster `name` (environments started with `wan`); throws if there is none. */
  wan(name: string): WanProxy {
    const proxy = this.#wan.get(name);
    if (!proxy) throw new Error(`no WAN proxy for "${name}": start the environment with the wan option`);
    return proxy;
  }

  /** Where clients of other regions bootstrap to reach cluster `name` through its WAN proxy. */
  wanBootstrapServers(name: string): string[] {
    return [this.wan(name).address];
  }

  /** Each server's last log lines, for a failing test's report. */
  failureReport(lines = 30): string {
    const servers = [...Object.values(this.kafka), ...(this.etcd ? [this.etcd] : [])];
    return servers.map((s) => `--- ${s.name} ---\n${s.logTail(lines)}`).join('\n');
  }

  /** Stops every server and deletes its data; concurrent callers share one promise. */
  stop(): Promise<void> {
    this.#stopping ??= Promise.all([
      ...[...this.#wan.values()].map((p) => p.stop()),
      ...[...Object.values(this.kafka), ...(this.etcd ? [this.etcd] : [])].map((s) => s.stop()),
    ]).then(() => undefined);
    return this.#stopping;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
