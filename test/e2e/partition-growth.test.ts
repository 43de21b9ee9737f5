/**
 * Partitions added to a replicated source topic by another client (kafkajs admin of the test, not the node's)
 * while records flow, on real Kafka clusters:
 *
 * - a chain a → b → c with topic selectors: a topic that existed when the nodes started and one created
 *   afterwards are both grown from 3 to 6 partitions in a; every record, those of the new partitions too,
 *   is in b and in c exactly once (the time from the first write into a new partition until every new
 *   partition holds records in b and in c is printed);
 * - two `geomesh node` instances of a region sharing its partitions (etcd): the same, 4 → 8 partitions;
 * - the coverage audit: one source partition paused on purpose in a node's consumer is reported by
 *   `geomesh_unreplicated_partitions`, `/readyz` and the node's status within one topic refresh, and the
 *   report clears when it is read again.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Kafka, Producer } from 'kafkajs';
import { createKafkaClient } from '../../node/kafka/index.ts';
import { silentLogger } from '../../node/log/index.ts';
import { RegionNode } from '../../node/region/index.ts';
import type { LinkReplicator } from '../../node/replication/index.ts';
import {
  RateTracker,
  assembleMeshStatus,
  buildNodeStatus,
  renderStatusTable,
} from '../../node/status/index.ts';
import { TestEnvironment, freePort } from '../harness/index.ts';
import { runGeomeshNode, waitNodeReady } from '../support/cli-process.ts';
import { createTopic, growTopic } from '../support/kafka-topics.ts';
import { auditTopic, type RegionAudit } from '../support/mesh-audit.ts';
import { metricSum, pollUntil, waitFor } from '../support/polling.ts';
import { testLogger } from '../support/test-logger.ts';
import { compileLink } from '../../node/config/index.ts';

const MESH = 'growth';
const KEY = randomBytes(32);
const REFRESH_MS = 2_000;

/**
 * Writes `a:<seq>` records into `topic` of `kafka`, round-robin over the partitions the topic has now (the
 * test raises `partitions` when it grows the topic), until stopped. Idempotent, so the source holds each once.
 */
class Writer {
  partitions: number;
  written = 0;
  /** When the first record went to a partition numbered `partitions` or above at the last `grow`. */
  firstNewWriteAtMs: number | undefined;
  #grownFrom: number | undefined;
  #isRunning = true;
  readonly #done: Promise<void>;

  constructor(kafka: Kafka, topic: string, partitions: number) {
    this.partitions = partitions;
    this.#done = this.#run(kafka, topic);
  }

  async #run(kafka: Kafka, topic: string): Promise<void> {
    let producer: Producer | undefined;
    let producerFor = 0;
    try {
      while (this.#isRunning) {
        // kafkajs sends nothing for a partition its cached metadata does not list (and says nothing): after
        // a growth the writer takes a new producer, and checks every answer names every partition written.
        if (producerFor !== this.partitions) {
          await producer?.disconnect();
          producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
          await producer.connect();
          producerFor = this.partitions;
        }
        const messages = [];
        for (let i = 0; i < 30; i++) {
          const seq = this.written + i;
          messages.push({ partition: seq % this.partitions, key: `k-${seq}`, value: `a:${seq}` });
        }
        const answers = await producer!.send({ topic, acks: -1, messages });
        const answered = new Set(answers.map((a) => a.partition));
        const unsent = [...new Set(messages.map((m) => m.partition))].filter((p) => !answered.has(p));
        if (unsent.length > 0)
          throw new Error(`the writer's records for ${topic} ${unsent.join(',')} were not sent`);
        if (this.#grownFrom !== undefined && this.firstNewWriteAtMs === undefined)
          this.firstNewWriteAtMs = Date.now();
        this.written += messages.length;
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await producer?.disconnect();
    }
  }

  /** From now on, writes into `partitions` partitions. */
  grow(partitions: number): void {
    this.#grownFrom = this.partitions;
    this.partitions = partitions;
  }

  async stop(): Promise<number> {
    this.#isRunning = false;
    await this.#done;
    return this.written;
  }
}

/** Milliseconds from `sinceMs` until partitions `from`..`to - 1` of `topic` all hold records. */
async function newPartitionsFilledAfter(
  kafka: Kafka,
  topic: string,
  from: number,
  to: number,
  sinceMs: number,
): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await pollUntil(
      () => admin.fetchTopicOffsets(topic),
      (offsets) =>
        offsets.filter((o) => o.partition >= from && o.partition < to && Number(o.high) > 0).length ===
        to - from,
      60_000,
    );
  } finally {
    await admin.disconnect();
  }
  return Date.now() - sinceMs;
}

