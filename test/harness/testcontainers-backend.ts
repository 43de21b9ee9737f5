/**
 * A backend for machines with a Docker engine: the same servers as containers (apache/kafka, etcd).
 * Host ports are fixed to free loopback ports so Kafka can advertise them. kill -9 is `docker kill`;
 * restart keeps the container's data. SIGSTOP/SIGCONT is not offered (Docker pauses through the cgroup
 * freezer, which this backend does not reach); fault tests that pause servers need the local backend.
 */
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { randomClusterId, TEST_BROKER_PROPERTIES } from './local-kafka.ts';
import { kafkaVersion } from './kafka-distribution.ts';
import { freePort } from './ports.ts';
import type { EtcdHandle, HarnessBackend, KafkaClusterHandle, ServerHandle } from './types.ts';

const ETCD_IMAGE = 'quay.io/coreos/etcd:v3.5.17';

/** `a.b.c` → `KAFKA_A_B_C`, the apache/kafka image's convention. */
function kafkaEnv(props: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(props).map(([k, v]) => [`KAFKA_${k.toUpperCase().replaceAll('.', '_')}`, v]),
  );
}

class ContainerServer implements ServerHandle {
  readonly name: string;
  readonly pid = undefined;
  #container: StartedTestContainer;
  #isStopped = false;
  #logs: string[] = [];

  constructor(name: string, container: StartedTestContainer) {
    this.name = name;
    this.#container = container;
    void container
      .logs()
      .then((stream) => stream.on('data', (line: Buffer | string) => this.#logs.push(String(line))));
  }

  async kill(): Promise<void> {
    await this.#container.stop({ timeout: 0, remove: false });
  }

  pause(): void {
    throw new Error(`${this.name}: pause() needs the local backend (GEOMESH_TEST_BACKEND=local)`);
  }

  resume(): void {
    throw new Error(`${this.name}: resume() needs the local backend (GEOMESH_TEST_BACKEND=local)`);
  }

  async restart(): Promise<void> {
    await this.#container.restart();
  }

  logTail(lines = 40): string {
    return this.#logs.join('').split('\n').slice(-lines).join('\n');
  }

  async stop(): Promise<void> {
    if (this.#isStopped) return;
    this.#isStopped = true;
    await this.#container.stop({ remove: true, removeVolumes: true });
  }
}

export const testcontainersBackend: HarnessBackend = {
  name: 'testcontainers',
  async startKafka(options): Promise<KafkaClusterHandle> {
    if (options.secureListener) throw new Error('a secured Kafka listener needs the local backend');
    if (options.wanAdvertised) throw new Error('a WAN listener needs the local backend');
    const version = options.version ?? kafkaVersion();
    const port = await freePort();
    const clusterId = randomClusterId();
    const props = {
      'node.id': '1',
      'process.roles': 'broker,controller',
      'controller.quorum.voters': '1@localhost:9093',
      listeners: `PLAINTEXT://:${port},CONTROLLER://:9093`,
      'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
      'controller.listener.names': 'CONTROLLER',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      'inter.broker.listener.name': 'PLAINTEXT',
      ...TEST_BROKER_PROPERTIES,
      ...options.brokerProperties,
    };
    const container = await new GenericContainer(`apache/kafka:${version}`)
      .withEnvironment({ ...kafkaEnv(props), CLUSTER_ID: clusterId, KAFKA_HEAP_OPTS: '-Xmx384m -Xms64m' })
      .withExposedPorts({ container: port, host: port })
      .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
      .withStartupTimeout(options.startTimeoutMs ?? 120_000)
      .start();
    const server = new ContainerServer(`kafka-${options.name}`, container);
    return Object.assign(server, {
      clusterId,
      version,
      bootstrapServers: [`127.0.0.1:${port}`],
      secureBootstrapServers: [],
      wanListener: undefined,
    });
  },
  async startEtcd(options = {}): Promise<EtcdHandle> {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const container = await new GenericContainer(ETCD_IMAGE)
      .withCommand([
        'etcd',
        '--listen-client-urls',
        `http://0.0.0.0:${port}`,
        '--advertise-client-urls',
        url,
        '--data-dir',
        '/etcd-data',
      ])
      .withExposedPorts({ container: port, host: port })
      .withWaitStrategy(Wait.forHttp('/health', port).forStatusCode(200))
      .withStartupTimeout(options.startTimeoutMs ?? 60_000)
      .start();
    const server = new ContainerServer(`etcd-${options.name ?? 'etcd'}`, container);
    return Object.assign(server, { endpoints: [url] });
  },
};
