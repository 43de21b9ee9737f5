/**
 * Real Kafka clusters for some regions plus region nodes run in the test process: the setup end-to-end tests
 * of the data path share. Cleans up every node and server it started.
 */
import type { Kafka } from 'kafkajs';
import { createKafkaClient } from '../../node/kafka/index.ts';
import { silentLogger, type Logger } from '../../node/log/index.ts';
import { compileLink, type InboundLinkSpec } from '../../node/config/index.ts';
import { RegionNode, type RegionTranslationOptions } from '../../node/region/index.ts';
import { TestEnvironment } from '../harness/index.ts';
import { testLogger } from './test-logger.ts';
import { createTopic } from './kafka-topics.ts';
import { E2E_WORKERS } from './e2e-workers.ts';

export class InProcessMesh {
  readonly regions: readonly string[];
  readonly provenanceKey: Buffer;
  /** A test client per region. */
  readonly kafka: Record<string, Kafka> = {};
  readonly #nodes: RegionNode[] = [];
  #env: TestEnvironment | undefined;

  constructor(regions: readonly string[], provenanceKey: Buffer) {
    this.regions = regions;
    this.provenanceKey = provenanceKey;
  }

  get env(): TestEnvironment {
    if (!this.#env) throw new Error('InProcessMesh.start() has not run');
    return this.#env;
  }

  async start(): Promise<void> {
    this.#env = await TestEnvironment.start({ kafka: [...this.regions] });
    for (const r of this.regions) {
      this.kafka[r] = createKafkaClient({
        brokers: this.#env.cluster(r).bootstrapServers,
        clientId: `t-${r}`,
        logger: silentLogger(),
      });
    }
  }

  createTopic(
    region: string,
    topic: string,
    partitions: number,
    configEntries: { name: string; value: string }[] = [],
  ): Promise<void> {
    return createTopic(this.kafka[region]!, topic, partitions, configEntries);
  }

  /**
   * Starts the node of `region` with `inbound` links and an HTTP endpoint on a free port, its data path on
   * `workers` threads (default GEOMESH_E2E_WORKERS).
   */
  async startNode(
    mesh: string,
    region: string,
    inbound: InboundLinkSpec[],
    logger: Logger = testLogger(),
    translation?: RegionTranslationOptions,
    workers: number = E2E_WORKERS,
  ): Promise<RegionNode> {
    const env = this.env;
    const node = new RegionNode({
      mesh,
      region,
      provenanceKey: this.provenanceKey,
      clusters: Object.fromEntries(
        this.regions.map((r) => [r, { brokers: env.cluster(r).bootstrapServers }]),
      ),
      inbound: inbound.map((spec) => compileLink(spec)),
      logger,
      http: { host: '127.0.0.1', port: 0 },
      ...(translation ? { translation } : {}),
      workers,
    });
    this.#nodes.push(node);
    await node.start();
    return node;
  }

  async stopNode(node: RegionNode): Promise<void> {
    await node.stop();
    this.#nodes.splice(this.#nodes.indexOf(node), 1);
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.#nodes.map((n) => n.stop()));
    await this.#env?.stop();
  }
}
