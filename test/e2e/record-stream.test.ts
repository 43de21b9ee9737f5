/**
 * The peer record stream across a WAN: a two-region mesh whose every cross-region connection goes through a
 * WAN proxy (test/support/wan-mesh.ts), its links on `transport: stream`. The same writes are replicated
 * first with the links pulling (the nodes run a copy of the topology with `transport: pull`), then
 * streaming; each phase is audited (every record of every origin exactly once, in order per origin, nothing
 * back in its origin) and the proxies' byte counters give the WAN bytes received per byte of records
 * written, printed for both paths: the stream must move fewer. Then region a's node is killed (kill -9)
 * while both regions write: b's link from a falls back to pulling a's cluster, and returns to the stream
 * once a's node is back; the audit counts every record again. Last, both nodes run their data path on 2
 * worker threads, which stream through their node's peer channels: the links stream, every record once.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { metricSum } from '../support/polling.ts';
import {
  pullTopologyFile,
  restartNodes,
  startStreamMesh,
  waitLinkPath,
  writeAndAudit,
} from '../support/stream-mesh.ts';
import { Writers, auditConverged, type WanMesh } from '../support/wan-mesh.ts';

const REGIONS = ['a', 'b'] as const;
const KEY = randomBytes(32).toString('hex');
/** Records each region writes per phase, 1 KiB values that compress well (as JSON payloads do). */
const RECORDS = 3_000;
const VALUE_BYTES = 1_024;
const CONVERGE_MS = 90_000;

