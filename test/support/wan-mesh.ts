/**
 * A mesh whose every cross-region connection goes through a WAN proxy, for network fault tests: each
 * region's cluster is read by the other regions at its WAN listener (`kafka.remoteBrokers`), each node is
 * called by its peers through a proxy of its own (`node.advertise`), and chosen regions reach etcd through
 * a proxy too (`geomesh node --etcd-endpoints`). Writers keep every region writing numbered records while
 * faults come and go; `audit` then accounts for every copy of every record in every region.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka, Producer } from 'kafkajs';
import { createKafkaClient } from '../../node/kafka/index.ts';
import { silentLogger } from '../../node/log/index.ts';
import type { NodeStatus } from '../../node/status/index.ts';
import { TestEnvironment, WanProxy, freePort, type BrokerJit } from '../harness/index.ts';
import { runGeomesh, waitNodeReady } from './cli-process.ts';
import { auditTopic, type RegionAudit } from './mesh-audit.ts';
import { waitFor } from './polling.ts';

export interface WanMeshOptions {
  mesh: string;
  regions: readonly string[];
  /** Topics created in every cluster before the nodes start (3 partitions each); all match `topicPattern`. */
  topics: readonly string[];
  topicPattern: string;
  /** Regions whose node reaches etcd through a proxy (`etcdProxy(region)`). */
  etcdProxied: readonly string[];
  /** One-way delay of every proxy at the start, ms. */
  delayMs: number;
  /** Extra lines under `defaults:` of the topology (e.g. link options). */
  defaults?: readonly string[];
  key: string;
  /** The brokers' JIT: `quick` (default, for tests) or `full` (for benchmarks). */
  kafkaJit?: BrokerJit;
  /**
   * A region whose partitions `instances` node processes share (`node.workSharing`): the first instance is
   * named after the region, the others `<region>-2`, `<region>-3`…; each listens on ports of its own, and
   * all register the region's advertised address (the proxy in front of the first instance's gRPC port).
   */
  workSharing?: { region: string; instances: number; leaseTtlMs: number };
  /** Arguments every node starts with, after the others (e.g. `--workers 2`). */
  nodeArgs?: readonly string[];
}

interface RegionNodeProcess {
  region: string;
  child: ChildProcess;
  grpc: number;
  http: number;
}

export class WanMesh {
  readonly env: TestEnvironment;
  readonly kafka: Record<string, Kafka> = {};
  readonly options: WanMeshOptions;
  readonly dir: string;
  readonly #peerProxies = new Map<string, WanProxy>();
  readonly #etcdProxies = new Map<string, WanProxy>();
  /** Node processes by instance name (a region's name for its first instance). */
  readonly #nodes = new Map<string, RegionNodeProcess>();

  private constructor(env: TestEnvironment, options: WanMeshOptions) {
    this.env = env;
    this.options = options;
    this.dir = mkdtempSync(join(tmpdir(), `geomesh-${options.mesh}-`));
  }

  /** Starts the clusters, etcd, the proxies and one node per region; resolves when every node is ready. */
  static async start(options: WanMeshOptions): Promise<WanMesh> {
    const env = await TestEnvironment.start({
      kafka: options.regions,
      etcd: true,
      wan: { delayMs: options.delayMs },
      ...(options.kafkaJit && { kafkaJit: options.kafkaJit }),
    });
    const mesh = new WanMesh(env, options);
    try {
      await mesh.#setUp();
    } catch (err) {
      await mesh.stop();
      throw err;
    }
    return mesh;
  }

  /**
   * Ports handed out here: a node's ports are chosen before it listens, so a proxy started meanwhile (on a port
   * the system picks) or a later choice could take the same one (a CI run had a proxy on a node's http port).
   */
  readonly #ports = new Set<number>();

