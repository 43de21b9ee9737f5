/**
 * A single-process Apache Kafka cluster in KRaft combined mode (broker + controller) on loopback ports,
 * started from the cached jars. Small heap, settings that make one broker fast and correct for tests.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { GeomeshError } from '../../base/index.ts';
import { classArchive, type ClassArchive } from './jvm-class-archive.ts';
import { formatStorage, randomKafkaUuid } from './kafka-storage-template.ts';
import { ensureKafkaJars, kafkaVersion } from './kafka-distribution.ts';
import { LocalServer } from './local-server.ts';
import { ManagedProcess, removeAtExit } from './managed-process.ts';
import { freePorts, waitForPort } from './ports.ts';
import type {
  BrokerJit,
  KafkaClusterHandle,
  KafkaClusterOptions,
  SecureListenerOptions,
  WanListener,
} from './types.ts';

/** Broker settings for a one-broker test cluster. */
export const TEST_BROKER_PROPERTIES: Readonly<Record<string, string>> = {
  'num.partitions': '1',
  'default.replication.factor': '1',
  'min.insync.replicas': '1',
  'offsets.topic.replication.factor': '1',
  'offsets.topic.num.partitions': '4',
  'transaction.state.log.replication.factor': '1',
  'transaction.state.log.min.isr': '1',
  'transaction.state.log.num.partitions': '4',
  'share.coordinator.state.topic.replication.factor': '1',
  'share.coordinator.state.topic.min.isr': '1',
  'group.initial.rebalance.delay.ms': '0',
  'auto.create.topics.enable': 'false',
  'log.retention.check.interval.ms': '5000',
  'num.network.threads': '2',
  'num.io.threads': '4',
  'log.cleaner.threads': '1',
  'log.cleaner.dedupe.buffer.size': '8388608',
  // A broker restarted after kill -9 may register again only once its controller (the same restarted
  // process) has let the old registration's session expire: DUPLICATE_BROKER_REGISTRATION until then. At
  // Kafka's 9 s a restart took 12.8–14 s, at 3 s 7.4 s (side by side, on a loaded 2-core machine). A heartbeat every 750 ms keeps four per session,
  // so a loaded machine does not fence a live broker.
  'broker.session.timeout.ms': '3000',
  'broker.heartbeat.interval.ms': '750',
};

/** JVM flags: a capped heap and a fast start; GEOMESH_KAFKA_HEAP overrides the heap. */
function jvmFlags(jit: BrokerJit): string[] {
  const heap = (process.env['GEOMESH_KAFKA_HEAP'] ?? '-Xmx384m -Xms64m').split(/\s+/).filter(Boolean);
  return [
    ...heap,
    '-XX:+UseSerialGC',
    '-XX:-UsePerfData',
    ...(jit === 'quick' ? ['-XX:TieredStopAtLevel=1'] : []),
    '-Djava.awt.headless=true',
    '-Dlog4j2.formatMsgNoLookups=true',
  ];
}

const LOG4J2_YAML = `Configuration:
  Appenders:
    Console:
      name: STDOUT
      PatternLayout:
        pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Root:
      level: INFO
      AppenderRef:
        - ref: STDOUT
    Logger:
      - name: kafka.request.logger
        level: WARN
      - name: org.apache.kafka.controller
        level: WARN
      - name: kafka.log.LogCleaner
        level: WARN
`;

/** A random Kafka cluster id (base64url of 16 bytes, as `kafka-storage random-uuid` prints). */
export const randomClusterId = randomKafkaUuid;

/** Starts of a broker whose port was taken meanwhile, in all (LocalKafkaCluster.start). */
const BIND_ATTEMPTS = 3;

export class LocalKafkaCluster extends LocalServer implements KafkaClusterHandle {
  readonly clusterId: string;
  readonly version: string;
  readonly bootstrapServers: string[];
  readonly port: number;
  readonly controllerPort: number;
  /** The secured listener's `host:port`, when one was asked for. */
  readonly secureBootstrapServers: string[];
  readonly wanListener: WanListener | undefined;
  readonly #secure: SecureListenerOptions | undefined;
  readonly #archive: ClassArchive;

