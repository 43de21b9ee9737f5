/**
 * A chain A → B → C (no A → C link): A's records reach C exactly once, through B. Then the node of C is
 * killed with kill -9 mid-stream and restarted with its data path on two worker threads: nothing lost, nothing
 * duplicated; and killed once more while running on them.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Kafka } from 'kafkajs';
import { createKafkaClient } from '../../node/kafka/index.ts';
import { silentLogger } from '../../node/log/index.ts';
import { PROJECT_ROOT, TestEnvironment } from '../harness/index.ts';
import { auditTopic, produceNumbered } from '../support/mesh-audit.ts';

const MESH = 'chain';
const KEY = randomBytes(32);
const TOPIC = 'events';
const PARTITIONS = 3;

describe('chain A → B → C, and kill -9 of a node', () => {
  let env: TestEnvironment;
  const kafka: Record<string, Kafka> = {};
  const children = new Set<ChildProcess>();

  /** The start report of each region's latest node process. */
  const reports = new Map<
    string,
    { indexRunsLoaded: number; tailRecordsScanned: number; targetRecords: number }
  >();

  function startNode(
    region: string,
    inbound: { from: string; origins: string[] }[],
    workers?: number,
  ): Promise<ChildProcess> {
    const spec = {
      mesh: MESH,
      region,
      ...(workers !== undefined && { workers }),
      keyHex: KEY.toString('hex'),
      clusters: Object.fromEntries(
        ['a', 'b', 'c'].map((r) => [r, { brokers: env.cluster(r).bootstrapServers }]),
      ),
      inbound: inbound.map((l) => ({ ...l, topics: [TOPIC] })),
    };
    const child = spawn(
      process.execPath,
      [join(PROJECT_ROOT, 'test', 'support', 'run-region-node.ts'), JSON.stringify(spec)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    children.add(child);
    child.once('exit', () => children.delete(child));
    return new Promise((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        const ready = /ready (\{.*\})/.exec(chunk.toString());
        if (!ready) return;
        reports.set(region, JSON.parse(ready[1]!) as typeof reports extends Map<string, infer R> ? R : never);
        resolve(child);
      });
      child.once('exit', (code) =>
        reject(new Error(`node ${region} exited with ${code} before it was ready`)),
      );
    });
  }

  async function waitForTotal(region: string, expected: number, timeoutMs = 120_000) {
    const deadline = Date.now() + timeoutMs;
    let audit = await auditTopic(kafka[region]!, region, TOPIC, MESH, KEY);
    while (audit.total < expected && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1_000));
      audit = await auditTopic(kafka[region]!, region, TOPIC, MESH, KEY);
    }
    return audit;
  }

  before(async () => {
    env = await TestEnvironment.start({ kafka: ['a', 'b', 'c'] });
    for (const r of ['a', 'b', 'c']) {
      kafka[r] = createKafkaClient({
        brokers: env.cluster(r).bootstrapServers,
        clientId: `t-${r}`,
        logger: silentLogger(),
      });
      const admin = kafka[r].admin();
      await admin.connect();
      await admin.createTopics({
        waitForLeaders: true,
        topics: [{ topic: TOPIC, numPartitions: PARTITIONS }],
      });
      await admin.disconnect();
    }
  });
  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    await env?.stop();
  });

  it("forwards A's records to C through B, exactly once", async () => {
    await startNode('b', [{ from: 'a', origins: ['a'] }]);
    await startNode('c', [{ from: 'b', origins: ['a', 'b'] }]);
    await Promise.all([
      produceNumbered(kafka['a']!, 'a', TOPIC, 2_000, PARTITIONS),
      produceNumbered(kafka['b']!, 'b', TOPIC, 1_000, PARTITIONS),
    ]);
    const c = await waitForTotal('c', 3_000);
    assert.equal(c.total, 3_000);
    assert.equal(c.duplicates, 0);
    assert.equal(c.misattributed, 0);
    assert.equal(new Set(c.byOrigin.get('a')).size, 2_000, "all of A's records reached C");
    assert.equal(new Set(c.byOrigin.get('b')).size, 1_000);
    assert.ok(c.isOrderKept);
  });

  it('kill -9 of the node of C mid-stream, then restart (on 2 worker threads): 0 lost, 0 duplicates', async () => {
    const [nodeC] = [...children].slice(-1);
    const writing = produceNumbered(kafka['b']!, 'b2', TOPIC, 20_000, PARTITIONS);
    // Let replication get going, then kill the node of C without warning.
    await new Promise((r) => setTimeout(r, 1_500));
    nodeC!.kill('SIGKILL');
    await writing;
    const before = await auditTopic(kafka['c']!, 'c', TOPIC, MESH, KEY);
    console.log(`C held ${before.total - 3_000} of 20,000 new records when its node was killed`);
    // The restart moves C's data path to two worker threads: new source groups, resumed from the marks.
    await startNode('c', [{ from: 'b', origins: ['a', 'b'] }], 2);
    // The restart loaded the persisted origin index and read only the log tail beyond it, not the whole log.
    const report = reports.get('c')!;
    console.log(`restart of C: ${JSON.stringify(report)}`);
    assert.ok(report.indexRunsLoaded > 0, 'index runs loaded from the index topic');
    assert.ok(
      report.tailRecordsScanned < report.targetRecords,
      `scanned ${report.tailRecordsScanned} of ${report.targetRecords} records`,
    );
    const c = await waitForTotal('c', 23_000);
    assert.equal(c.total, 23_000);
    assert.equal(c.duplicates, 0, 'no record written twice');
    assert.equal(new Set(c.byOrigin.get('b2')).size, 20_000, 'no record lost');
    assert.ok(c.isOrderKept);
  });

  it('kill -9 of the node of C running 2 worker threads mid-stream, then restart: 0 lost, 0 duplicates', async () => {
    const [nodeC] = [...children].slice(-1);
    const writing = produceNumbered(kafka['b']!, 'b3', TOPIC, 3_000, PARTITIONS);
    await new Promise((r) => setTimeout(r, 300));
    nodeC!.kill('SIGKILL');
    await writing;
    const before = await auditTopic(kafka['c']!, 'c', TOPIC, MESH, KEY);
    console.log(
      `C (2 worker threads) held ${before.total - 23_000} of 3,000 new records when its node was killed`,
    );
    await startNode('c', [{ from: 'b', origins: ['a', 'b'] }], 2);
    const c = await waitForTotal('c', 26_000);
    assert.equal(c.total, 26_000);
    assert.equal(c.duplicates, 0, 'no record written twice');
    assert.equal(new Set(c.byOrigin.get('b3')).size, 3_000, 'no record lost');
    assert.ok(c.isOrderKept);
    // Each worker read its share of b through a consumer group of its own.
    const admin = kafka['b']!.admin();
    await admin.connect();
    const groups = (await admin.listGroups()).groups
      .map((g) => g.groupId)
      .filter((g) => g.startsWith(`geomesh.${MESH}.c.`));
    await admin.disconnect();
    for (const worker of [0, 1])
      assert.ok(groups.includes(`geomesh.${MESH}.c.from.b.worker-${worker}`), groups.join());
  });
});
