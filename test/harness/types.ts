/** The shapes every harness backend (local processes, testcontainers) provides. */

/** A fault-injectable server: kill -9, freeze and thaw, restart with its data. */
export interface ServerHandle {
  readonly name: string;
  /** OS process id of a local server; undefined for containers or when not running. */
  readonly pid: number | undefined;
  /** kill -9. */
  kill(): Promise<void>;
  /** kill -STOP: frozen, sockets open, nothing answered. */
  pause(): void;
  /** kill -CONT after pause(). */
  resume(): void;
  /** Start again on the same ports with the same data. */
  restart(timeoutMs?: number): Promise<void>;
  /** The server's last log lines, for failure reports. */
  logTail(lines?: number): string;
  /** Stop and delete everything it made; idempotent. */
  stop(): Promise<void>;
}

export interface KafkaClusterHandle extends ServerHandle {
  readonly clusterId: string;
  readonly version: string;
  readonly bootstrapServers: string[];
  /** The secured listener (SASL, with TLS if asked), when the cluster has one; else empty. */
  readonly secureBootstrapServers: string[];
  /** The listener for clients in other regions, when asked for: its own port and the address it advertises. */
  readonly wanListener: WanListener | undefined;
}

/**
 * A plaintext listener (named WAN) that advertises another address than its own: the address of a proxy that
 * stands for the network between regions (wan-proxy.ts). A client bootstrapped there is sent back to the
 * proxy for every later connection, so it cannot go around it.
 */
export interface WanListener {
  /** The broker's own port of the listener (the proxy's target). */
  readonly port: number;
  /** `host:port` the listener advertises (the proxy's). */
  readonly advertised: string;
}

export interface EtcdHandle extends ServerHandle {
  /** Client URLs, e.g. `http://127.0.0.1:40123`. */
  readonly endpoints: string[];
}

export interface KafkaClusterOptions {
  /** Short name, used in temp dir and log names (e.g. the region). */
  name: string;
  /** Kafka version; default GEOMESH_KAFKA_VERSION or the pinned one. */
  version?: string;
  /** Extra or overriding broker properties. */
  brokerProperties?: Readonly<Record<string, string>>;
  /** How long to wait for readiness; default 60,000 ms. */
  startTimeoutMs?: number;
  /** A second, secured listener beside the plaintext one (which tests keep for their own clients). */
  secureListener?: SecureListenerOptions;
  /**
   * `quick` (default): the broker's JVM compiles with C1 only, which starts a broker on about a third less CPU
   * and serves a test's traffic as well; `full`: the JVM's default tiered compilation, for benchmarks.
   */
  jit?: BrokerJit;
  /** A WAN listener advertised at this `host:port` (where a proxy will listen); see WanListener. */
  wanAdvertised?: string;
}

export type BrokerJit = 'quick' | 'full';

/**
 * A SASL listener: SASL_PLAINTEXT, or SASL_SSL when `tls` is given (PEM files; the key in PKCS#8). Users get
 * both a SCRAM-SHA-256/512 credential (written at format time) and a PLAIN one.
 */
export interface SecureListenerOptions {
  users: Readonly<Record<string, string>>;
  tls?: { cert: string; key: string };
}

export interface EtcdOptions {
  name?: string;
  startTimeoutMs?: number;
  /** Serve clients over https with this certificate and require client certificates signed by `ca`. */
  tls?: { cert: string; key: string; ca: string };
}

export type BackendName = 'local' | 'testcontainers';

/** How a backend starts servers. */
export interface HarnessBackend {
  readonly name: BackendName;
  startKafka(options: KafkaClusterOptions): Promise<KafkaClusterHandle>;
  startEtcd(options?: EtcdOptions): Promise<EtcdHandle>;
}
