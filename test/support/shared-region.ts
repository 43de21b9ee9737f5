/**
 * A region whose node runs as several work-sharing instances (`geomesh node` processes), fed by writers in a
 * source region all along: real Kafka clusters for east and west, a real etcd, a topic of 12 partitions,
 * 300 records written in east every 250 ms until `stopWriting`. For end-to-end tests of work sharing.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { createKafkaClient } from '../../node/kafka/index.ts';
import { silentLogger } from '../../node/log/index.ts';
import { TestEnvironment, freePort } from '../harness/index.ts';
import { collectLines, runGeomeshNode, waitNodeReady } from './cli-process.ts';
import { sharedWestTopology } from './local-topology.ts';
import { auditTopic, produceNumbered } from './mesh-audit.ts';
import { metricSum, waitFor } from './polling.ts';

export interface SharedInstance {
  name: string;
  child: ChildProcess;
  http: number;
  /** Its JSON log lines (info and above). */
  log: string[];
}

export class SharedRegion {
  readonly topic = 'orders';
  readonly partitions = 12;
  readonly key = randomBytes(32).toString('hex');
  readonly #mesh: string;
  readonly #leaseTtlMs: number;
  readonly #instances = new Map<string, SharedInstance>();
  readonly #kafka: Record<string, Kafka> = {};
  #env: TestEnvironment | undefined;
  #dir = '';
  #file = '';
  #written = 0;
  #isWriting = false;
  #writer: Promise<void> | undefined;

  constructor(options: { mesh: string; leaseTtlMs: number }) {
    this.#mesh = options.mesh;
    this.#leaseTtlMs = options.leaseTtlMs;
  }

  /** Starts the clusters and etcd, creates the topic in east, writes the topology and starts the writers. */
  async start(): Promise<void> {
    const env = await TestEnvironment.start({ kafka: ['east', 'west'], etcd: true });
    this.#env = env;
    this.#dir = mkdtempSync(join(tmpdir(), 'geomesh-shared-region-'));
    for (const r of ['east', 'west'])
      this.#kafka[r] = createKafkaClient({
        brokers: env.cluster(r).bootstrapServers,
        clientId: `t-${r}`,
        logger: silentLogger(),
      });
    const admin = this.#kafka['east']!.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic: this.topic, numPartitions: this.partitions }],
    });
    await admin.disconnect();
    this.#file = join(this.#dir, 'mesh.yaml');
    writeFileSync(
      this.#file,
      sharedWestTopology({
        mesh: this.#mesh,
        etcdEndpoint: env.etcd!.endpoints[0]!,
        eastBrokers: env.cluster('east').bootstrapServers[0]!,
        westBrokers: env.cluster('west').bootstrapServers[0]!,
        leaseTtlMs: this.#leaseTtlMs,
        topic: this.topic,
      }),
    );
    this.#isWriting = true;
    this.#writer = (async () => {
      while (this.#isWriting) {
        await produceNumbered(this.#kafka['east']!, 'east', this.topic, 300, this.partitions, this.#written);
        this.#written += 300;
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
  }

  /** Stops the writers; resolves with how many records were written in east. */
  async stopWriting(): Promise<number> {
    this.#isWriting = false;
    await this.#writer;
    return this.#written;
  }

  /** Starts a west instance (`geomesh node … args`) and waits until it is ready. */
  async startInstance(name: string, args: readonly string[] = []): Promise<SharedInstance> {
    const http = await freePort();
    const grpc = await freePort();
    const child = runGeomeshNode(
      { file: this.#file, region: 'west', grpc, http, args },
      { GEOMESH_PROVENANCE_KEY: this.key, GEOMESH_LOG_LEVEL: 'info' },
    );
    const instance: SharedInstance = { name, child, http, log: [] };
    collectLines(child, instance.log);
    this.#instances.set(name, instance);
    await waitNodeReady(http, `instance ${name}`);
    return instance;
  }

  instance(name: string): SharedInstance {
    const instance = this.#instances.get(name);
    if (!instance) throw new Error(`no instance ${name} was started`);
    return instance;
  }

  /** The sum of a metric (lines matching `filter`) on an instance's /metrics. */
  async metric(name: string, metric: string, filter = ''): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${this.instance(name).http}/metrics`)).text();
    return metricSum(text, metric, filter);
  }

  /** Records each instance replicated. */
  replicatedBy(names: readonly string[]): Promise<number[]> {
    return Promise.all(names.map((n) => this.metric(n, 'geomesh_replicated_records_total')));
  }

  /** Partitions these instances handed over, together. */
  async released(names: readonly string[]): Promise<number> {
    const counts = await Promise.all(
      names.map((n) => this.metric(n, 'geomesh_partition_ownership_changes_total', 'change="released"')),
    );
    return counts.reduce((a, b) => a + b, 0);
  }

  /** Waits until the instances own `expected` partitions each; resolves with how long that took. */
  async waitOwned(names: readonly string[], expected: number[], timeoutMs: number): Promise<number> {
    const startedAt = Date.now();
    const owned = () => Promise.all(names.map((n) => this.metric(n, 'geomesh_partitions_owned')));
    await waitFor(async () => (await owned()).join('/') === expected.join('/'), {
      timeoutMs,
      intervalMs: 200,
      what: `${names.join(', ')} owning ${expected.join('/')}`,
    });
    return Date.now() - startedAt;
  }

  /** West's copy of the topic, counted (duplicates, per origin). */
  async audit(): ReturnType<typeof auditTopic> {
    const result = await auditTopic(
      this.#kafka['west']!,
      'west',
      this.topic,
      this.#mesh,
      Buffer.from(this.key),
    );
    if (result.duplicates > 0) console.log('duplicates:', JSON.stringify(result.firstDuplicates));
    return result;
  }

  /** Stops everything it started (instances by kill -9, after -CONT for a frozen one). */
  async stop(): Promise<void> {
    const logDir = process.env['GEOMESH_TEST_LOG_DIR'];
    if (logDir)
      for (const i of this.#instances.values())
        writeFileSync(join(logDir, `${this.#mesh}-${i.name}.log`), i.log.join('\n'));
    this.#isWriting = false;
    await this.#writer?.catch(() => undefined);
    for (const i of this.#instances.values()) {
      i.child.kill('SIGCONT');
      i.child.kill('SIGKILL');
    }
    await this.#env?.stop();
    if (this.#dir) rmSync(this.#dir, { recursive: true, force: true });
  }
}
