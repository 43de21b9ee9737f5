/**
 * The drill's mesh, as an operator runs one: a single-broker Kafka cluster per region and an etcd (the test
 * harness), a topology file with mutual TLS between the nodes and an operator certificate allowed to fail
 * over, one `geomesh node` process per region, and a Kafka client per region for the drill's own reads.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { createKafkaClient, type ClusterOffsets } from '../../node/kafka/index.ts';
import { silentLogger } from '../../node/log/index.ts';
import { TestEnvironment, freePort } from '../../test/harness/index.ts';
import { runGeomesh, runGeomeshToEnd, waitNodeReady } from '../../test/support/cli-process.ts';
import { fullMeshTopology } from '../../test/support/local-topology.ts';
import { TestPki } from '../../test/support/test-pki.ts';

export const MESH = 'drill';
export const TOPIC = 'orders';

/** A group's committed offsets of TOPIC, by partition. */
export async function groupOffsets(offsets: ClusterOffsets, group: string): Promise<number[]> {
  return (await offsets.committedOffsets(group, [TOPIC]))
    .sort((x, y) => x.partition - y.partition)
    .map((c) => c.offset);
}

export class DrillMesh {
  readonly env: TestEnvironment;
  readonly pki: TestPki;
  readonly regions: readonly string[];
  readonly file: string;
  /** The provenance key as the nodes get it (GEOMESH_PROVENANCE_KEY). */
  readonly key: string;
  readonly kafka: Readonly<Record<string, Kafka>>;
  /** The CLI's TLS flags for the operator's certificate. */
  readonly tls: readonly string[];
  readonly #http: Record<string, number>;
  readonly #nodes = new Map<string, ChildProcess>();

  private constructor(
    env: TestEnvironment,
    pki: TestPki,
    regions: readonly string[],
    setup: { file: string; key: string; tls: string[]; http: Record<string, number> },
  ) {
    this.env = env;
    this.pki = pki;
    this.regions = regions;
    this.file = setup.file;
    this.key = setup.key;
    this.tls = setup.tls;
    this.#http = setup.http;
    const kafka: Record<string, Kafka> = {};
    for (const r of regions)
      kafka[r] = createKafkaClient({
        brokers: env.cluster(r).bootstrapServers,
        clientId: `drill-${r}`,
        logger: silentLogger(),
      });
    this.kafka = kafka;
  }

  /** Starts the servers and writes the topology (full mesh of `regions`, topic TOPIC); no node yet. */
  static async start(regions: readonly string[]): Promise<DrillMesh> {
    const env = await TestEnvironment.start({ kafka: regions, etcd: true });
    const pki = new TestPki();
    try {
      const ca = pki.ca('mesh-ca');
      const operator = pki.issue('mesh-ca', 'operator', 'client');
      const node = pki.issue('mesh-ca', 'node', 'node');
      const http: Record<string, number> = {};
      const local = [];
      for (const name of regions) {
        http[name] = await freePort();
        const brokers = env.cluster(name).bootstrapServers[0]!;
        local.push({ name, brokers, grpcPort: await freePort(), httpPort: http[name] });
      }
      const file = join(pki.dir, 'mesh.yaml');
      writeFileSync(
        file,
        fullMeshTopology({
          mesh: MESH,
          etcdEndpoint: env.etcd!.endpoints[0]!,
          regions: local,
          topics: [TOPIC],
          tls: { ca, cert: node.cert, key: node.key },
          operatorClients: ['CN=operator'],
        }),
      );
      const tls = ['--tls-ca', ca, '--tls-cert', operator.cert, '--tls-key', operator.key];
      return new DrillMesh(env, pki, regions, { file, key: randomBytes(32).toString('hex'), tls, http });
    } catch (err) {
      await env.stop();
      pki.remove();
      throw err;
    }
  }

  get #cliEnv(): Record<string, string> {
    return { GEOMESH_PROVENANCE_KEY: this.key };
  }

  /** Creates TOPIC with `partitions` in every region. */
  async createTopic(partitions: number): Promise<void> {
    for (const r of this.regions) {
      const admin = this.kafka[r]!.admin();
      await admin.connect();
      try {
        await admin.createTopics({
          waitForLeaders: true,
          topics: [{ topic: TOPIC, numPartitions: partitions }],
        });
      } finally {
        await admin.disconnect();
      }
    }
  }

  /** Starts `geomesh node` for `region` and waits until it is ready. */
  async startNode(region: string): Promise<void> {
    const child = runGeomesh(['node', '--topology', this.file, '--region', region], this.#cliEnv);
    this.#nodes.set(region, child);
    await waitNodeReady(this.#http[region]!, `node ${region}`, 120_000);
  }

  /** kill -9 of `region`'s node process (by its pid). */
  killNode(region: string): void {
    this.#nodes.get(region)?.kill('SIGKILL');
    this.#nodes.delete(region);
  }

  /** Starts `geomesh <args>` with the operator's TLS flags added (a child the drill watches and may kill). */
  cli(args: readonly string[]): ChildProcess {
    return runGeomesh([...args, '--topology', this.file, ...this.tls], this.#cliEnv);
  }

  /** Runs `geomesh <args>` with the operator's TLS flags to its end. */
  cliToEnd(args: readonly string[]): ReturnType<typeof runGeomeshToEnd> {
    return runGeomeshToEnd([...args, '--topology', this.file, ...this.tls], this.#cliEnv);
  }

  /** Stops every node (kill -9 by pid), then every server, and deletes the certificates. */
  async stop(): Promise<void> {
    for (const child of this.#nodes.values()) child.kill('SIGKILL');
    this.#nodes.clear();
    await this.env.stop();
    this.pki.remove();
  }
}