/** Every record `a:0`..`a:<written - 1>` exactly once, nothing else. */
function assertExactlyOnce(audit: RegionAudit, written: number, where: string): void {
  const seqs = [...(audit.byOrigin.get('a') ?? [])].sort((x, y) => x - y);
  assert.equal(audit.duplicates, 0, `${where}: duplicates ${JSON.stringify(audit.firstDuplicates)}`);
  assert.equal(audit.loops, 0, `${where}: loops`);
  assert.equal(audit.total, written, `${where}: records`);
  assert.deepEqual(
    seqs.filter((s, i) => s !== i),
    [],
    `${where}: every sequence 0..${written - 1}`,
  );
}

describe('partitions added by another client', () => {
  let env: TestEnvironment;
  const kafka: Record<string, Kafka> = {};
  const nodes: RegionNode[] = [];
  const children = new Set<ChildProcess>();
  let dir: string | undefined;

  before(async () => {
    env = await TestEnvironment.start({ kafka: ['a', 'b', 'c'], etcd: true });
    for (const r of ['a', 'b', 'c']) {
      kafka[r] = createKafkaClient({
        brokers: env.cluster(r).bootstrapServers,
        clientId: `t-${r}`,
        logger: silentLogger(),
      });
    }
  });

  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    await Promise.allSettled(nodes.map((n) => n.stop()));
    await env?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function startNode(
    region: string,
    from: string,
    origins: readonly string[],
    topics: (topic: string) => boolean,
  ): Promise<RegionNode> {
    const node = new RegionNode({
      mesh: MESH,
      region,
      provenanceKey: KEY,
      clusters: Object.fromEntries(
        ['a', 'b', 'c'].map((r) => [r, { brokers: env.cluster(r).bootstrapServers }]),
      ),
      inbound: [compileLink({ from, topics, forwardsOrigin: (o) => origins.includes(o) })],
      logger: testLogger(),
      http: { host: '127.0.0.1', port: 0 },
      topicRefreshMs: REFRESH_MS,
      // The data path on this thread: the coverage case below reaches into a link's replicator.
      workers: 1,
    });
    nodes.push(node);
    await node.start();
    return node;
  }

  it('chain a → b → c: a topic grown in a, one that existed at start and one created after, reaches b and c exactly once', async () => {
    await createTopic(kafka['a']!, 'grow-old', 3);
    const isGrowTopic = (t: string) => t.startsWith('grow-');
    await startNode('b', 'a', ['a'], isGrowTopic);
    await startNode('c', 'b', ['a', 'b'], isGrowTopic);
    await createTopic(kafka['a']!, 'grow-new', 3);
    const writers = {
      'grow-old': new Writer(kafka['a']!, 'grow-old', 3),
      'grow-new': new Writer(kafka['a']!, 'grow-new', 3),
    };
    // Both topics flow into b and c before they grow.
    for (const [topic] of Object.entries(writers)) {
      await pollUntil(
        () => auditTopic(kafka['c']!, 'c', topic, MESH, KEY),
        (a) => a.total > 0,
        60_000,
      );
    }
    for (const [topic, writer] of Object.entries(writers)) {
      await growTopic(kafka['a']!, topic, 6);
      writer.grow(6);
    }
    await waitFor(() => Object.values(writers).every((w) => w.firstNewWriteAtMs !== undefined), {
      timeoutMs: 30_000,
      intervalMs: 50,
      what: 'the first writes into the new partitions',
    });
    for (const [topic, writer] of Object.entries(writers)) {
      for (const region of ['b', 'c']) {
        const ms = await newPartitionsFilledAfter(kafka[region]!, topic, 3, 6, writer.firstNewWriteAtMs!);
        console.log(
          `${topic}: partitions 3-5 hold records in ${region} ${ms} ms after the first write into them`,
        );
      }
    }
    // Writes go on for a while into all six partitions, then stop.
    await new Promise((r) => setTimeout(r, 3_000));
    for (const [topic, writer] of Object.entries(writers)) {
      const written = await writer.stop();
      for (const region of ['b', 'c']) {
        const audit = await pollUntil(
          () => auditTopic(kafka[region]!, region, topic, MESH, KEY),
          (a) => a.total >= written,
          60_000,
        );
        console.log(
          `${topic} in ${region}: ${audit.total} of ${written} records, ${audit.duplicates} duplicates`,
        );
        assertExactlyOnce(audit, written, `${topic} in ${region}`);
      }
    }
  });

  it('the coverage audit reports a partition nobody reads in metrics, /readyz and status, and clears when it is read again', async () => {
    const node = nodes.find((n) => n.links[0]?.to === 'b')!;
    // A replicator on this thread (the node runs no worker threads: `workers: 1` above).
    const link = node.links[0] as LinkReplicator;
    const metric = async () =>
      metricSum(
        await (await fetch(`http://${node.httpAddress}/metrics`)).text(),
        'geomesh_unreplicated_partitions',
        'reason="paused"',
      );
    await createTopic(kafka['a']!, 'grow-pause', 3);
    const writer = new Writer(kafka['a']!, 'grow-pause', 3);
    await pollUntil(
      () => auditTopic(kafka['b']!, 'b', 'grow-pause', MESH, KEY),
      (a) => a.total > 0,
      60_000,
    );
    assert.equal(await metric(), 0, 'every partition is read before the pause');
    // Broken on purpose: the link's consumer stops fetching grow-old/1 (no halt, nothing said).
    const pausedAt = Date.now();
    link.dropPartitions([{ topic: 'grow-pause', partition: 1 }]);
    await waitFor(async () => (await metric()) === 1, {
      timeoutMs: 4 * REFRESH_MS,
      intervalMs: 100,
      what: 'geomesh_unreplicated_partitions{reason="paused"} = 1',
    });
    const reportedAfterMs = Date.now() - pausedAt;
    console.log(
      `paused grow-pause/1 reported after ${reportedAfterMs} ms (topic refresh every ${REFRESH_MS} ms)`,
    );

    const readyz = await fetch(`http://${node.httpAddress}/readyz`);
    const readyText = await readyz.text();
    assert.equal(readyz.status, 503, readyText);
    assert.match(readyText, /link a → b: 1 source partition\(s\) not replicated: grow-pause\/1 \(paused\)/);

    const status = buildNodeStatus(
      {
        mesh: MESH,
        region: 'b',
        instance: 'b-1',
        state: node.state,
        version: 'test',
        startedAtMs: 0,
        grpcAddress: '',
        httpAddress: node.httpAddress,
        registration: 'none',
        links: node.links,
        lastCheckpointMs: 0,
        indexRuns: 0,
        peers: [],
      },
      new RateTracker(),
      Date.now(),
    );
    assert.deepEqual(
      status.links[0]!.unreplicated.map((u) => `${u.topic}/${u.partition} ${u.reason}`),
      ['grow-pause/1 paused'],
    );
    const table = renderStatusTable(
      assembleMeshStatus(
        {
          mesh: MESH,
          regions: [{ name: 'b', grpcAddress: '' }],
          links: [{ fromRegion: 'a', toRegion: 'b' }],
        },
        new Map([['b', { ok: true as const, status }]]),
        { ok: true, instances: [] },
        Date.now(),
      ),
    );
    assert.match(table, /a → b\s+running\s+incomplete\s/);
    assert.match(table, /read by nobody\):\n {2}a → b grow-pause\/1: paused since /);
    // Left behind shows as lag: the paused partition's records count.
    await waitFor(() => (link.stats.lagRecords.get('grow-pause/1') ?? 0) > 0, {
      timeoutMs: 4 * REFRESH_MS,
      intervalMs: 100,
      what: 'lag of the paused partition',
    });

    // Read again: the report clears and nothing was lost.
    link.takePartitions([{ topic: 'grow-pause', partition: 1 }]);
    await waitFor(async () => (await metric()) === 0, {
      timeoutMs: 4 * REFRESH_MS,
      intervalMs: 100,
      what: 'the report to clear',
    });
    assert.equal((await fetch(`http://${node.httpAddress}/readyz`)).status, 200);
    const written = await writer.stop();
    const audit = await pollUntil(
      () => auditTopic(kafka['b']!, 'b', 'grow-pause', MESH, KEY),
      (a) => a.total >= written,
      60_000,
    );
    assertExactlyOnce(audit, written, 'grow-pause in b after the pause');
  });

  it('two instances sharing a region: a topic grown from 4 to 8 partitions reaches it exactly once', async () => {
    const topic = 'shared-grow';
    await createTopic(kafka['a']!, topic, 4);
    dir = mkdtempSync(join(tmpdir(), 'geomesh-growth-'));
    const file = join(dir, 'mesh.yaml');
    writeFileSync(
      file,
      [
        'mesh: growshare',
        `etcd: { endpoints: ['${env.etcd!.endpoints[0]}'] }`,
        "provenance: { key: '${GEOMESH_PROVENANCE_KEY}' }",
        'regions:',
        '  a:',
        `    kafka: { brokers: ['${env.cluster('a').bootstrapServers[0]}'] }`,
        `    node: { grpc: '127.0.0.1:${await freePort()}' }`,
        '  c:',
        `    kafka: { brokers: ['${env.cluster('c').bootstrapServers[0]}'] }`,
        '    node: { workSharing: { leaseTtlMs: 4000 } }',
        'links:',
        `  - { from: a, to: c, topics: { include: ['shared-.*'] } }`,
        '',
      ].join('\n'),
    );
    const https: number[] = [];
    for (const name of ['c1', 'c2']) {
      const http = await freePort();
      const child = runGeomeshNode(
        { file, region: 'c', grpc: await freePort(), http },
        {
          GEOMESH_PROVENANCE_KEY: KEY.toString('hex'),
          GEOMESH_LOG_LEVEL: process.env['GEOMESH_TEST_LOG'] ?? 'warn',
        },
      );
      // With GEOMESH_TEST_LOG set, the instances' logs go where the test's do.
      if (process.env['GEOMESH_TEST_LOG']) {
        child.stdout!.pipe(process.stderr);
        child.stderr!.pipe(process.stderr);
      } else {
        child.stdout!.resume();
        child.stderr!.resume();
      }
      children.add(child);
      child.once('exit', () => children.delete(child));
      await waitNodeReady(http, `instance ${name}`);
      https.push(http);
    }
    const owned = async () =>
      Promise.all(
        https.map(async (port) =>
          metricSum(
            await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(),
            'geomesh_partitions_owned',
          ),
        ),
      );
    await waitFor(async () => (await owned()).join('/') === '2/2', {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: 'two instances owning 2/2',
    });
    const writer = new Writer(kafka['a']!, topic, 4);
    await pollUntil(
      () => auditTopic(kafka['c']!, 'c', topic, 'growshare', KEY),
      (a) => a.total > 0,
      60_000,
    );
    await growTopic(kafka['a']!, topic, 8);
    writer.grow(8);
    await waitFor(() => writer.firstNewWriteAtMs !== undefined, {
      timeoutMs: 30_000,
      intervalMs: 50,
      what: 'the first write into the new partitions',
    });
    const ms = await newPartitionsFilledAfter(kafka['c']!, topic, 4, 8, writer.firstNewWriteAtMs!);
    console.log(`${topic}: partitions 4-7 hold records in c ${ms} ms after the first write into them`);
    await waitFor(async () => (await owned()).join('/') === '4/4', {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: 'two instances owning 4/4 of the grown topic',
    });
    await new Promise((r) => setTimeout(r, 3_000));
    const written = await writer.stop();
    const audit = await pollUntil(
      () => auditTopic(kafka['c']!, 'c', topic, 'growshare', KEY),
      (a) => a.total >= written,
      60_000,
    );
    console.log(
      `${topic} in c (two instances): ${audit.total} of ${written} records, ${audit.duplicates} duplicates`,
    );
    assertExactlyOnce(audit, written, `${topic} in c`);
    // The gauge holds the last audit's finding (one per topic refresh, 5 s): an audit made while a partition
    // was between the two instances may name it until the next one. None may stay named.
    const unreadNow = async () =>
      Promise.all(
        https.map(async (port) =>
          metricSum(
            await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(),
            'geomesh_unreplicated_partitions',
          ),
        ),
      );
    const seen: string[] = [];
    const unread = await pollUntil(
      async () => {
        const now = await unreadNow();
        if (seen.at(-1) !== now.join('/')) seen.push(now.join('/'));
        return now;
      },
      (u) => u.every((n) => n === 0),
      15_000,
    );
    console.log(`${topic}: geomesh_unreplicated_partitions on the two instances: ${seen.join(' → ')}`);
    assert.deepEqual(unread, [0, 0], 'no partition stays unread on either instance');
    for (const child of children) child.kill('SIGTERM');
  });
});
