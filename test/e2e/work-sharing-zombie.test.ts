/**
 * A late write of a partition's old owner (work sharing, docs/work-sharing.md "Fencing"): instance w1 of
 * region west reaches west's broker through a WAN proxy, owns the one target partition and writes into it
 * under load. The proxy then holds what w1 sends (its lease still certain, so its gates were open when the
 * bytes left), w1 is frozen (SIGSTOP) until its lease expires and w2 has taken the partition over, scanned its
 * tail and written the records itself; then the proxy lets the held bytes through to the broker. Before
 * zombie fencing the broker appended w1's held batch after w2's copy: the same records twice, next to each
 * other. With it, w2's fence (the partition's transactional id initialised before its tail scan) makes the
 * broker refuse the held request, and the target holds every record once.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Kafka } from 'kafkajs';
import { createKafkaClient } from '../../node/kafka/index.ts';
import { silentLogger } from '../../node/log/index.ts';
import { TestEnvironment, freePort } from '../harness/index.ts';
import { runGeomeshNode, waitNodeReady } from '../support/cli-process.ts';
import { auditTopic, produceNumbered } from '../support/mesh-audit.ts';
import { sharedWestTopology } from '../support/local-topology.ts';
import { metricSum, waitFor } from '../support/polling.ts';

const MESH = 'zombie';
const KEY = randomBytes(32).toString('hex');
const TOPIC = 'orders';
const TTL_MS = 2_000;
/** The proxy's delay while it catches w1's next requests; they are then held (blackhole) as long as needed. */
const CATCH_DELAY_MS = 30_000;

interface Instance {
  child: ChildProcess;
  http: number;
}

describe('work sharing: a held write of the old owner lands after the next owner wrote', () => {
  let env: TestEnvironment;
  let dir: string;
  let east: Kafka;
  let west: Kafka;
  const instances: Instance[] = [];
  let written = 0;
  let isWriting = false;
  let writer: Promise<void> | undefined;

  async function startInstance(name: string, westBrokers: string): Promise<Instance> {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(
      file,
      sharedWestTopology({
        mesh: MESH,
        etcdEndpoint: env.etcd!.endpoints[0]!,
        eastBrokers: env.cluster('east').bootstrapServers[0]!,
        westBrokers,
        leaseTtlMs: TTL_MS,
        topic: TOPIC,
      }),
    );
    const http = await freePort();
    const child = runGeomeshNode(
      // The broker fence is opt-in (NODE_DEFAULTS.fenceAtBroker): this file shows what it closes.
      { file, region: 'west', grpc: await freePort(), http, args: ['--fence-at-broker'] },
      { GEOMESH_PROVENANCE_KEY: KEY },
    );
    const instance = { child, http };
    instances.push(instance);
    await waitNodeReady(http, name);
    return instance;
  }

  async function metric(instance: Instance, name: string): Promise<number> {
    return metricSum(await (await fetch(`http://127.0.0.1:${instance.http}/metrics`)).text(), name);
  }

  before(async () => {
    env = await TestEnvironment.start({ kafka: ['east', 'west'], etcd: true, wan: { delayMs: 0 } });
    dir = mkdtempSync(join(tmpdir(), 'geomesh-zombie-'));
    [east, west] = ['east', 'west'].map((r) =>
      createKafkaClient({
        brokers: env.cluster(r).bootstrapServers,
        clientId: `t-${r}`,
        logger: silentLogger(),
      }),
    ) as [Kafka, Kafka];
    const admin = east.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: TOPIC, numPartitions: 1 }] });
    await admin.disconnect();
  });

  after(async () => {
    isWriting = false;
    await writer?.catch(() => undefined);
    for (const i of instances) {
      i.child.kill('SIGCONT');
      i.child.kill('SIGKILL');
    }
    await env?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the old owner held in the network, frozen until the partition moved: every record once', async () => {
    // Writers in east all along: 200 records every 100 ms.
    isWriting = true;
    writer = (async () => {
      while (isWriting) {
        await produceNumbered(east, 'east', TOPIC, 200, 1, written);
        written += 200;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const proxy = env.wan('west');
    const w1 = await startInstance('w1', proxy.address);
    await waitFor(async () => (await metric(w1, 'geomesh_replicated_records_total')) > 0, {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: 'w1 owning the partition and writing',
    });
    const w2 = await startInstance('w2', env.cluster('west').bootstrapServers[0]!);
    assert.equal(await metric(w2, 'geomesh_partitions_owned'), 0, 'w1 keeps its partition (sticky)');

    // Catch w1's next requests in the proxy: a write of a batch (or, fenced, the first request of one).
    proxy.setDelay({ up: CATCH_DELAY_MS, down: 0 });
    let heldSince = 0;
    await waitFor(
      () => {
        const held = proxy.held.up;
        if (held > 0 && heldSince === 0) heldSince = Date.now();
        return held >= 1_024 || (heldSince > 0 && Date.now() - heldSince > 1_500);
      },
      { timeoutMs: 15_000, intervalMs: 10, what: 'a request of w1 held in the proxy' },
    );
    proxy.blackhole();
    w1.child.kill('SIGSTOP');
    const heldBytes = proxy.held.up;
    const frozenAt = Date.now();

    await waitFor(async () => (await metric(w2, 'geomesh_replicated_records_total')) > 0, {
      timeoutMs: 20_000,
      intervalMs: 200,
      what: 'w2 owning the partition and writing',
    });
    const tookOverAfter = Date.now() - frozenAt;
    // w2 writes on past what w1 held, then the held bytes reach the broker.
    await new Promise((r) => setTimeout(r, 1_000));
    proxy.setDelay(0);
    proxy.heal();
    proxy.releaseHeld();
    await waitFor(() => proxy.held.up === 0, { timeoutMs: 5_000, intervalMs: 20, what: 'held bytes sent' });
    await new Promise((r) => setTimeout(r, 500));
    w1.child.kill('SIGCONT');

    isWriting = false;
    await writer;
    let audit = await auditTopic(west, 'west', TOPIC, MESH, Buffer.from(KEY));
    await waitFor(
      async () => (audit = await auditTopic(west, 'west', TOPIC, MESH, Buffer.from(KEY))).total >= written,
      { timeoutMs: 30_000, intervalMs: 500, what: `all ${written} records in west` },
    );
    const uncommitted = await auditTopic(west, 'west', TOPIC, MESH, Buffer.from(KEY), {
      readUncommitted: true,
    });
    console.log(
      `w1 frozen with ${heldBytes} bytes held in the proxy; w2 wrote ${tookOverAfter} ms later; ` +
        `west: ${audit.total} records read_committed (${audit.duplicates} duplicates), ` +
        `${uncommitted.total} read_uncommitted (${uncommitted.duplicates} duplicates) of ${written}`,
    );
    if (audit.duplicates > 0) console.log('duplicates:', JSON.stringify(audit.firstDuplicates));
    assert.equal(audit.duplicates, 0, 'no record twice (read_committed)');
    assert.deepEqual(
      [...new Set(audit.byOrigin.get('east'))].length,
      written,
      'every record of east in west',
    );
    assert.ok(audit.isOrderKept, 'in order');
  });
});
