/**
 * Several instances of one region's node share its partitions (topology `node.workSharing`), on real Kafka
 * clusters and a real etcd, with `geomesh node` processes and writers in the source region all along:
 *
 * - two instances split the 12 partitions 6/6;
 * - kill -9 of one of the two mid-stream: its partitions are owned and written by the other (the time it
 *   took is printed: the rule is the lease TTL + 5 s);
 * - two instances again (6/6), and a third joining gets its share (4/4/4), 2 from each (sticky);
 * - kill -STOP of an instance for twice the TTL, then -CONT: it drops its partitions without writing (it
 *   could not be sure of its lease), and takes a share again afterwards;
 * - etcd stopped for three lease TTLs: the instances stop writing once they cannot be sure, and go on when it is back;
 * - every instance translates a consumer group exactly, for the partitions it owns and for the others;
 *
 * and at the end every record of the source is in the target exactly once. With GEOMESH_TEST_LOG_DIR set,
 * each instance's log is written there (`w1.log`…) for a failure's post-mortem.
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
import { collectLines, runGeomeshNode, runGeomeshToEnd, waitNodeReady } from '../support/cli-process.ts';
import { auditTopic, produceNumbered } from '../support/mesh-audit.ts';
import { sharedWestTopology } from '../support/local-topology.ts';
import { metricSum, waitFor } from '../support/polling.ts';
import { readTopicLog } from '../support/translation-audit.ts';

const MESH = 'sharing';
const KEY = randomBytes(32).toString('hex');
const TOPIC = 'orders';
const PARTITIONS = 12;
const TTL_MS = 4_000;
/** How long etcd stays down in the outage test: three lease TTLs, well past the point of being unsure. */
const OUTAGE_MS = 3 * TTL_MS;

interface Instance {
  name: string;
  child: ChildProcess;
  http: number;
  grpc: number;
  /** Its JSON log lines (info and above). */
  log: string[];
}

