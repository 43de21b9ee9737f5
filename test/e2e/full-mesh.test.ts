/**
 * Three regions, full mesh, active-active: writers in every region at once; after a drain every region holds
 * every record exactly once, per-origin order is kept, nothing returns to its origin, and counts stay put.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Kafka } from 'kafkajs';
import { createKafkaClient } from '../../node/kafka/index.ts';
import { silentLogger } from '../../node/log/index.ts';
import { RegionNode } from '../../node/region/index.ts';
import { TestEnvironment } from '../harness/index.ts';
import { E2E_WORKERS } from '../support/e2e-workers.ts';
import { auditTopic, produceNumbered, type RegionAudit } from '../support/mesh-audit.ts';
import { compileLink } from '../../node/config/index.ts';

const REGIONS = ['ap-south', 'eu-west', 'us-east'] as const;
const TOPICS = ['orders', 'payments'];
const PARTITIONS = 3;
const PER_REGION = Number(process.env['GEOMESH_E2E_RECORDS'] ?? 3_000);
const MESH = 'e2e';
const KEY = randomBytes(32);

describe('full mesh, 3 regions, active-active', () => {
  let env: TestEnvironment;
  const kafka: Record<string, Kafka> = {};
  const nodes: RegionNode[] = [];

  before(async () => {
    env = await TestEnvironment.start({ kafka: [...REGIONS] });
    for (const r of REGIONS) {
      kafka[r] = createKafkaClient({
        brokers: env.cluster(r).bootstrapServers,
        clientId: `test-${r}`,
        logger: silentLogger(),
      });
      const admin = kafka[r].admin();
      await admin.connect();
      await admin.createTopics({
        waitForLeaders: true,
        topics: TOPICS.map((topic) => ({ topic, numPartitions: PARTITIONS })),
      });
      await admin.disconnect();
    }
    const clusters = Object.fromEntries(
      REGIONS.map((r) => [r, { brokers: env.cluster(r).bootstrapServers }]),
    );
    for (const region of REGIONS) {
      const node = new RegionNode({
        mesh: MESH,
        region,
        provenanceKey: KEY,
        clusters,
        // Full mesh: every tree is a star, so X → R carries only X's own records.
        inbound: REGIONS.filter((x) => x !== region).map((from) =>
          compileLink({ from, topics: TOPICS, forwardsOrigin: (o: string) => o === from }),
        ),
        logger: silentLogger(),
        http: { host: '127.0.0.1', port: 0 },
        workers: E2E_WORKERS,
      });
      nodes.push(node);
      await node.start();
    }
  });
  after(async () => {
    await Promise.allSettled(nodes.map((n) => n.stop()));
    await env?.stop();
  });

  async function auditAll(): Promise<Map<string, RegionAudit>> {
    const audits = new Map<string, RegionAudit>();
    for (const r of REGIONS)
      for (const t of TOPICS) audits.set(`${r}/${t}`, await auditTopic(kafka[r]!, r, t, MESH, KEY));
    return audits;
  }

  it(`replicates ${PER_REGION} records per region and topic everywhere exactly once`, async () => {
    await Promise.all(
      REGIONS.flatMap((r) => TOPICS.map((t) => produceNumbered(kafka[r]!, r, t, PER_REGION, PARTITIONS))),
    );
    const expected = REGIONS.length * PER_REGION;
    const deadline = Date.now() + 180_000;
    let audits = await auditAll();
    while ([...audits.values()].some((a) => a.total < expected) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 2_000));
      audits = await auditAll();
    }
    for (const [where, a] of audits) {
      // The most specific anomaly first: a record back in its origin also makes the total too high.
      assert.equal(a.loops, 0, `${where}: records back in their origin`);
      assert.equal(a.duplicates, 0, `${where}: duplicates`);
      assert.equal(a.total, expected, `${where}: total`);
      assert.equal(a.misattributed, 0, `${where}: origin headers agree with the writer`);
      assert.ok(a.isOrderKept, `${where}: per-origin order`);
      for (const r of REGIONS)
        assert.equal(new Set(a.byOrigin.get(r)).size, PER_REGION, `${where}: all of ${r}`);
    }
    // Byte for byte: every copy has the original's partition, key, value, timestamp and application headers.
    let compared = 0;
    for (const t of TOPICS) {
      for (const origin of REGIONS) {
        const originals = audits.get(`${origin}/${t}`)!.fingerprints;
        for (const r of REGIONS) {
          if (r === origin) continue;
          for (const [id, print] of audits.get(`${r}/${t}`)!.fingerprints) {
            if (!id.startsWith(`${origin}:`)) continue;
            assert.equal(print, originals.get(id), `${r}/${t} ${id} differs from the original in ${origin}`);
            compared++;
          }
        }
      }
    }
    assert.equal(compared, TOPICS.length * REGIONS.length * (REGIONS.length - 1) * PER_REGION);
    const written = nodes.reduce(
      (n, node) => n + node.links.reduce((m, l) => m + l.stats.recordsWritten, 0),
      0,
    );
    console.log(
      `replicated ${written} records; drops: ${JSON.stringify(nodes.map((n) => n.links.map((l) => l.stats.dropped)))}`,
    );
    // Each node's /metrics agrees with what the audit counted, and /readyz says ready.
    for (const node of nodes) {
      const text = await (await fetch(`http://${node.httpAddress}/metrics`)).text();
      const sum = (name: string, filter = '') =>
        text
          .split('\n')
          .filter((l) => l.startsWith(name) && l.includes(filter))
          .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
      assert.equal(
        sum('geomesh_replicated_records_total'),
        2 * TOPICS.length * PER_REGION,
        'records written into the region',
      );
      assert.equal(
        sum('geomesh_dropped_records_total', 'reason="loop"'),
        2 * TOPICS.length * PER_REGION,
        'loop drops',
      );
      assert.equal(sum('geomesh_dropped_records_total', 'reason="duplicate"'), 0);
      assert.ok(sum('geomesh_end_to_end_latency_seconds_count') > 0);
      assert.ok(sum('geomesh_node_latency_seconds_count') > 0);
      const ready = await fetch(`http://${node.httpAddress}/readyz`);
      assert.equal(ready.status, 200);
    }
    // Nothing more arrives later: no loop keeps records circulating (a looping copy would be fetched again
    // within one fetch round, well under a second; 5 s are many rounds).
    await new Promise((r) => setTimeout(r, 5_000));
    for (const [where, a] of await auditAll()) assert.equal(a.total, expected, `${where}: total 5 s later`);
  });
});
