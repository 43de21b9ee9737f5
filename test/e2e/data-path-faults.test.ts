/**
 * The data path under bad input and faults, two regions a ⇄ b:
 * - application records whose headers claim another origin (no tag, a tag of no version, a tag of the mesh's key
 *   made for another record) are still replicated exactly once, and never bounce;
 * - a record larger than the target accepts: clear error, metric, the policy (halt or skip), nothing else lost;
 * - the target's broker killed with kill -9 and restarted mid-stream, for 2 s and for longer than the producer
 *   retries (the link's re-sync and retry): 0 lost, 0 duplicates; both again with the node on 2 worker threads;
 * - with 2 worker threads, one ended abruptly mid-stream: restarted in place, 0 lost, 0 duplicates;
 * - with 2 worker threads, the partitions gathered on one worker and spread again mid-stream (worker
 *   placement), with a worker ended during the moves: 0 lost, 0 duplicates, order kept.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  ORIGIN_HEADER,
  ORIGIN_MAC_HEADER,
  ORIGIN_OFFSET_HEADER,
  encodeOriginHeaders,
} from '../../node/replication/index.ts';
import { InProcessMesh } from '../support/in-process-mesh.ts';
import { metricSum, pollUntil } from '../support/polling.ts';
import { auditTopic, produceNumbered } from '../support/mesh-audit.ts';

const MESH = 'faults';
const KEY = randomBytes(32);
const REGIONS = ['a', 'b'] as const;

describe('data path: forged headers, records too large, target broker restart', () => {
  const mesh = new InProcessMesh(REGIONS, KEY);
  const kafka = mesh.kafka;
  const createTopic = mesh.createTopic.bind(mesh);

  function startNode(
    meshName: string,
    region: string,
    from: string,
    topics: string[],
    onRecordTooLarge?: 'halt' | 'skip',
    workers?: number,
  ) {
    return mesh.startNode(
      meshName,
      region,
      [
        {
          from,
          topics,
          forwardsOrigin: (o: string) => o === from,
          ...(onRecordTooLarge ? { onRecordTooLarge } : {}),
        },
      ],
      undefined,
      undefined,
      workers,
    );
  }

  before(() => mesh.start());
  after(() => mesh.stop());

  it('replicates records whose application headers claim another origin, exactly once, without bouncing', async () => {
    const topic = 'forged';
    for (const r of REGIONS) await createTopic(r, topic, 2);
    const nodeB = await startNode(MESH, 'b', 'a', [topic]);
    const nodeA = await startNode(MESH, 'a', 'b', [topic]);
    const producer = kafka['a']!.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: Array.from({ length: 100 }, (_, i) => ({
        partition: i % 2,
        value: `a:${i}`,
        // An application that writes geomesh's header names itself: claims origin b, or carries a bogus tag
        // (version byte 0x7f: no tag version; a random first byte of 1 or 2 would make it a well-formed mesh
        // tag of an unknown key, which halts the partition by design: docs/topology.md), or a well-formed tag
        // of the mesh's own key made for another record (an edited record: its MAC must not verify).
        headers:
          i % 3 === 0
            ? { [ORIGIN_HEADER]: 'b', [ORIGIN_OFFSET_HEADER]: String(i) }
            : i % 3 === 1
              ? {
                  [ORIGIN_HEADER]: 'a',
                  [ORIGIN_OFFSET_HEADER]: String(i),
                  [ORIGIN_MAC_HEADER]: Buffer.concat([Buffer.from([0x7f]), randomBytes(16)]),
                }
              : encodeOriginHeaders(
                  undefined,
                  KEY,
                  MESH,
                  { region: 'b', offset: i },
                  { topic, partition: i % 2, timestamp: '0', key: null, value: Buffer.from(`edited:${i}`) },
                ),
      })),
    });
    await producer.disconnect();
    const inB = await pollUntil(
      () => auditTopic(kafka['b']!, 'b', topic, MESH, KEY),
      (a) => a.total >= 100,
    );
    assert.equal(inB.total, 100, `b holds ${inB.total} of a's 100 records`);
    assert.equal(inB.duplicates, 0);
    assert.equal(inB.misattributed, 0, 'in b every record verifies as origin a');
    await new Promise((r) => setTimeout(r, 3_000));
    const inA = await auditTopic(kafka['a']!, 'a', topic, MESH, KEY);
    assert.equal(inA.total, 100, 'nothing came back to a');
    const text = await (await fetch(`http://${nodeB.httpAddress}/metrics`)).text();
    assert.equal(
      metricSum(text, 'geomesh_forged_origin_headers_total'),
      100,
      'every record of a counted as carrying forged headers',
    );
    const textA = await (await fetch(`http://${nodeA.httpAddress}/metrics`)).text();
    assert.equal(
      metricSum(textA, 'geomesh_dropped_records_total', 'reason="loop"'),
      100,
      'the copies in b were recognised as a’s',
    );
  });

  for (const policy of ['halt', 'skip'] as const) {
    it(`a record larger than the target accepts: policy ${policy}, metric, nothing else lost`, async () => {
      const topic = `big-${policy}`;
      await createTopic('a', topic, 2);
      await createTopic('b', topic, 2, [{ name: 'max.message.bytes', value: '4096' }]);
      const messages = [
        ...Array.from({ length: 10 }, (_, i) => ({ partition: 0, value: `a:${i}` })),
        { partition: 0, value: `a:10:${'x'.repeat(8192)}` },
        ...Array.from({ length: 10 }, (_, i) => ({ partition: 0, value: `a:${11 + i}` })),
        ...Array.from({ length: 21 }, (_, i) => ({ partition: 1, value: `a:${100 + i}` })),
      ];
      const producer = kafka['a']!.producer();
      await producer.connect();
      await producer.send({ topic, messages });
      await producer.disconnect();
      // A mesh of its own, so its consumer group and tags are separate from the running nodes'.
      const node = await startNode(`${MESH}-${policy}`, 'b', 'a', [topic], policy);
      const expected = policy === 'halt' ? 31 : 41;
      const inB = await pollUntil(
        () => auditTopic(kafka['b']!, 'b', topic, `${MESH}-${policy}`, KEY),
        (a) => a.total >= expected,
      );
      await new Promise((r) => setTimeout(r, 2_000));
      const settled = await auditTopic(kafka['b']!, 'b', topic, `${MESH}-${policy}`, KEY);
      assert.equal(inB.total, expected);
      assert.equal(settled.total, expected, 'nothing more arrived');
      const seqs = new Set(settled.byOrigin.get('a'));
      assert.ok(!seqs.has(10), 'the large record is not in b');
      for (let i = 100; i < 121; i++) assert.ok(seqs.has(i), `partition 1 record ${i} replicated`);
      for (let i = 0; i < 10; i++)
        assert.ok(seqs.has(i), `partition 0 record ${i} before the large one replicated`);
      for (let i = 11; i < 21; i++)
        assert.equal(seqs.has(i), policy === 'skip', `record ${i} after the large one (${policy})`);
      const text = await (await fetch(`http://${node.httpAddress}/metrics`)).text();
      assert.equal(metricSum(text, 'geomesh_records_too_large_total'), 1);
      const ready = await fetch(`http://${node.httpAddress}/readyz`);
      if (policy === 'halt') {
        assert.equal(ready.status, 503);
        const body = (await ready.json()) as { notReady: string[] };
        assert.match(
          body.notReady.join(';'),
          new RegExp(`${topic}/0 halted: record at offset 10 is too large`),
        );
        assert.equal(metricSum(text, 'geomesh_partitions_halted'), 1);
      } else {
        assert.equal(ready.status, 200);
      }
    });
  }

  /**
   * b's broker killed with kill -9 for `downMs` while a writes 20,000 records, then restarted: every record
   * in b exactly once, in order. Down longer than the producer's own retries (about 10 s), writes fail up
   * to the link, which re-syncs its marks from b's tail and retries only what is missing: that path runs only
   * then (a mark advanced before b acknowledged would drop the records of the failed write there).
   */
  async function targetBrokerDown(
    topic: string,
    downMs: number,
    isLinkRetryExpected: boolean,
    workers?: number,
  ) {
    for (const r of REGIONS) await createTopic(r, topic, 3);
    const node = await startNode(`${MESH}-${topic}`, 'b', 'a', [topic], undefined, workers);
    let writing: Promise<void>;
    if (isLinkRetryExpected) {
      // Written while b is down, so the link certainly has writes to fail (a's 20,000 can be written and
      // copied within 1.5 s on a quiet machine).
      await mesh.env.cluster('b').kill();
      writing = produceNumbered(kafka['a']!, 'a', topic, 20_000, 3);
    } else {
      writing = produceNumbered(kafka['a']!, 'a', topic, 20_000, 3);
      await new Promise((r) => setTimeout(r, 1_500));
      await mesh.env.cluster('b').kill();
    }
    await new Promise((r) => setTimeout(r, downMs));
    await mesh.env.cluster('b').restart();
    await writing;
    const inB = await pollUntil(
      () => auditTopic(kafka['b']!, 'b', topic, `${MESH}-${topic}`, KEY),
      (a) => a.total >= 20_000,
      180_000,
    );
    await new Promise((r) => setTimeout(r, 2_000));
    const settled = await auditTopic(kafka['b']!, 'b', topic, `${MESH}-${topic}`, KEY);
    const retries = node.links.reduce((n, l) => n + l.stats.writeRetries, 0);
    console.log(
      `target broker down ${downMs} ms, ${workers ?? 'default'} workers: ${retries} write retries; ` +
        `b holds ${settled.total}`,
    );
    // The messages name the anomaly, so a failure says which invariant broke (npm run mutation-check reads them).
    const lost = (a: typeof inB) => 20_000 - new Set(a.byOrigin.get('a')).size;
    assert.equal(inB.total, 20_000, `b holds ${inB.total} of 20000: ${lost(inB)} records lost`);
    assert.equal(settled.total, 20_000, `b holds ${settled.total} of 20000: ${lost(settled)} records lost`);
    assert.equal(settled.duplicates, 0, `${settled.duplicates} duplicates`);
    assert.equal(lost(settled), 0, `${lost(settled)} records lost`);
    assert.ok(settled.isOrderKept);
    if (isLinkRetryExpected)
      assert.ok(retries > 0, 'the outage outlasted the producer retries: the link retried');
  }

  it("the target's broker killed (kill -9) and restarted mid-stream: 0 lost, 0 duplicates", () =>
    targetBrokerDown('steady', 2_000, false));

  it("the target's broker down for 20 s, longer than the producer retries: the link re-syncs, 0 lost, 0 duplicates", () =>
    targetBrokerDown('outage', 20_000, true));

  it("with 2 worker threads, the target's broker killed (kill -9) and restarted mid-stream: 0 lost, 0 duplicates", () =>
    targetBrokerDown('steady-workers', 2_000, false, 2));

  it('with 2 worker threads, the target down for 20 s, longer than the producer retries: 0 lost, 0 duplicates', () =>
    targetBrokerDown('outage-workers', 20_000, true, 2));

  it('with 2 worker threads, a worker thread that ends mid-stream is restarted in place: 0 lost, 0 duplicates', async () => {
    const topic = 'worker-crash';
    const meshName = `${MESH}-${topic}`;
    for (const r of REGIONS) await createTopic(r, topic, 4);
    const node = await startNode(meshName, 'b', 'a', [topic], undefined, 2);
    // 10 rounds of 2,000 records; worker 0 is ended after the third, while records keep arriving.
    for (let round = 0; round < 10; round++) {
      await produceNumbered(kafka['a']!, 'a', topic, 2_000, 4, round * 2_000);
      if (round === 2) await node.crashWorkerThread(0);
    }
    const inB = await pollUntil(
      () => auditTopic(kafka['b']!, 'b', topic, meshName, KEY),
      (a) => a.total >= 20_000,
      120_000,
    );
    await new Promise((r) => setTimeout(r, 2_000));
    const settled = await auditTopic(kafka['b']!, 'b', topic, meshName, KEY);
    const lost = 20_000 - new Set(settled.byOrigin.get('a')).size;
    console.log(`worker thread 0 ended: ${node.workerRestarts} restart; b holds ${settled.total}`);
    assert.equal(node.workerRestarts, 1, 'the worker was restarted');
    assert.equal(node.state, 'running', 'the node runs on');
    assert.equal(inB.total, 20_000, `b holds ${inB.total} of 20000`);
    assert.equal(settled.duplicates, 0, `${settled.duplicates} duplicates`);
    assert.equal(lost, 0, `${lost} records lost`);
    assert.ok(settled.isOrderKept);
  });

  it('with 2 worker threads, partitions gathered on one worker and spread again mid-stream, a worker ended between: 0 lost, 0 duplicates', async () => {
    const topic = 'worker-moves';
    const meshName = `${MESH}-${topic}`;
    for (const r of REGIONS) await createTopic(r, topic, 6);
    const node = await startNode(meshName, 'b', 'a', [topic], undefined, 2);
    // Adaptive placement (the default) starts gathered at a low rate.
    assert.equal(node.workerThreads.workersInUse, 1, 'a calm node starts with its partitions on one worker');
    // 12 rounds of 2,000 records; the partitions move while records arrive, and worker 1 ends mid-way.
    // (The adaptive placement may move them on its own meanwhile too: each asked move goes from where they are.)
    const asked: number[] = [];
    const moves: number[] = [];
    for (let round = 0; round < 12; round++) {
      const sending = produceNumbered(kafka['a']!, 'a', topic, 2_000, 6, round * 2_000);
      if (round % 2 === 1) {
        const next = node.workerThreads.workersInUse === 1 ? 2 : 1;
        asked.push(next);
        await node.workerThreads.placeWorkers(next);
        moves.push(node.workerThreads.workersInUse);
      }
      if (round === 6) await node.crashWorkerThread(1);
      await sending;
    }
    const inB = await pollUntil(
      () => auditTopic(kafka['b']!, 'b', topic, meshName, KEY),
      (a) => a.total >= 24_000,
      120_000,
    );
    // The replacement of the ended worker runs once its consumer is in its group again (the ended member's
    // session times out first); the records did not wait for it.
    await pollUntil(
      () => Promise.resolve(node.workerRestarts),
      (n) => n >= 1,
      60_000,
    );
    await new Promise((r) => setTimeout(r, 2_000));
    const settled = await auditTopic(kafka['b']!, 'b', topic, meshName, KEY);
    const lost = 24_000 - new Set(settled.byOrigin.get('a')).size;
    const movesMetric = metricSum(await node.registry.metrics(), 'geomesh_worker_placement_moves_total');
    console.log(
      `worker placement moved ${moves.join(' → ')} (${movesMetric} moves counted); ${node.workerRestarts} restart; b holds ${settled.total}`,
    );
    assert.deepEqual(moves, asked, 'each move took the partitions where it was asked to');
    assert.ok(movesMetric >= 6, `${movesMetric} moves counted`);
    assert.equal(node.workerRestarts, 1, 'the ended worker was restarted');
    assert.equal(node.state, 'running', 'the node runs on');
    assert.equal(inB.total, 24_000, `b holds ${inB.total} of 24000`);
    assert.equal(settled.duplicates, 0, `${settled.duplicates} duplicates`);
    assert.equal(lost, 0, `${lost} records lost`);
    assert.ok(settled.isOrderKept);
  });
});