  private constructor(
    name: string,
    dir: string,
    ports: number[],
    version: string,
    classpath: string,
    clusterId: string,
    secure: SecureListenerOptions | undefined,
    archive: ClassArchive,
    jit: BrokerJit,
    wanAdvertised: string | undefined,
  ) {
    super(
      name,
      dir,
      new ManagedProcess({
        name: `kafka-${name}`,
        command: 'java',
        args: [
          ...jvmFlags(jit),
          ...archive.flags,
          `-Dlog4j2.configurationFile=${join(dir, 'log4j2.yaml')}`,
          `-Dkafka.logs.dir=${join(dir, 'logs')}`,
          '-cp',
          classpath,
          'kafka.Kafka',
          join(dir, 'server.properties'),
        ],
        logFile: join(dir, 'server.log'),
        orphanCleanupDir: dir,
      }),
      60_000,
    );
    this.version = version;
    this.clusterId = clusterId;
    this.port = ports[0]!;
    this.controllerPort = ports[1]!;
    this.bootstrapServers = [`127.0.0.1:${this.port}`];
    this.#secure = secure;
    this.#archive = archive;
    this.secureBootstrapServers = secure ? [`127.0.0.1:${ports[2]!}`] : [];
    this.wanListener = wanAdvertised ? { port: ports.at(-1)!, advertised: wanAdvertised } : undefined;
  }

  /** The folder holding the log segments of one partition, to inspect what the broker wrote to disk. */
  partitionDir(topic: string, partition: number): string {
    return join(this.dir, 'data', `${topic}-${partition}`);
  }

