/**
 * Network faults between two regions, on one mesh whose every cross-region connection goes through a WAN
 * proxy (test/support/wan-mesh.ts): a partition, a region cut off from etcd and one cut off from the other
 * region's Kafka, blackholes, a slow target and round-trip time jumps. Each scenario runs under load in
 * every region, then heals and audits its own topic everywhere (every record of every origin exactly once,
 * in order per origin, nothing back in its origin). Serial; seeded: the seed is printed and
 * `GEOMESH_TEST_SEED` replays it (what the seed picks: which region takes the one-sided faults, the order
 * the proxies fail in, the writers' pace). Each scenario prints its time.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { metricSum, waitFor } from '../support/polling.ts';
import { seededRandom } from '../support/seeded-random.ts';
import { WanMesh, Writers, auditConverged } from '../support/wan-mesh.ts';

const SEED = Number(process.env['GEOMESH_TEST_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const random = seededRandom(SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const shuffled = <T>(items: readonly T[]): T[] =>
  items
    .map((item) => ({ item, key: random() }))
    .sort((x, y) => x.key - y.key)
    .map((x) => x.item);

const REGIONS = ['a', 'b'] as const;
/** How long the two regions stay partitioned while both write. */
const PARTITION_MS = 60_000;
/** How long a region stays cut off from the other region's Kafka. */
const CUT_MS = 12_000;
/** How long a region stays cut off from etcd: past its registration noticing (7.8–10.5 s seen). */
const ETCD_CUT_MS = 15_000;
/** Bound on a blackholed source showing as a stalled link (NODE_DEFAULTS.linkStallMs, 20 s, plus a status round). */
const STALL_BOUND_MS = 30_000;
/** Each step of the round-trip time: 1 ms, 300 ms, 1 ms. */
const RTT_STEP_MS = 10_000;
/** Bound on a healed mesh holding every record again. */
const CONVERGE_MS = 90_000;
/** Bound on a peer's node showing a blackholed or cut peer as down (a heartbeat every 5 s, 2 s timeout). */
const PEER_DOWN_BOUND_MS = 15_000;
/** The slow target: a backlog of this many records of this size against a cap of this many bytes a second. */
const SLOW_RECORDS = 40_000;
const SLOW_WARMUP_RECORDS = 5_000;
const SLOW_VALUE_BYTES = 1_024;
const SLOW_CAP_BYTES_PER_SECOND = 4 * 1024 * 1024;
/** The links' in-flight window (defaults.options.maxInflightBytes of the mesh). */
const MAX_INFLIGHT_BYTES = 1_048_576;
const KEY = randomBytes(32).toString('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe(`network faults between two regions (seed ${SEED})`, () => {
  let mesh: WanMesh;
  const began = Date.now();
  /** Writers in every region at a seeded pace: 50–150 records every 150–300 ms each. */
  const writers = (topic: string) =>
    new Writers(mesh.kafka, topic, {
      regions: REGIONS,
      batch: 50 + Math.floor(random() * 100),
      intervalMs: 150 + Math.floor(random() * 150),
    }).start();
  /** Runs a scenario and prints its time. */
  const scenario = (name: string, run: () => Promise<void>): void =>
    void it(name, async () => {
      const start = Date.now();
      await run();
      console.log(`[network-faults] ${name}: ${((Date.now() - start) / 1000).toFixed(1)} s`);
    });
  const peerIsUp = async (region: string, peer: string) =>
    (await mesh.status(region)).peers.find((p) => p.region === peer)?.isUp ?? false;
  /** Records `region`'s node has written since it started, over all its links (a cheap count, from its status). */
  const linkWritten = async (region: string) =>
    (await mesh.status(region)).links.reduce((n, l) => n + l.recordsWritten, 0);
  /** a's and b's written counts once neither moved for 2 s (at most 20 s: a count that keeps moving is read then). */
  const settledWritten = async (): Promise<{ a: number; b: number }> => {
    let last = { a: await linkWritten('a'), b: await linkWritten('b') };
    for (let stableSince = Date.now(), until = Date.now() + 20_000; Date.now() < until; ) {
      await sleep(500);
      const now = { a: await linkWritten('a'), b: await linkWritten('b') };
      if (now.a !== last.a || now.b !== last.b) stableSince = Date.now();
      else if (Date.now() - stableSince >= 2_000) return now;
      last = now;
    }
    return last;
  };

  before(async () => {
    console.log(`[network-faults] seed ${SEED} (GEOMESH_TEST_SEED=${SEED} replays it)`);
    mesh = await WanMesh.start({
      mesh: 'wan',
      regions: REGIONS,
      topics: [
        'orders-partition',
        'orders-etcd',
        'orders-kafka',
        'orders-blackhole',
        'orders-rtt',
        'orders-slow',
      ],
      topicPattern: 'orders-.*',
      etcdProxied: REGIONS,
      delayMs: 0.5,
      // A small in-flight window, so that a slow target shows whether reading waits for writing.
      defaults: [`options: { maxInflightBytes: ${MAX_INFLIGHT_BYTES} }`],
      key: KEY,
    });
    console.log(`[network-faults] mesh up in ${((Date.now() - began) / 1000).toFixed(1)} s`);
  });

  after(async () => {
    await mesh?.stop();
    console.log(`[network-faults] whole file ${((Date.now() - began) / 1000).toFixed(1)} s`);
  });

  scenario(
    `two regions partitioned for ${PARTITION_MS / 1000} s (Kafka and peers, both directions) while both write, then healed`,
    async () => {
      const load = await writers('orders-partition');
      await sleep(2_000);
      const cutAt = Date.now();
      for (const proxy of shuffled(mesh.between('a', 'b'))) proxy.cut();
      await waitFor(async () => !(await peerIsUp('a', 'b')) && !(await peerIsUp('b', 'a')), {
        timeoutMs: PEER_DOWN_BOUND_MS,
        intervalMs: 250,
        what: 'each node showing the other as down',
      });
      console.log(`[network-faults] partition: peers down in status after ${Date.now() - cutAt} ms`);
      // Batches fetched before the cut are still written into their own region's cluster: count from when
      // that has ended (nothing written for 2 s), not from when the peers showed down.
      const during = await settledWritten();
      await sleep(Math.max(0, cutAt + PARTITION_MS - Date.now()));
      const atEnd = { a: await linkWritten('a'), b: await linkWritten('b') };
      for (const proxy of shuffled(mesh.between('a', 'b'))) proxy.heal();
      const healedAt = Date.now();
      await sleep(2_000);
      await load.stop();
      await auditConverged(mesh, load, CONVERGE_MS);
      console.log(
        `[network-faults] partition: replicated while cut a ${atEnd.a - during.a}, b ${atEnd.b - during.b}; ` +
          `${load.total} records everywhere ${Date.now() - healedAt} ms after the heal`,
      );
      assert.equal(atEnd.a - during.a, 0, 'nothing crossed the partition into a');
      assert.equal(atEnd.b - during.b, 0, 'nothing crossed the partition into b');
    },
  );

  scenario('a region cut off from etcd but not from Kafka keeps replicating both ways', async () => {
    const region = pick(REGIONS);
    const load = await writers('orders-etcd');
    await sleep(1_000);
    const before = await linkWritten(region);
    const cutAt = Date.now();
    mesh.etcdProxy(region).cut();
    await waitFor(async () => (await mesh.status(region)).registration !== 'registered', {
      timeoutMs: ETCD_CUT_MS,
      intervalMs: 250,
      what: `${region}'s registration noticing etcd's absence`,
    });
    console.log(
      `[network-faults] etcd cut: ${region} registration left 'registered' after ${Date.now() - cutAt} ms`,
    );
    await sleep(Math.max(0, cutAt + ETCD_CUT_MS - Date.now()));
    const during = (await linkWritten(region)) - before;
    assert.ok(during > 0, `${region} kept replicating without etcd`);
    mesh.etcdProxy(region).heal();
    await load.stop();
    await auditConverged(mesh, load, CONVERGE_MS);
    await waitFor(async () => (await mesh.status(region)).registration === 'registered', {
      timeoutMs: 30_000,
      intervalMs: 250,
      what: `${region} registered again`,
    });
    console.log(`[network-faults] etcd cut: ${region} replicated ${during} records while cut off from etcd`);
  });

  scenario("a region cut off from the other's Kafka (both ways) but not from etcd or its peer", async () => {
    const load = await writers('orders-kafka');
    await sleep(1_000);
    const cutAt = Date.now();
    for (const r of shuffled(REGIONS)) mesh.env.wan(r).cut();
    await sleep(CUT_MS);
    assert.ok((await peerIsUp('a', 'b')) && (await peerIsUp('b', 'a')), 'the peers still answer each other');
    for (const r of shuffled(REGIONS)) mesh.env.wan(r).heal();
    const healedAt = Date.now();
    await load.stop();
    await auditConverged(mesh, load, CONVERGE_MS);
    console.log(
      `[network-faults] Kafka cut ${Date.now() - cutAt} ms: ${load.total} records everywhere ${Date.now() - healedAt} ms after the heal`,
    );
  });

  scenario(
    'a blackholed remote broker and a blackholed peer: the stall shown in metrics and status within a bound, no link stuck after',
    async () => {
      const [target, source] = shuffled(REGIONS) as ['a' | 'b', 'a' | 'b'];
      const load = await writers('orders-blackhole');
      await sleep(1_000);
      const holedAt = Date.now();
      mesh.env.wan(source).blackhole();
      mesh.peerProxy(source).blackhole();
      await waitFor(async () => !(await peerIsUp(target, source)), {
        timeoutMs: PEER_DOWN_BOUND_MS,
        intervalMs: 250,
        what: `${target} showing ${source}'s node as down`,
      });
      const peerShownMs = Date.now() - holedAt;
      assert.equal(
        metricSum(await mesh.metrics(target), 'geomesh_peer_up', `peer="${source}"`),
        0,
        'geomesh_peer_up of the blackholed peer',
      );
      const linkState = async () =>
        (await mesh.status(target)).links.find((l) => l.fromRegion === source)?.state;
      await waitFor(async () => (await linkState()) === 'stalled', {
        timeoutMs: STALL_BOUND_MS,
        intervalMs: 250,
        what: `${target}'s link from ${source} showing as stalled`,
      });
      const linkShownMs = Date.now() - holedAt;
      const silence = metricSum(
        await mesh.metrics(target),
        'geomesh_link_source_silence_seconds',
        `from="${source}"`,
      );
      assert.ok(silence >= 15, `geomesh_link_source_silence_seconds ${silence}`);
      mesh.env.wan(source).heal();
      mesh.peerProxy(source).heal();
      const healedAt = Date.now();
      await waitFor(async () => (await linkState()) === 'running' && (await peerIsUp(target, source)), {
        timeoutMs: CONVERGE_MS,
        intervalMs: 250,
        what: `${target}'s link and peer from ${source} running again`,
      });
      const recoveredMs = Date.now() - healedAt;
      await load.stop();
      await auditConverged(mesh, load, CONVERGE_MS);
      console.log(
        `[network-faults] blackhole ${source} → ${target}: peer down in status after ${peerShownMs} ms, link stalled after ` +
          `${linkShownMs} ms (silence ${silence.toFixed(1)} s); running again ${recoveredMs} ms after the heal; ` +
          `${load.total} records everywhere ${Date.now() - healedAt} ms after it`,
      );
    },
  );

  scenario('round-trip time 1 ms → 300 ms → 1 ms under load', async () => {
    const load = await writers('orders-rtt');
    const proxies = mesh.between('a', 'b');
    const counts: number[] = [];
    for (const oneWayMs of [0.5, 150, 0.5]) {
      for (const proxy of proxies) proxy.setDelay(oneWayMs);
      const before = (await linkWritten('a')) + (await linkWritten('b'));
      await sleep(RTT_STEP_MS);
      counts.push((await linkWritten('a')) + (await linkWritten('b')) - before);
    }
    await load.stop();
    await auditConverged(mesh, load, CONVERGE_MS);
    console.log(
      `[network-faults] rtt: records replicated per ${RTT_STEP_MS / 1000} s step at 1 / 300 / 1 ms: ${counts.join(' / ')}`,
    );
  });

  scenario(
    'a slow target cluster (bandwidth cap) with a fast source: memory bounded, nothing lost',
    async () => {
      // b's node reaches its own cluster through its proxy from now on, so that the cap slows its writes.
      await mesh.stopNode('b');
      mesh.startNode('b', mesh.writeTopology('slow-target.yaml', ['b']));
      await mesh.waitReady('b');
      const load = await new Writers(mesh.kafka, 'orders-slow', {
        regions: REGIONS,
        batch: 0,
        intervalMs: 0,
        valueBytes: SLOW_VALUE_BYTES,
        isLooping: false,
      }).start();
      const before = await linkWritten('b');
      const arrived = (count: number) =>
        waitFor(async () => (await linkWritten('b')) - before >= count, {
          timeoutMs: CONVERGE_MS,
          intervalMs: 250,
          what: `b writing ${count} records of a`,
        });
      // Warm up uncapped, so that the baseline is a working node's.
      await load.burst('a', SLOW_WARMUP_RECORDS);
      await arrived(SLOW_WARMUP_RECORDS);
      const baseline = mesh.rssBytes('b');
      mesh.env.wan('b').setBandwidth(SLOW_CAP_BYTES_PER_SECOND);
      // Sampled until b holds the backlog: its RSS, and what its link holds read but not yet written.
      let peak = baseline;
      let peakInflight = 0;
      let isSampling = true;
      const sampler = (async () => {
        while (isSampling) {
          peak = Math.max(peak, mesh.rssBytes('b'));
          const metrics = await mesh.metrics('b');
          peakInflight = Math.max(
            peakInflight,
            metricSum(metrics, 'geomesh_link_inflight_bytes', 'from="a"'),
          );
          await sleep(100);
        }
      })();
      const burstAt = Date.now();
      let producedMs: number;
      try {
        await load.burst('a', SLOW_RECORDS);
        producedMs = Date.now() - burstAt;
        await arrived(SLOW_WARMUP_RECORDS + SLOW_RECORDS);
      } finally {
        isSampling = false;
        await sampler;
        mesh.env.wan('b').setBandwidth(undefined);
      }
      const drainedMs = Date.now() - burstAt;
      await load.stop();
      await auditConverged(mesh, load, CONVERGE_MS);
      const backlog = SLOW_RECORDS * SLOW_VALUE_BYTES;
      const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
      console.log(
        `[network-faults] slow target: ${SLOW_RECORDS} records (${mib(backlog)} MiB) written in a in ${producedMs} ms, ` +
          `all in b after ${drainedMs} ms at a cap of ${mib(SLOW_CAP_BYTES_PER_SECOND)} MiB/s; b's node RSS ` +
          `${mib(baseline)} MiB warm, peak ${mib(peak)} MiB (+${mib(peak - baseline)} MiB); its link held at most ` +
          `${mib(peakInflight)} MiB read but not written (window ${mib(MAX_INFLIGHT_BYTES)} MiB)`,
      );
      // The window admits one batch larger than itself when empty; a fetch (maxBytes = the window) bounds a batch.
      assert.ok(peakInflight > 0, 'the link was sampled while it held records');
      assert.ok(
        peakInflight <= 2 * MAX_INFLIGHT_BYTES,
        `the link held ${mib(peakInflight)} MiB read but not written, over its ${mib(MAX_INFLIGHT_BYTES)} MiB window`,
      );
    },
  );
});