describe('work sharing: several instances of one region', () => {
  let env: TestEnvironment;
  let dir: string;
  let file: string;
  const kafka: Record<string, Kafka> = {};
  const instances = new Map<string, Instance>();
  let eastGrpc = 0;
  let written = 0;
  let isWriting = false;
  let writer: Promise<void> | undefined;

  async function startInstance(name: string, region = 'west', grpcPort?: number): Promise<Instance> {
    const http = await freePort();
    const grpc = grpcPort ?? (await freePort());
    const child = runGeomeshNode(
      { file, region, grpc, http },
      { GEOMESH_PROVENANCE_KEY: KEY, GEOMESH_LOG_LEVEL: 'info' },
    );
    const instance: Instance = { name, child, http, grpc, log: [] };
    collectLines(child, instance.log);
    instances.set(name, instance);
    await waitNodeReady(http, `instance ${name}`);
    return instance;
  }

  async function metric(instance: Instance, name: string, filter = ''): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${instance.http}/metrics`)).text();
    return metricSum(text, name, filter);
  }

  /** Partitions owned per instance (by name), read from each one's /metrics. */
  async function owned(names: readonly string[]): Promise<number[]> {
    return Promise.all(names.map((n) => metric(instances.get(n)!, 'geomesh_partitions_owned')));
  }

  async function waitOwned(names: readonly string[], expected: number[], timeoutMs: number): Promise<number> {
    const startedAt = Date.now();
    await waitFor(async () => (await owned(names)).join('/') === expected.join('/'), {
      timeoutMs,
      intervalMs: 200,
      what: `${names.join(', ')} owning ${expected.join('/')}`,
    });
    return Date.now() - startedAt;
  }

  const audit = async () => {
    const result = await auditTopic(kafka['west']!, 'west', TOPIC, MESH, Buffer.from(KEY));
    if (result.duplicates > 0) console.log('duplicates:', JSON.stringify(result.firstDuplicates));
    return result;
  };

  before(async () => {
    env = await TestEnvironment.start({ kafka: ['east', 'west'], etcd: true });
    dir = mkdtempSync(join(tmpdir(), 'geomesh-work-sharing-'));
    for (const r of ['east', 'west']) {
      kafka[r] = createKafkaClient({
        brokers: env.cluster(r).bootstrapServers,
        clientId: `t-${r}`,
        logger: silentLogger(),
      });
    }
    const admin = kafka['east']!.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] });
    await admin.disconnect();
    file = join(dir, 'mesh.yaml');
    eastGrpc = await freePort();
    writeFileSync(
      file,
      sharedWestTopology({
        mesh: MESH,
        etcdEndpoint: env.etcd!.endpoints[0]!,
        eastBrokers: env.cluster('east').bootstrapServers[0]!,
        eastGrpc: `127.0.0.1:${eastGrpc}`,
        westBrokers: env.cluster('west').bootstrapServers[0]!,
        leaseTtlMs: TTL_MS,
        topic: TOPIC,
      }),
    );
    // Writers in east all along: 300 records every 250 ms.
    isWriting = true;
    writer = (async () => {
      while (isWriting) {
        await produceNumbered(kafka['east']!, 'east', TOPIC, 300, PARTITIONS, written);
        written += 300;
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
  });

  after(async () => {
    if (process.env['GEOMESH_TEST_LOG_DIR'])
      for (const i of instances.values())
        writeFileSync(join(process.env['GEOMESH_TEST_LOG_DIR'], `${i.name}.log`), i.log.join('\n'));
    isWriting = false;
    await writer?.catch(() => undefined);
    for (const i of instances.values()) {
      i.child.kill('SIGCONT');
      i.child.kill('SIGKILL');
    }
    await env?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const replicatedBy = (names: readonly string[]) =>
    Promise.all(names.map((n) => metric(instances.get(n)!, 'geomesh_replicated_records_total')));

  it('two instances split 12 partitions 6/6', async () => {
    // East's node (one instance) answers its half of translations.
    await startInstance('e1', 'east', eastGrpc);
    await startInstance('w1');
    await startInstance('w2');
    const balancedAfter = await waitOwned(['w1', 'w2'], [6, 6], 30_000);
    console.log(`w1 and w2 own 6/6 (${balancedAfter} ms after both were ready)`);
    await waitFor(async () => (await replicatedBy(['w1', 'w2'])).every((n) => n > 0), {
      timeoutMs: 30_000,
      intervalMs: 250,
      what: 'w1 and w2 both writing',
    });
  });

  it('a region with 2 instances: kill -9 of one mid-stream, the other owns and writes its partitions', async () => {
    const victim = instances.get('w2')!;
    const [writtenBefore] = await replicatedBy(['w1']);
    victim.child.kill('SIGKILL');
    const killedAt = Date.now();
    if (process.env['GEOMESH_TEST_LOG_DIR'])
      writeFileSync(join(process.env['GEOMESH_TEST_LOG_DIR'], 'w2.log'), victim.log.join('\n'));
    instances.delete('w2');
    // Figures are printed, not asserted (tests do not fail on timing); the bound only ends a hung wait.
    await waitOwned(['w1'], [12], 60_000);
    const movedAfter = Date.now() - killedAt;
    const before = (await audit()).total;
    await waitFor(async () => (await audit()).total > before + 1_000, {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: 'records arriving after the kill',
    });
    console.log(
      `w2 killed: w1 owned all 12 partitions ${movedAfter} ms later and wrote on (TTL ${TTL_MS} ms, ` +
        `the rule says within ${TTL_MS + 5_000} ms)`,
    );
    assert.ok((await replicatedBy(['w1']))[0]! > writtenBefore!, 'w1 wrote the partitions it took');
    assert.equal((await audit()).duplicates, 0);
  });

  it('two instances again 6/6; a third joining gets its share (4/4/4) without duplicates', async () => {
    await startInstance('w2b');
    await waitOwned(['w1', 'w2b'], [6, 6], 30_000);
    const released = async () =>
      (
        await Promise.all(
          ['w1', 'w2b'].map((n) =>
            metric(instances.get(n)!, 'geomesh_partition_ownership_changes_total', 'change="released"'),
          ),
        )
      ).reduce((a, b) => a + b, 0);
    const releasedBefore = await released();
    await startInstance('w3');
    const joinedAfter = await waitOwned(['w1', 'w2b', 'w3'], [4, 4, 4], 30_000);
    const moved = (await released()) - releasedBefore;
    console.log(`w3 joined: 4/4/4 after ${joinedAfter} ms; ${moved} partitions moved`);
    assert.equal(moved, 4, 'sticky: w1 and w2b hand over 2 each and keep the rest');
    await waitFor(async () => (await replicatedBy(['w3']))[0]! > 0, {
      timeoutMs: 30_000,
      intervalMs: 250,
      what: 'w3 writing its share',
    });
    assert.equal((await audit()).duplicates, 0, 'no duplicates across the handovers');
  });

  it('kill -STOP for twice the TTL, then -CONT: it does not write after losing ownership', async () => {
    const frozen = instances.get('w3')!;
    const logFrom = frozen.log.length;
    const fencedBefore = await metric(frozen, 'geomesh_writes_fenced_total');
    frozen.child.kill('SIGSTOP');
    const stoppedAt = Date.now();
    await waitOwned(['w1', 'w2b'], [6, 6], 60_000);
    console.log(`w3 frozen: w1 and w2b own 6/6 after ${Date.now() - stoppedAt} ms`);
    await new Promise((r) => setTimeout(r, Math.max(0, stoppedAt + 2 * TTL_MS - Date.now())));
    frozen.child.kill('SIGCONT');
    await waitOwned(['w1', 'w2b', 'w3'], [4, 4, 4], 30_000);
    const after = frozen.log.slice(logFrom).join('\n');
    const fenced = (await metric(frozen, 'geomesh_writes_fenced_total')) - fencedBefore;
    console.log(`w3 thawed: ${fenced} writes refused by fencing; back to 4/4/4`);
    assert.match(
      after,
      /partitions dropped \(ownership lost\)|work lease lost/,
      'w3 noticed it lost ownership',
    );
    assert.equal((await audit()).duplicates, 0, 'no zombie write landed twice');
  });

  it('etcd stopped for 3 TTLs: writes stop once ownership is unsure and go on after it is back', async () => {
    const names = ['w1', 'w2b', 'w3'];
    const replicated = () => replicatedBy(names).then((v) => v.reduce((a, b) => a + b, 0));
    await env.etcd!.kill();
    const stoppedAt = Date.now();
    await waitOwned(names, [0, 0, 0], 60_000);
    const unsureAfter = Date.now() - stoppedAt;
    const frozenCount = await replicated();
    await new Promise((r) => setTimeout(r, Math.max(0, stoppedAt + OUTAGE_MS - Date.now())));
    const duringOutage = (await replicated()) - frozenCount;
    console.log(
      `etcd down: the instances dropped their partitions ${unsureAfter} ms in; ${duringOutage} records written while unsure`,
    );
    assert.equal(duringOutage, 0, 'nothing written while ownership was unsure');
    await env.etcd!.restart();
    await waitOwned(names, [4, 4, 4], 60_000);
    isWriting = false;
    await writer;
    await waitFor(async () => (await audit()).total >= written, {
      timeoutMs: 120_000,
      intervalMs: 1_000,
      what: `west holding all ${written} records`,
    });
    const final = await audit();
    console.log(
      `final: ${final.total} records in west of ${written} written in east, ${final.duplicates} duplicates`,
    );
    assert.equal(final.duplicates, 0);
    assert.equal(new Set(final.byOrigin.get('east')).size, written, 'no record lost');
    assert.equal(final.total, written);
  });

  it('every instance translates exactly, for the partitions it owns and for the others', async () => {
    const committed = Array.from({ length: PARTITIONS }, (_, p) => 100 + 37 * p);
    const admin = kafka['east']!.admin();
    await admin.connect();
    await admin.setOffsets({
      groupId: 'billing',
      topic: TOPIC,
      partitions: committed.map((offset, partition) => ({ partition, offset: String(offset) })),
    });
    await admin.disconnect();
    // Where each committed position sits in west: the first record copied from east at or after it. (West's
    // offsets follow east's except for the commit markers the fenced writes leave between them.)
    const westLog = await readTopicLog(kafka['west']!, 'west', TOPIC, {
      mesh: MESH,
      key: Buffer.from(KEY),
      partitions: PARTITIONS,
    });
    const expected = committed.map((offset, p) => {
      const at = (westLog.get(p) ?? []).find((r) => r.origin === 'east' && r.originOffset >= offset);
      assert.ok(at, `east's record ${offset} of partition ${p} is in west`);
      return at.offset;
    });
    for (const name of ['w1', 'w2b', 'w3']) {
      const node = `127.0.0.1:${instances.get(name)!.grpc}`;
      const result = await runGeomeshToEnd(
        [
          'translate',
          '--topology',
          file,
          '--group',
          'billing',
          '--from',
          'east',
          '--to',
          'west',
          '--node',
          node,
          '--json',
        ],
        { GEOMESH_PROVENANCE_KEY: KEY },
      );
      assert.equal(result.code, 0, result.stderr);
      const answer = JSON.parse(result.stdout) as {
        partitions: { partition: number; sourceOffset: number; targetOffset: number }[];
      };
      assert.deepEqual(
        answer.partitions.map((p) => [p.partition, p.sourceOffset, p.targetOffset]),
        committed.map((o, p) => [p, o, expected[p]]),
        `${name} answered exactly`,
      );
    }
  });

  it('SIGTERM: an instance hands its partitions over before it exits', async () => {
    const leaving = instances.get('w3')!;
    const exited = new Promise<number | null>((resolve) => leaving.child.once('exit', resolve));
    const before = (await audit()).total;
    await produceNumbered(kafka['east']!, 'east', TOPIC, 1_200, PARTITIONS, written);
    written += 1_200;
    leaving.child.kill('SIGTERM');
    const stoppedAt = Date.now();
    assert.equal(await exited, 0, 'w3 drained and exited cleanly');
    const exitMs = Date.now() - stoppedAt;
    assert.ok(exitMs < 25_000 + 5_000, `w3 exited ${exitMs} ms after SIGTERM: within its stop deadline`);
    // What kafkajs may leave open after a stop is reported by the node (and the process exits anyway).
    const leak = leaving.log.find((l) => l.includes('handles still keep the process alive'));
    console.log(
      `w3 exited ${exitMs} ms after SIGTERM${leak ? `, after its open-handles report: ${leak}` : ''}`,
    );
    instances.delete('w3');
    await waitOwned(['w1', 'w2b'], [6, 6], 60_000);
    console.log(
      `w3 stopped: w1 and w2b own 6/6 ${Date.now() - stoppedAt} ms after SIGTERM (no lease to wait for)`,
    );
    await waitFor(async () => (await audit()).total >= before + 1_200, {
      timeoutMs: 60_000,
      intervalMs: 500,
      what: 'the last 1,200 records in west',
    });
    const final = await audit();
    assert.equal(final.duplicates, 0);
    assert.equal(new Set(final.byOrigin.get('east')).size, written, 'no record lost');
  });
});
