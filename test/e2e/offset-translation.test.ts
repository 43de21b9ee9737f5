/**
 * Exact offset translation on real clusters: three regions in a full mesh write the same topic at once, so
 * each region's partitions interleave the origins differently. A group commits random prefixes in a; each is
 * translated to b and checked against b's actual log: every record the group had not consumed in a must lie
 * at or after the translated offset (0 lost), the records after it the group had already consumed are
 * counted (the plain duplicates), and the frontier filter must skip exactly those (0 duplicates). Then a
 * one-way topic (exact without the filter), a group lagging by thousands, a restart of the node of b
 * (translations unchanged), and a's Kafka stopped (answered from the checkpoint a pushed).
 *
 * The nodes run in this process and reach each other through their translation services directly; the gRPC
 * transport between them is covered by the node CLI test.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Kafka } from 'kafkajs';
import { GeomeshError } from '../../base/index.ts';
import { ClusterOffsets } from '../../node/kafka/index.ts';
import type { InboundLinkSpec } from '../../node/config/index.ts';
import type { RegionNode } from '../../node/region/index.ts';
import type { PeerApi, Translation } from '../../node/translation-service/index.ts';
import { InProcessMesh } from '../support/in-process-mesh.ts';
import { produceNumbered } from '../support/mesh-audit.ts';
import { metricSum, waitFor } from '../support/polling.ts';
import {
  checkTranslation,
  commitOffsets,
  readTopicLog,
  type TopicLog,
  type TranslationOutcome,
} from '../support/translation-audit.ts';

const MESH = 'xlate';
const KEY = randomBytes(32);
const REGIONS = ['a', 'b', 'c'];
const TOPIC = 'orders';
const ONE_WAY = 'audit';
const PARTITIONS = 3;
const PER_ROUND = 1_000;
const ROUNDS = 3;

const LOG = { mesh: MESH, key: KEY, partitions: PARTITIONS };
const readLog = (kafka: Kafka, region: string, topic: string) => readTopicLog(kafka, region, topic, LOG);
const check = (translation: Translation, fromLog: TopicLog, toLog: TopicLog, committed: number[]) =>
  checkTranslation(translation, fromLog, toLog, committed, LOG);

describe('offset translation (3 regions, interleaved active-active writes)', () => {
  const mesh = new InProcessMesh(REGIONS, KEY);
  const nodes: Record<string, RegionNode> = {};

  /** Peers reach each other's translation service directly, with the RPC deadline a gRPC call has. */
  function peer(region: string): PeerApi | undefined {
    const deadline = <T>(p: Promise<T>): Promise<T> =>
      Promise.race([
        p,
        new Promise<T>((_, reject) =>
          setTimeout(
            () =>
              reject(new GeomeshError('GEOMESH_RPC_DEADLINE_EXCEEDED', `${region} did not answer in 3 s`)),
            3_000,
          ).unref(),
        ),
      ]);
    const service = (): NonNullable<RegionNode['translation']> => {
      const s = nodes[region]?.translation;
      if (!s) throw new GeomeshError('GEOMESH_RPC_UNAVAILABLE', `node ${region} is not running`);
      return s;
    };
    return {
      getFrontiers: (group, topics) =>
        deadline(Promise.resolve().then(() => service().localFrontiers(group, topics))),
      seek: (partitions) => deadline(Promise.resolve().then(() => service().localSeek(partitions))),
      pushCheckpoints: (_from, checkpoints) =>
        deadline(
          Promise.resolve().then(() => checkpoints.filter((c) => service().receiveCheckpoint(c)).length),
        ),
      listGroups: () =>
        deadline(Promise.resolve().then(async () => (await service().groupsOf(region)).groups)),
    };
  }

  function inbound(region: string): InboundLinkSpec[] {
    return REGIONS.filter((r) => r !== region).map((from) => ({
      from,
      // The one-way topic flows a → b only.
      topics: from === 'a' && region === 'b' ? [TOPIC, ONE_WAY] : [TOPIC],
      forwardsOrigin: (o: string) => o === from,
    }));
  }

  async function startNode(region: string): Promise<RegionNode> {
    nodes[region] = await mesh.startNode(MESH, region, inbound(region), undefined, {
      regions: REGIONS,
      peer,
      isCheckpointedGroup: (g) => g.startsWith('app-'),
      // Group offset sync is on for a's app-sync-* groups into b.
      isSyncedGroup: (from, g) => from === 'a' && region === 'b' && g.startsWith('app-sync'),
      checkpointIntervalMs: 1_000,
    });
    return nodes[region];
  }

  let logs: Record<string, TopicLog> = {};

  before(async () => {
    await mesh.start();
    for (const r of REGIONS) await mesh.createTopic(r, TOPIC, PARTITIONS);
    await mesh.createTopic('a', ONE_WAY, PARTITIONS);
    for (const r of REGIONS) await startNode(r);
    // Writers in every region at once, in rounds, while replication runs: the logs interleave.
    if (process.env['GEOMESH_TEST_LOG']) console.log('nodes started; writing');
    for (let round = 0; round < ROUNDS; round++) {
      await Promise.all(
        REGIONS.map((r) =>
          produceNumbered(mesh.kafka[r]!, r, TOPIC, PER_ROUND, PARTITIONS, round * PER_ROUND),
        ),
      );
    }
    await produceNumbered(mesh.kafka['a']!, 'a', ONE_WAY, 3_000, PARTITIONS);
    const total = PER_ROUND * ROUNDS * REGIONS.length;
    await waitFor(
      async () => {
        const counts = await Promise.all(
          REGIONS.map(async (r) => [...(await readLog(mesh.kafka[r]!, r, TOPIC)).values()].flat().length),
        );
        if (process.env['GEOMESH_TEST_LOG']) console.log(`records per region: ${counts.join(', ')}`);
        return counts.every((c) => c === total);
      },
      { timeoutMs: 120_000, intervalMs: 2_000, what: `every region holding ${total} records` },
    );
    const progress = (what: string) => process.env['GEOMESH_TEST_LOG'] && console.log(what);
    progress('drained; waiting for the one-way topic');
    await waitFor(
      async () => {
        const n = [...(await readLog(mesh.kafka['b']!, 'b', ONE_WAY)).values()].flat().length;
        progress(`one-way records in b: ${n}`);
        return n === 3_000;
      },
      { timeoutMs: 60_000, intervalMs: 1_000, what: 'b holding the one-way topic' },
    );
    logs = Object.fromEntries(
      await Promise.all(REGIONS.map(async (r) => [r, await readLog(mesh.kafka[r]!, r, TOPIC)] as const)),
    );
    progress('logs read');
    // The regions' logs really interleave differently (else translation would be trivial).
    const order = (r: string) => logs[r]!.get(0)!.map((x) => x.id);
    const [orderA, orderB] = [order('a'), order('b')];
    const differing = orderA.filter((id, i) => orderB[i] !== id).length;
    progress(`partition 0: ${differing} of ${orderA.length} positions hold different records in a and b`);
    assert.ok(differing > 0, 'a and b interleave the origins differently');
  });

  after(() => mesh.stop());

  const results: Translation[] = [];

  it('50 random prefixes committed in a, translated to b: 0 lost; duplicates 0 with the filter', async () => {
    const totals = { lost: 0, plainDuplicates: 0, duplicatesWithFilter: 0, alreadySeenReported: 0 };
    const ends = [...logs['a']!.values()].map((l) => l[l.length - 1]!.offset + 1);
    const prefixes = Array.from({ length: 50 }, () =>
      ends.map((end) => Math.floor(Math.random() * (end + 1))),
    );
    // The groups are independent: committed ten at a time (each commit is a join of its own group).
    for (let i = 0; i < prefixes.length; i += 10)
      await Promise.all(
        prefixes
          .slice(i, i + 10)
          .map((committed, j) => commitOffsets(mesh.kafka['a']!, `app-prefix-${i + j}`, TOPIC, committed)),
      );
    for (const [i, committed] of prefixes.entries()) {
      const group = `app-prefix-${i}`;
      const t1 = Date.now();
      const translation = await nodes['b']!.translation!.translate(group, 'a', 'b', [TOPIC]);
      if (process.env['GEOMESH_TEST_LOG']) console.log(`${group}: translate ${Date.now() - t1} ms`);
      assert.equal(translation.source, 'live');
      assert.equal(translation.partitions.length, PARTITIONS);
      const outcome = check(translation, logs['a']!, logs['b']!, committed);
      assert.equal(outcome.lost, 0, `prefix ${i} (${committed.join(',')}): records skipped`);
      assert.equal(outcome.duplicatesWithFilter, 0, `prefix ${i}: duplicates with the filter`);
      assert.equal(outcome.alreadySeenReported, outcome.plainDuplicates, `prefix ${i}: already-seen count`);
      for (const k of Object.keys(totals) as (keyof TranslationOutcome)[]) totals[k] += outcome[k];
      results.push(translation);
    }
    console.log(`50 prefixes a → b: ${JSON.stringify(totals)}`);
  });

  it('a group lagging by thousands of records: 0 lost, duplicates 0 with the filter', async () => {
    const ends = [...logs['a']!.values()].map((l) => l[l.length - 1]!.offset + 1);
    const committed = ends.map((end) => Math.floor(end * 0.1));
    const lag = ends.reduce((n, end, p) => n + end - committed[p]!, 0);
    assert.ok(lag > 6_000, `lag ${lag}`);
    await commitOffsets(mesh.kafka['a']!, 'app-lagging', TOPIC, committed);
    // Asked of c's node: both halves are remote there.
    const translation = await nodes['c']!.translation!.translate('app-lagging', 'a', 'b', [TOPIC]);
    const outcome = check(translation, logs['a']!, logs['b']!, committed);
    console.log(`lagging group (${lag} records behind) a → b: ${JSON.stringify(outcome)}`);
    assert.equal(outcome.lost, 0);
    assert.equal(outcome.duplicatesWithFilter, 0);
    assert.equal(outcome.alreadySeenReported, outcome.plainDuplicates);
  });

  it('metrics: translation latency, index runs, checkpoint age', async () => {
    const text = await nodes['b']!.registry.metrics();
    assert.ok(
      metricSum(text, 'geomesh_translation_duration_seconds_count', 'from="a",to="b",source="live"') >= 50,
      'every translation b served is in the histogram',
    );
    assert.ok(metricSum(text, 'geomesh_origin_index_runs') > 0);
    assert.match(text, /geomesh_checkpoint_age_seconds\{region="a"\} \d/);
  });

  it('one-way link a → b: the translated offset alone is exact (0 lost, 0 duplicates)', async () => {
    const fromLog = await readLog(mesh.kafka['a']!, 'a', ONE_WAY);
    const toLog = await readLog(mesh.kafka['b']!, 'b', ONE_WAY);
    const prefixes = Array.from({ length: 10 }, () =>
      [...fromLog.values()].map((l) => Math.floor(Math.random() * (l.length + 1))),
    );
    await Promise.all(
      prefixes.map((committed, i) => commitOffsets(mesh.kafka['a']!, `app-oneway-${i}`, ONE_WAY, committed)),
    );
    for (const [i, committed] of prefixes.entries()) {
      const translation = await nodes['b']!.translation!.translate(`app-oneway-${i}`, 'a', 'b');
      const outcome = check(translation, fromLog, toLog, committed);
      assert.deepEqual(outcome, {
        lost: 0,
        plainDuplicates: 0,
        duplicatesWithFilter: 0,
        alreadySeenReported: 0,
      });
    }
  });

  it('bad requests get clear errors: unknown region, unknown group, same region', async () => {
    const service = nodes['b']!.translation!;
    await assert.rejects(service.translate('app-prefix-0', 'a', 'mars'), {
      code: 'GEOMESH_RPC_NOT_FOUND',
      message: /unknown region "mars"; the mesh has a, b, c/,
    });
    await assert.rejects(service.translate('no-such-group', 'a', 'b'), {
      code: 'GEOMESH_RPC_NOT_FOUND',
      message: /group no-such-group has no committed offsets in a/,
    });
    await assert.rejects(service.translate('app-prefix-0', 'b', 'b'), {
      code: 'GEOMESH_RPC_INVALID_ARGUMENT',
    });
  });

  it('the node of b restarts: the index is reloaded and translations are unchanged', async () => {
    await mesh.stopNode(nodes['b']!);
    const restarted = await startNode('b');
    assert.ok(restarted.startReport.indexRunsLoaded > 0);
    for (const [i, before] of results.slice(0, 10).entries()) {
      const again = await restarted.translation!.translate(`app-prefix-${i}`, 'a', 'b', [TOPIC]);
      assert.deepEqual(
        again.partitions.map((p) => [p.targetOffset, p.alreadySeen]),
        before.partitions.map((p) => [p.targetOffset, p.alreadySeen]),
        `prefix ${i}`,
      );
    }
  });

  it('group offset sync: b gets the translated offsets of an idle group, never moved backwards', async () => {
    const ends = [...logs['a']!.values()].map((l) => l[l.length - 1]!.offset + 1);
    const committedOffsetsIn = async (region: string) => {
      const offsets = new ClusterOffsets(mesh.kafka[region]!);
      try {
        return (await offsets.committedOffsets('app-sync', [TOPIC])).map((c) => c.offset);
      } finally {
        await offsets.stop();
      }
    };
    const first = ends.map((end) => Math.floor(end * 0.6));
    await commitOffsets(mesh.kafka['a']!, 'app-sync', TOPIC, first);
    const expected = (await nodes['b']!.translation!.translate('app-sync', 'a', 'b', [TOPIC])).partitions.map(
      (p) => p.targetOffset,
    );
    await waitFor(async () => (await committedOffsetsIn('b')).join() === expected.join(), {
      timeoutMs: 30_000,
      intervalMs: 500,
      what: `app-sync committed in b at ${expected.join(',')}`,
    });
    // The group goes back in a (a reset): b's group is not moved backwards.
    const rewoundAt = Date.now();
    await commitOffsets(
      mesh.kafka['a']!,
      'app-sync',
      TOPIC,
      first.map((o) => Math.floor(o / 2)),
    );
    await waitFor(
      () => (nodes['b']!.checkpoints.get('a', 'app-sync')?.computedAtMs ?? 0) > rewoundAt + 1_000,
      {
        timeoutMs: 30_000,
        intervalMs: 250,
        what: 'a checkpoint taken after the rewind',
      },
    );
    await new Promise((r) => setTimeout(r, 1_000));
    assert.deepEqual(await committedOffsetsIn('b'), expected, 'never moved backwards');
    assert.ok(nodes['b']!.translation!.stats.groupPartitionsSynced >= PARTITIONS);
  });

  it("a's Kafka stopped: translation served from a's last checkpoint, 0 lost", async () => {
    const ends = [...logs['a']!.values()].map((l) => l[l.length - 1]!.offset + 1);
    const committed = ends.map((end) => Math.floor(end / 2));
    const committedAt = Date.now();
    await commitOffsets(mesh.kafka['a']!, 'app-checkpointed', TOPIC, committed);
    // a's node checkpoints every second and pushes to b: wait for one taken after the commit.
    await waitFor(
      () => (nodes['b']!.checkpoints.get('a', 'app-checkpointed')?.computedAtMs ?? 0) > committedAt,
      { timeoutMs: 30_000, intervalMs: 250, what: "a checkpoint of app-checkpointed in b's node" },
    );
    await mesh.env.cluster('a').stop();
    const translation = await nodes['b']!.translation!.translate('app-checkpointed', 'a', 'b', [TOPIC]);
    assert.equal(translation.source, 'checkpoint');
    assert.ok(translation.frontierTimeMs > committedAt);
    const outcome = check(translation, logs['a']!, logs['b']!, committed);
    console.log(`from a's checkpoint (a's Kafka stopped): ${JSON.stringify(outcome)}`);
    assert.equal(outcome.lost, 0);
    assert.equal(outcome.duplicatesWithFilter, 0);
  });
});
