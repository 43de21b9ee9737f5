/**
 * Source truncation against real Kafka, one link a → b run by an in-process node:
 * - records deleted in a (deleteRecords) before the node copied them: counted exactly, the rest replicated
 *   exactly once (continue);
 * - the same with halt: that partition halts and /readyz names it, the other partition goes on;
 * - the topic deleted and re-created in a while the node runs: its new records are replicated, not dropped as
 *   duplicates of the old ones, and the event is counted and logged.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createLogger, silentLogger } from '../../node/log/index.ts';
import type { Kafka } from 'kafkajs';
import type { RegionNode } from '../../node/region/index.ts';
import { InProcessMesh } from '../support/in-process-mesh.ts';
import { metricSum, pollUntil } from '../support/polling.ts';
import { auditTopic } from '../support/mesh-audit.ts';

const KEY = randomBytes(32);
const REGIONS = ['a', 'b'] as const;

describe('source truncation: deleted records and a re-created topic', () => {
  const mesh = new InProcessMesh(REGIONS, KEY);
  const kafka = mesh.kafka;
  const createTopic = (region: string, topic: string, partitions: number) =>
    mesh.createTopic(region, topic, partitions);
  const stopNode = (node: RegionNode) => mesh.stopNode(node);

  async function admin<T>(region: string, f: (a: ReturnType<Kafka['admin']>) => Promise<T>): Promise<T> {
    const a = mesh.kafka[region]!.admin();
    await a.connect();
    try {
      return await f(a);
    } finally {
      await a.disconnect();
    }
  }

  /** Produces values `a:<seq>` for seq in [from, to) into `partition`. */
  async function produce(topic: string, partition: number, from: number, to: number): Promise<void> {
    const producer = mesh.kafka['a']!.producer();
    await producer.connect();
    const messages = [];
    for (let seq = from; seq < to; seq++) messages.push({ partition, value: `a:${seq}` });
    await producer.send({ topic, acks: -1, messages });
    await producer.disconnect();
  }

  function startNode(meshName: string, topic: string, policy: 'continue' | 'halt', lines?: string[]) {
    return mesh.startNode(
      meshName,
      'b',
      [{ from: 'a', topics: [topic], forwardsOrigin: (o) => o === 'a', onSourceTruncated: policy }],
      lines
        ? createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } })
        : silentLogger(),
    );
  }

  before(() => mesh.start());
  after(() => mesh.stop());

  /**
   * a's partition 0 gets 0..19 (copied), then, with the node stopped, 20..49 of which 20..34 are deleted;
   * partition 1 gets 100..119 and 120..149, nothing deleted. Then the node starts again with `policy`.
   */
  async function truncateWhileStopped(policy: 'continue' | 'halt') {
    const topic = `truncated-${policy}-${randomUUID().slice(0, 8)}`;
    const mesh = `trunc-${policy}`;
    for (const r of REGIONS) await createTopic(r, topic, 2);
    await produce(topic, 0, 0, 20);
    await produce(topic, 1, 100, 120);
    const first = await startNode(mesh, topic, policy);
    const copied = await pollUntil(
      () => auditTopic(kafka['b']!, 'b', topic, mesh, KEY),
      (a) => a.total >= 40,
    );
    assert.equal(copied.total, 40);
    await stopNode(first);
    await produce(topic, 0, 20, 50);
    await produce(topic, 1, 120, 150);
    await admin('a', async (a) => {
      await a.fetchTopicMetadata({ topics: [topic] }); // deleteTopicRecords needs it loaded
      await a.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '35' }] });
    });
    const node = await startNode(mesh, topic, policy);
    return { topic, mesh, node };
  }

  it('records deleted before they were copied: counted exactly, the rest replicated exactly once (continue)', async () => {
    const { topic, mesh, node } = await truncateWhileStopped('continue');
    const inB = await pollUntil(
      () => auditTopic(kafka['b']!, 'b', topic, mesh, KEY),
      (a) => a.total >= 85,
    );
    await new Promise((r) => setTimeout(r, 2_000));
    const settled = await auditTopic(kafka['b']!, 'b', topic, mesh, KEY);
    assert.equal(inB.total, 85);
    assert.equal(settled.total, 85, 'nothing more arrived');
    assert.equal(settled.duplicates, 0);
    const seqs = new Set(settled.byOrigin.get('a'));
    for (let seq = 20; seq < 35; seq++) assert.ok(!seqs.has(seq), `deleted record ${seq} is not in b`);
    for (const seq of [...range(0, 20), ...range(35, 50), ...range(100, 150)])
      assert.ok(seqs.has(seq), `record ${seq} replicated`);
    const text = await (await fetch(`http://${node.httpAddress}/metrics`)).text();
    assert.equal(metricSum(text, 'geomesh_source_truncated_records_total', `topic="${topic}"`), 15);
    assert.equal(node.links[0]!.stats.truncatedRecords, 15);
    assert.equal((await fetch(`http://${node.httpAddress}/readyz`)).status, 200);
  });

  it('records deleted before they were copied, halt: the partition halts, /readyz names it, the other goes on', async () => {
    const { topic, mesh, node } = await truncateWhileStopped('halt');
    const inB = await pollUntil(
      () => auditTopic(kafka['b']!, 'b', topic, mesh, KEY),
      (a) => a.total >= 70,
    );
    await new Promise((r) => setTimeout(r, 2_000));
    const settled = await auditTopic(kafka['b']!, 'b', topic, mesh, KEY);
    assert.equal(inB.total, 70);
    assert.equal(settled.total, 70, 'nothing of the halted partition arrived');
    const seqs = new Set(settled.byOrigin.get('a'));
    for (const seq of range(35, 50)) assert.ok(!seqs.has(seq), `record ${seq} after the gap is held back`);
    for (const seq of range(100, 150)) assert.ok(seqs.has(seq), `partition 1 record ${seq} replicated`);
    const ready = await fetch(`http://${node.httpAddress}/readyz`);
    assert.equal(ready.status, 503);
    const body = (await ready.json()) as { notReady: string[] };
    assert.match(
      body.notReady.join(';'),
      new RegExp(
        `${topic}/0 halted: source truncated: 15 records deleted before they were copied \\(offsets 20\\.\\.34\\)`,
      ),
    );
    const text = await (await fetch(`http://${node.httpAddress}/metrics`)).text();
    assert.equal(metricSum(text, 'geomesh_source_truncated_records_total', `topic="${topic}"`), 15);
    assert.equal(metricSum(text, 'geomesh_partitions_halted', `topic="${topic}"`), 1);
  });

  it('the topic deleted and re-created in the source while the node runs: its new records are replicated (continue)', async () => {
    const topic = `recreated-${randomUUID().slice(0, 8)}`;
    const mesh = 'trunc-recreated';
    for (const r of REGIONS) await createTopic(r, topic, 2);
    await produce(topic, 0, 0, 20);
    await produce(topic, 1, 100, 120);
    const lines: string[] = [];
    const node = await startNode(mesh, topic, 'continue', lines);
    const copied = await pollUntil(
      () => auditTopic(kafka['b']!, 'b', topic, mesh, KEY),
      (a) => a.total >= 40,
    );
    assert.equal(copied.total, 40);
    await admin('a', (a) => a.deleteTopics({ topics: [topic] }));
    // Deletion completes in the background: create again until the broker accepts it.
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        if (
          await admin('a', (a) =>
            a.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 2 }] }),
          )
        )
          break;
        // false: the name exists. Still the old topic (deletion under way), or already the new one: a create
        // whose answer was lost (a slow broker) and that kafkajs retried. The new one holds nothing yet.
        const ends = await admin('a', (a) => a.fetchTopicOffsets(topic));
        if (ends.length === 2 && ends.every((p) => p.high === '0')) break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
      if (Date.now() > deadline)
        throw new Error(`${topic} was not created again within 60 s of its deletion`);
      await new Promise((r) => setTimeout(r, 500));
    }
    // Fewer records than before, so their offsets are all below what the node already handled.
    await produce(topic, 0, 1000, 1005);
    await produce(topic, 1, 1100, 1105);
    const inB = await pollUntil(
      () => auditTopic(kafka['b']!, 'b', topic, mesh, KEY),
      (a) => a.total >= 50,
    );
    await new Promise((r) => setTimeout(r, 2_000));
    const settled = await auditTopic(kafka['b']!, 'b', topic, mesh, KEY);
    assert.equal(inB.total, 50, 'the new records are not dropped as duplicates of the old ones');
    assert.equal(settled.total, 50);
    assert.equal(settled.duplicates, 0);
    const seqs = new Set(settled.byOrigin.get('a'));
    for (const seq of [...range(1000, 1005), ...range(1100, 1105)]) assert.ok(seqs.has(seq), `new ${seq}`);
    const link = node.links[0]!;
    assert.equal(link.stats.sourceResets, 2, 'both partitions went back, each counted once');
    assert.equal(link.stats.truncatedRecords, 0, 'everything the old topic held had been copied');
    const text = await (await fetch(`http://${node.httpAddress}/metrics`)).text();
    assert.match(
      text,
      new RegExp(`geomesh_source_truncated_records_total\\{[^}]*topic="${topic}"[^}]*\\} 0`),
    );
    const logged = lines.filter((l) => l.includes('went back') && l.includes(topic));
    assert.equal(logged.length, 2, 'logged once per partition');
    assert.equal((await fetch(`http://${node.httpAddress}/readyz`)).status, 200);
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}