  /**
   * Formats storage and starts the broker; resolves once it serves requests. A port found free can be taken by
   * another process before the broker binds it (test files run two at a time): a broker that could not bind
   * starts again on other ports, at most BIND_ATTEMPTS times in all.
   */
  static async start(options: KafkaClusterOptions): Promise<LocalKafkaCluster> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await LocalKafkaCluster.#startOnce(options);
      } catch (err) {
        const isPortTaken = err instanceof Error && err.message.includes('Address already in use');
        if (!isPortTaken || attempt >= BIND_ATTEMPTS) throw err;
      }
    }
  }

  static async #startOnce(options: KafkaClusterOptions): Promise<LocalKafkaCluster> {
    const version = options.version ?? kafkaVersion();
    const classpath = await ensureKafkaJars(version);
    const dir = mkdtempSync(join(tmpdir(), `geomesh-kafka-${options.name}-`));
    removeAtExit(dir);
    const ports = await freePorts(2 + (options.secureListener ? 1 : 0) + (options.wanAdvertised ? 1 : 0));
    const clusterId = randomClusterId();
    const cluster = new LocalKafkaCluster(
      options.name,
      dir,
      ports,
      version,
      classpath,
      clusterId,
      options.secureListener,
      classArchive(dirname(dirname(classpath)), classpath, 'broker'),
      options.jit ?? 'quick',
      options.wanAdvertised,
    );
    try {
      cluster.#writeConfig(options.brokerProperties ?? {});
      await cluster.#format(classpath);
      await cluster.launch(options.startTimeoutMs ?? 60_000);
      return cluster;
    } catch (err) {
      await cluster.stop();
      throw err;
    }
  }

  #writeConfig(extra: Readonly<Record<string, string>>): void {
    mkdirSync(join(this.dir, 'data'), { recursive: true });
    mkdirSync(join(this.dir, 'logs'), { recursive: true });
    // Each listener: its name, security protocol, own address and advertised address (none for CONTROLLER).
    const listeners: { name: string; protocol: string; address: string; advertised?: string }[] = [
      {
        name: 'PLAINTEXT',
        protocol: 'PLAINTEXT',
        address: this.bootstrapServers[0]!,
        advertised: this.bootstrapServers[0]!,
      },
      { name: 'CONTROLLER', protocol: 'PLAINTEXT', address: `127.0.0.1:${this.controllerPort}` },
    ];
    const secure = this.#secure;
    const secureAddress = this.secureBootstrapServers[0];
    if (secure && secureAddress)
      listeners.push({
        name: 'SECURE',
        protocol: secure.tls ? 'SASL_SSL' : 'SASL_PLAINTEXT',
        address: secureAddress,
        advertised: secureAddress,
      });
    if (this.wanListener)
      listeners.push({
        name: 'WAN',
        protocol: 'PLAINTEXT',
        address: `127.0.0.1:${this.wanListener.port}`,
        advertised: this.wanListener.advertised,
      });
    const props: Record<string, string> = {
      'process.roles': 'broker,controller',
      'node.id': '1',
      'controller.quorum.voters': `1@127.0.0.1:${this.controllerPort}`,
      listeners: listeners.map((l) => `${l.name}://${l.address}`).join(','),
      'advertised.listeners': listeners
        .filter((l) => l.advertised)
        .map((l) => `${l.name}://${l.advertised}`)
        .join(','),
      'controller.listener.names': 'CONTROLLER',
      'listener.security.protocol.map': listeners.map((l) => `${l.name}:${l.protocol}`).join(','),
      'inter.broker.listener.name': 'PLAINTEXT',
      'log.dirs': join(this.dir, 'data'),
      ...TEST_BROKER_PROPERTIES,
      ...this.#saslProperties(),
      ...extra,
    };
    const text = Object.entries(props)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n');
    writeFileSync(join(this.dir, 'server.properties'), `${text}\n`);
    writeFileSync(join(this.dir, 'log4j2.yaml'), LOG4J2_YAML);
  }

  /** SASL (and TLS) settings of the secured listener (named SECURE). */
  #saslProperties(): Record<string, string> {
    const secure = this.#secure;
    if (!secure) return {};
    const plainUsers = Object.entries(secure.users)
      .map(([user, password]) => `user_${user}="${password}"`)
      .join(' ');
    return {
      'listener.name.secure.sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
      'listener.name.secure.plain.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required ${plainUsers};`,
      'listener.name.secure.scram-sha-256.sasl.jaas.config':
        'org.apache.kafka.common.security.scram.ScramLoginModule required;',
      'listener.name.secure.scram-sha-512.sasl.jaas.config':
        'org.apache.kafka.common.security.scram.ScramLoginModule required;',
      ...(secure.tls
        ? {
            'listener.name.secure.ssl.keystore.type': 'PEM',
            'listener.name.secure.ssl.keystore.certificate.chain': pemProperty(secure.tls.cert),
            'listener.name.secure.ssl.keystore.key': pemProperty(secure.tls.key),
          }
        : {}),
    };
  }

  async #format(classpath: string): Promise<void> {
    try {
      await formatStorage(
        { kafkaDir: dirname(dirname(classpath)), classpath, scramUsers: this.#secure?.users ?? {} },
        join(this.dir, 'data'),
        this.clusterId,
        join(this.dir, 'server.properties'),
      );
    } catch (err) {
      const isMissing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      throw new GeomeshError(
        isMissing ? 'GEOMESH_HARNESS_MISSING_DEPENDENCY' : 'GEOMESH_HARNESS_START_FAILED',
        isMissing
          ? 'java is not installed: install a JDK 17+ so the harness can run Kafka'
          : `formatting Kafka storage for ${this.name} failed: ${String((err as { stderr?: string }).stderr ?? err).slice(-2000)}`,
        { cause: err },
      );
    }
  }

  /** Stops the broker; its first clean exit on this machine leaves the class archive (jvm-class-archive.ts). */
  override async stop(): Promise<void> {
    await super.stop();
    this.#archive.finish(await this.process.exited);
  }

  protected override async launch(timeoutMs: number): Promise<void> {
    const startedAt = readLogLength(this.process.logFile);
    this.process.start();
    const signal = AbortSignal.timeout(timeoutMs);
    const exited = this.process.exited.then((code) => {
      throw new GeomeshError(
        'GEOMESH_HARNESS_START_FAILED',
        `Kafka ${this.name} exited with code ${code} while starting; log tail:\n${this.logTail(30)}`,
      );
    });
    const ready = (async () => {
      await waitForPort('127.0.0.1', this.port, signal);
      // The listener opens a little before the broker is unfenced; its log line says when it serves.
      while (!readLogSince(this.process.logFile, startedAt).includes('Kafka Server started')) {
        if (signal.aborted) throw new Error('timeout');
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    try {
      await Promise.race([ready, exited]);
    } catch (err) {
      if (err instanceof GeomeshError) throw err;
      throw new GeomeshError(
        'GEOMESH_HARNESS_START_FAILED',
        `Kafka ${this.name} was not ready within ${timeoutMs} ms; log tail:\n${this.logTail(30)}`,
        { cause: err },
      );
    } finally {
      exited.catch(() => {});
    }
  }
}

/** A PEM file's content as one properties value (line breaks escaped). */
function pemProperty(file: string): string {
  return readFileSync(file, 'utf8').trim().split('\n').join('\\n\\\n');
}

function readLogLength(file: string): number {
  try {
    return readFileSync(file).length;
  } catch {
    return 0;
  }
}

function readLogSince(file: string, offset: number): string {
  try {
    return readFileSync(file).subarray(offset).toString('utf8');
  } catch {
    return '';
  }
}