describe('peer record stream through a WAN proxy', () => {
  let mesh: WanMesh;
  /** Bytes the proxies delivered to their callers (clusters' and nodes' answers): what crossed the WAN. */
  const wanBytes = () =>
    REGIONS.reduce((n, r) => n + mesh.env.wan(r).bytes.down + mesh.peerProxy(r).bytes.down, 0);
  /** Key and value bytes the links wrote, over both regions. */
  const writtenBytes = async () => {
    let n = 0;
    for (const r of REGIONS) n += metricSum(await mesh.metrics(r), 'geomesh_replicated_bytes_total');
    return n;
  };
  const waitPath = (region: string, from: string, path: string) => waitLinkPath(mesh, region, from, path);
  /** Writes RECORDS in each region into `topic`, waits until both hold all, audits; WAN bytes per written byte. */
  const phase = async (topic: string): Promise<{ ratio: number; wan: number; written: number }> => {
    const wan0 = wanBytes();
    const written0 = await writtenBytes();
    await writeAndAudit(mesh, topic, {
      regions: REGIONS,
      records: RECORDS,
      valueBytes: VALUE_BYTES,
      convergeMs: CONVERGE_MS,
    });
    const wan = wanBytes() - wan0;
    const written = (await writtenBytes()) - written0;
    return { ratio: wan / written, wan, written };
  };

  before(async () => {
    mesh = await startStreamMesh({
      mesh: 'stream',
      regions: REGIONS,
      topics: ['rs-pull', 'rs-stream', 'rs-kill', 'rs-workers', 'rs-workers-pull'],
      topicPattern: 'rs-.*',
      key: KEY,
    });
  });

  after(async () => {
    await mesh?.stop();
  });

  it('moves fewer WAN bytes per written byte streaming than pulling, exactly once and in order', async () => {
    // The same mesh pulling: every node restarted with the topology's links on transport: pull.
    await restartNodes(mesh, REGIONS, pullTopologyFile(mesh));
    const pull = await phase('rs-pull');
    await restartNodes(mesh, REGIONS);
    await waitPath('b', 'a', 'stream');
    await waitPath('a', 'b', 'stream');
    const reported = (await mesh.status('b')).links.find((l) => l.fromRegion === 'a');
    assert.equal(reported?.path, 'stream', "b's status reports its link from a streaming");
    const stream = await phase('rs-stream');
    console.log(
      `[record-stream] WAN bytes received per byte of records written: pull ${pull.ratio.toFixed(3)} ` +
        `(${pull.wan} / ${pull.written}), stream ${stream.ratio.toFixed(3)} (${stream.wan} / ${stream.written})`,
    );
    const text = await mesh.metrics('b');
    const streamed = metricSum(text, 'geomesh_link_stream_received_bytes_total', 'from="a"');
    const plain = metricSum(text, 'geomesh_link_stream_uncompressed_bytes_total', 'from="a"');
    console.log(`[record-stream] b's stream from a: ${streamed} bytes received, ${plain} before compression`);
    assert.ok(streamed > 0 && plain > streamed, 'b received compressed records on its stream from a');
    // The node's part of latency is measured on the stream too (from each stream message's arrival).
    assert.ok(metricSum(text, 'geomesh_node_latency_seconds_count', 'from="a"') > 0, 'node latency observed');
    assert.ok(stream.ratio < pull.ratio, `stream ${stream.ratio} not below pull ${pull.ratio}`);
  });

  it('falls back to pulling when the source node is killed, and returns to the stream after its restart', async () => {
    await waitPath('b', 'a', 'stream');
    const writers = await new Writers(mesh.kafka, 'rs-kill', {
      regions: REGIONS,
      batch: 50,
      intervalMs: 200,
      valueBytes: 256,
    }).start();
    try {
      await new Promise((r) => setTimeout(r, 2_000));
      const killedAt = Date.now();
      process.kill(mesh.pid('a'), 'SIGKILL');
      await waitPath('b', 'a', 'pull');
      console.log(
        `[record-stream] b pulls from a ${((Date.now() - killedAt) / 1000).toFixed(1)} s after kill -9`,
      );
      const pulledBefore = metricSum(await mesh.metrics('b'), 'geomesh_replicated_records_total', 'from="a"');
      await new Promise((r) => setTimeout(r, 3_000));
      const pulledAfter = metricSum(await mesh.metrics('b'), 'geomesh_replicated_records_total', 'from="a"');
      assert.ok(pulledAfter > pulledBefore, "b goes on replicating a's records while a's node is down");
      const restartedAt = Date.now();
      mesh.startNode('a');
      await mesh.waitReady('a');
      await waitPath('b', 'a', 'stream');
      console.log(
        `[record-stream] b streams from a again ${((Date.now() - restartedAt) / 1000).toFixed(1)} s after a's restart`,
      );
      const switches = metricSum(await mesh.metrics('b'), 'geomesh_link_path_switches_total', 'from="a"');
      assert.ok(switches >= 2, `switches ${switches}`);
    } finally {
      await writers.stop();
    }
    await auditConverged(mesh, writers, CONVERGE_MS);
  });

  it('streams on worker threads: each worker its partitions, through its node, exactly once and in order', async () => {
    await restartNodes(mesh, REGIONS, undefined, ['--workers', '2']);
    await waitPath('b', 'a', 'stream');
    await waitPath('a', 'b', 'stream');
    const streamedOf = async (region: string, from: string) =>
      metricSum(await mesh.metrics(region), 'geomesh_link_stream_received_bytes_total', `from="${from}"`);
    const before = { b: await streamedOf('b', 'a'), a: await streamedOf('a', 'b') };
    const workers = await phase('rs-workers');
    const after = { b: await streamedOf('b', 'a'), a: await streamedOf('a', 'b') };
    console.log(
      `[record-stream] 2 workers per node: WAN bytes per byte written ${workers.ratio.toFixed(3)}; ` +
        `streamed ${after.b - before.b} bytes into b, ${after.a - before.a} into a`,
    );
    assert.ok(after.b > before.b && after.a > before.a, 'both links received their records on the stream');
    const reported = (await mesh.status('b')).links.find((l) => l.fromRegion === 'a');
    assert.equal(reported?.path, 'stream', "b's status reports its link from a streaming");
    // Pulling on 2 workers: what the workers fetch from a's cluster counts in b's metric (and WAN bytes).
    await restartNodes(mesh, REGIONS, pullTopologyFile(mesh), ['--workers', '2']);
    await phase('rs-workers-pull');
    const text = await mesh.metrics('b');
    const fetched = metricSum(text, 'geomesh_source_cluster_received_bytes', 'from="a"');
    const written = metricSum(text, 'geomesh_replicated_bytes_total', 'from="a"');
    console.log(
      `[record-stream] 2 workers pulling: b received ${fetched} bytes from a's cluster, wrote ${written}`,
    );
    assert.ok(
      written > 0 && fetched > written,
      `b counted ${fetched} bytes from a's cluster for ${written} written`,
    );
    // Observed in the workers and reported to the main thread's metrics.
    assert.ok(metricSum(text, 'geomesh_node_latency_seconds_count', 'from="a"') > 0, 'node latency observed');
  });
});