  async #freePort(): Promise<number> {
    for (;;) {
      const port = await freePort();
      if (!this.#ports.has(port)) {
        this.#ports.add(port);
        return port;
      }
    }
  }

  /** A proxy on a port no node of the mesh was given (started again, the taken one held meanwhile, until so). */
  async #startProxy(options: Parameters<typeof WanProxy.start>[0]): Promise<WanProxy> {
    const held: WanProxy[] = [];
    let proxy = await WanProxy.start(options);
    while (this.#ports.has(proxy.port)) {
      held.push(proxy);
      proxy = await WanProxy.start(options);
    }
    await Promise.all(held.map((p) => p.stop()));
    this.#ports.add(proxy.port);
    return proxy;
  }

  async #setUp(): Promise<void> {
    const { regions, topics, delayMs } = this.options;
    const etcd = new URL(this.env.etcd!.endpoints[0]!);
    for (const r of regions) {
      this.kafka[r] = createKafkaClient({
        brokers: this.env.cluster(r).bootstrapServers,
        clientId: `test-${r}`,
        logger: silentLogger(),
      });
      const admin = this.kafka[r].admin();
      await admin.connect();
      await admin.createTopics({
        waitForLeaders: true,
        topics: topics.map((topic) => ({ topic, numPartitions: 3 })),
      });
      await admin.disconnect();
      const grpc = await this.#freePort();
      const sharing = this.options.workSharing?.region === r ? this.options.workSharing.instances : 1;
      for (let i = 1; i <= sharing; i++)
        this.#nodes.set(i === 1 ? r : `${r}-${i}`, {
          region: r,
          child: undefined as unknown as ChildProcess,
          grpc: i === 1 ? grpc : await this.#freePort(),
          http: await this.#freePort(),
        });
      this.#peerProxies.set(
        r,
        await this.#startProxy({ target: { host: '127.0.0.1', port: grpc }, delayMs }),
      );
      if (this.options.etcdProxied.includes(r))
        this.#etcdProxies.set(
          r,
          await this.#startProxy({ target: { host: etcd.hostname, port: Number(etcd.port) }, delayMs: 0 }),
        );
    }
    writeFileSync(this.topologyFile, this.#topology());
    for (const name of this.instances) this.startNode(name);
    for (const name of this.instances) await this.waitReady(name);
  }

  /** Every node instance's name: the regions', then the extra instances of a work-sharing region. */
  get instances(): string[] {
    return [...this.#nodes.keys()];
  }

  get topologyFile(): string {
    return join(this.dir, 'mesh.yaml');
  }

  /**
   * Writes a topology file named `name` in the mesh's folder where the regions `throughWan` reach their own
   * cluster through its proxy too (so that its bandwidth cap slows their writes); returns its path.
   */
  writeTopology(name: string, throughWan: readonly string[]): string {
    const file = join(this.dir, name);
    writeFileSync(file, this.#topology(throughWan));
    return file;
  }

  /** The topology: own brokers direct (unless `throughWan`), remote brokers and peers through the proxies. */
  #topology(throughWan: readonly string[] = []): string {
    const lines = [
      `mesh: ${this.options.mesh}`,
      `etcd: { endpoints: ['${this.env.etcd!.endpoints[0]}'] }`,
      "provenance: { key: '${GEOMESH_PROVENANCE_KEY}' }",
      'regions:',
    ];
    for (const r of this.options.regions) {
      const node = this.#nodes.get(r)!;
      const sharing = this.options.workSharing;
      lines.push(
        `  ${r}:`,
        `    kafka: { brokers: ['${(throughWan.includes(r) ? this.env.wanBootstrapServers(r) : this.env.cluster(r).bootstrapServers)[0]}'], remoteBrokers: ['${this.env.wanBootstrapServers(r)[0]}'] }`,
        `    node: { grpc: '127.0.0.1:${node.grpc}', http: '127.0.0.1:${node.http}', advertise: '${this.peerProxy(r).address}'${sharing?.region === r ? `, workSharing: { leaseTtlMs: ${sharing.leaseTtlMs} }` : ''} }`,
      );
    }
    lines.push(
      'links:',
      `  - between: [${this.options.regions.join(', ')}]`,
      `    topics: { include: ['${this.options.topicPattern}'] }`,
    );
    if (this.options.defaults) lines.push('defaults:', ...this.options.defaults.map((l) => `  ${l}`));
    return `${lines.join('\n')}\n`;
  }

  /**
   * Starts `region`'s node (or the instance so named) again with the mesh's topology, or with `file`, and
   * `args` after the others (e.g. `--topology-from etcd`).
   */
  startNode(
    instance: string,
    file = this.topologyFile,
    args: readonly string[] = this.options.nodeArgs ?? [],
  ): void {
    const node = this.#nodes.get(instance)!;
    const region = node.region;
    const etcdProxy = this.#etcdProxies.get(region);
    node.child = runGeomesh(
      [
        'node',
        ...['--topology', file, '--region', region],
        ...['--grpc', `127.0.0.1:${node.grpc}`, '--http', `127.0.0.1:${node.http}`],
        ...(etcdProxy ? ['--etcd-endpoints', `http://${etcdProxy.address}`] : []),
        ...args,
      ],
      { GEOMESH_PROVENANCE_KEY: this.options.key },
    );
    node.child.stderr!.on('data', (c: Buffer) => process.stderr.write(`[${instance}] ${c.toString()}`));
  }

  /** Sends `signal` to an instance's process (kill -9 waits for its exit); false when it was not running. */
  async signal(instance: string, signal: 'SIGKILL' | 'SIGSTOP' | 'SIGCONT'): Promise<boolean> {
    const { child } = this.#nodes.get(instance)!;
    if (child.exitCode !== null || child.signalCode !== null) return false;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    if (signal === 'SIGKILL') await exited;
    return true;
  }

  /** Whether an instance's process is running (it may be frozen). */
  isRunning(instance: string): boolean {
    const { child } = this.#nodes.get(instance)!;
    return child.exitCode === null && child.signalCode === null;
  }

  /** Stops `region`'s node with SIGTERM and waits for its exit. */
  async stopNode(region: string): Promise<void> {
    const { child } = this.#nodes.get(region)!;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  waitReady(instance: string): Promise<void> {
    return waitNodeReady(this.#nodes.get(instance)!.http, `node ${instance}`, 90_000);
  }

  /** `host:port` of an instance's gRPC listener (for the CLI, on loopback, not through the WAN). */
  grpcAddress(instance: string): string {
    return `127.0.0.1:${this.#nodes.get(instance)!.grpc}`;
  }

  /** The proxy in front of `region`'s node gRPC (what its peers call). */
  peerProxy(region: string): WanProxy {
    return this.#peerProxies.get(region)!;
  }

  /** The proxy between `region`'s node and etcd. */
  etcdProxy(region: string): WanProxy {
    return this.#etcdProxies.get(region)!;
  }

  /**
   * The proxies in front of `a`'s and `b`'s cluster listeners and nodes: in a two-region mesh, everything
   * between them (with more regions these proxies serve the others too).
   */
  between(a: string, b: string): WanProxy[] {
    return [this.env.wan(a), this.env.wan(b), this.peerProxy(a), this.peerProxy(b)];
  }

  /** The pid of `region`'s node process. */
  pid(region: string): number {
    return this.#nodes.get(region)!.child.pid!;
  }

  /** Resident set size of `region`'s node process, bytes (Linux /proc). */
  rssBytes(region: string): number {
    const status = readFileSync(`/proc/${this.pid(region)}/status`, 'utf8');
    return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? NaN) * 1024;
  }

  async status(region: string): Promise<NodeStatus> {
    const res = await fetch(`http://127.0.0.1:${this.#nodes.get(region)!.http}/status.json`);
    return (await res.json()) as NodeStatus;
  }

  async metrics(region: string): Promise<string> {
    return (await fetch(`http://127.0.0.1:${this.#nodes.get(region)!.http}/metrics`)).text();
  }

  async stop(): Promise<void> {
    for (const node of this.#nodes.values()) node.child?.kill('SIGKILL');
    for (const proxy of [...this.#peerProxies.values(), ...this.#etcdProxies.values()]) await proxy.stop();
    await this.env.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Numbered records written into one topic of every region, a batch every `intervalMs`, until `stop()`:
 * values `<region>:<seq>` (padded to `valueBytes` when given), as the audit reads them.
 */
export class Writers {
  readonly written: Record<string, number> = {};
  readonly #producers: Producer[] = [];
  readonly #loops: Promise<void>[] = [];
  #isWriting = true;

  readonly kafka: Record<string, Kafka>;
  readonly topic: string;
  readonly options: {
    regions: readonly string[];
    batch: number;
    intervalMs: number;
    valueBytes?: number;
    /** False: nothing is written but `burst`s. Default true. */
    isLooping?: boolean;
    /**
     * When set, a send that fails (e.g. its broker restarting) is sent again, the same records by the same
     * idempotent producer, after this many ms, until it succeeds; default: a failed send ends the writer.
     */
    retryMs?: number;
  };
  /** Sends that failed and were sent again (with `retryMs`). */
  failedSends = 0;

  constructor(kafka: Record<string, Kafka>, topic: string, options: Writers['options']) {
    this.kafka = kafka;
    this.topic = topic;
    this.options = options;
    for (const r of options.regions) this.written[r] = 0;
  }

  async start(): Promise<this> {
    for (const r of this.options.regions) {
      const producer = this.kafka[r]!.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      this.#producers.push(producer);
      if (this.options.isLooping !== false) this.#loops.push(this.#loop(r, producer));
    }
    return this;
  }

  /** Writes `count` more records in `region` at once (a burst), in batches of 1,000. */
  async burst(region: string, count: number): Promise<void> {
    const producer = this.#producers[this.options.regions.indexOf(region)]!;
    for (let left = count; left > 0; left -= 1_000) await this.#send(region, producer, Math.min(1_000, left));
  }

  async #send(region: string, producer: Producer, count: number): Promise<void> {
    const first = this.written[region]!;
    const pad = this.options.valueBytes ? ':'.padEnd(this.options.valueBytes, 'x') : '';
    const messages = Array.from({ length: count }, (_, i) => ({
      partition: (first + i) % 3,
      key: `k-${(first + i) % 97}`,
      value: `${region}:${first + i}${pad}`,
    }));
    this.written[region] = first + count;
    for (;;) {
      try {
        await producer.send({ topic: this.topic, acks: -1, messages });
        return;
      } catch (err) {
        if (this.options.retryMs === undefined) throw err;
        this.failedSends++;
        await new Promise((r) => setTimeout(r, this.options.retryMs));
      }
    }
  }

  async #loop(region: string, producer: Producer): Promise<void> {
    while (this.#isWriting) {
      await this.#send(region, producer, this.options.batch);
      await new Promise((r) => setTimeout(r, this.options.intervalMs));
    }
  }

  async stop(): Promise<void> {
    this.#isWriting = false;
    await Promise.all(this.#loops);
    await Promise.all(this.#producers.map((p) => p.disconnect()));
  }

  get total(): number {
    return Object.values(this.written).reduce((a, b) => a + b, 0);
  }
}

/**
 * Waits until every region holds every record written into `writers.topic`, then checks each region's copy:
 * every record of every origin exactly once, in order per origin and partition, nothing back in its origin.
 */
export async function auditConverged(
  mesh: WanMesh,
  writers: Writers,
  timeoutMs: number,
): Promise<Record<string, RegionAudit>> {
  const audits: Record<string, RegionAudit> = {};
  const audit = async (r: string) =>
    (audits[r] = await auditTopic(
      mesh.kafka[r]!,
      r,
      writers.topic,
      mesh.options.mesh,
      Buffer.from(mesh.options.key),
    ));
  await waitFor(
    async () => {
      for (const r of mesh.options.regions) if ((await audit(r)).total < writers.total) return false;
      return true;
    },
    { timeoutMs, intervalMs: 1_000, what: `every region holding all ${writers.total} of ${writers.topic}` },
  );
  for (const r of mesh.options.regions) {
    const a = audits[r]!;
    const where = `${writers.topic} in ${r}`;
    assert.equal(a.duplicates, 0, `${where}: duplicates ${JSON.stringify(a.firstDuplicates)}`);
    assert.equal(a.loops, 0, `${where}: records back in their origin`);
    assert.equal(a.misattributed, 0, `${where}: records with the wrong origin`);
    assert.ok(a.isOrderKept, `${where}: order per origin and partition`);
    for (const origin of mesh.options.regions) {
      const seqs = a.byOrigin.get(origin) ?? [];
      assert.equal(new Set(seqs).size, writers.written[origin], `${where}: records of ${origin}`);
    }
    assert.equal(a.total, writers.total, `${where}: total`);
  }
  return audits;
}
