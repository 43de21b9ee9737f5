/**
 * Mutual TLS between nodes and from operators (`node.tls` in the topology): two `geomesh node` processes
 * whose gRPC requires a certificate the mesh CA signed. A translation asked of west needs west to call east
 * (frontiers) over mTLS; an operator or a peer with a certificate of another CA, or without TLS, is refused.
 * Failover and failback record east's region state in a real etcd: failed over to west, then active again;
 * refused callers and dry runs record nothing. The replication gap a failover reports (east's records after
 * a group's position that west lacks) is compared with what consuming both regions finds, live and from
 * east's checkpoints. A failback without --group started while east's node is down waits for it, then moves
 * back the groups east's region state records. A failover whose CLI is killed after some groups are
 * committed completes when run again: west then holds the offsets an uninterrupted run commits.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kafka } from 'kafkajs';
import { NODE_DEFAULTS } from '../../node/config/index.ts';
import { EtcdCoordinator } from '../../node/coordination/index.ts';
import {
  ClusterOffsets,
  commitGroupOffsets,
  createKafkaClient,
  readPartitionRanges,
} from '../../node/kafka/index.ts';
import {
  FailoverOperationStore,
  RegionStateStore,
  type RegionStateRecord,
} from '../../node/region-state/index.ts';
import type { MeshStatus } from '../../node/status/index.ts';
import { silentLogger } from '../../node/log/index.ts';
import { createOperatorClient, createPeerClient } from '../../node/rpc/index.ts';
import { TestEnvironment, freePort } from '../harness/index.ts';
import { runGeomesh, runGeomeshToEnd, waitNodeReady } from '../support/cli-process.ts';
import { auditTopic, produceNumbered } from '../support/mesh-audit.ts';
import { metricSum, waitFor } from '../support/polling.ts';
import { TestPki, type IssuedCert } from '../support/test-pki.ts';

const KEY = randomBytes(32).toString('hex');
const REGIONS = ['east', 'west'];
const OPERATOR_TOKEN = randomBytes(16).toString('hex');

describe('mutual TLS between nodes and from operators', () => {
  let env: TestEnvironment;
  let pki: TestPki;
  let file: string;
  let ca: string;
  let operator: IssuedCert;
  let intruder: IssuedCert;
  /** Signed by the mesh CA but not among west's operators. */
  let intern: IssuedCert;
  const kafka: Record<string, Kafka> = {};
  const grpc: Record<string, number> = {};
  const http: Record<string, number> = {};
  const children: ChildProcess[] = [];

  const ENV = {
    GEOMESH_PROVENANCE_KEY: KEY,
    GEOMESH_OPERATOR_TOKEN: OPERATOR_TOKEN,
    WRONG_TOKEN: 'not-the-token',
  };
  const run = (args: string[]): ChildProcess => runGeomesh(args, ENV);
  const runToEnd = (args: string[]) => runGeomeshToEnd(args, ENV);

  before(async () => {
    env = await TestEnvironment.start({ kafka: REGIONS, etcd: true });
    pki = new TestPki();
    ca = pki.ca('mesh-ca');
    pki.ca('other-ca');
    operator = pki.issue('mesh-ca', 'operator', 'client');
    intruder = pki.issue('other-ca', 'intruder', 'node');
    intern = pki.issue('mesh-ca', 'intern', 'client');
    const lines = [
      'mesh: tls-e2e',
      `etcd: { endpoints: ['${env.etcd!.endpoints[0]}'] }`,
      "provenance: { key: '${GEOMESH_PROVENANCE_KEY}' }",
      'regions:',
    ];
    for (const r of REGIONS) {
      kafka[r] = createKafkaClient({
        brokers: env.cluster(r).bootstrapServers,
        clientId: `t-${r}`,
        logger: silentLogger(),
      });
      grpc[r] = await freePort();
      http[r] = await freePort();
      const cert = pki.issue('mesh-ca', `node-${r}`, 'node');
      lines.push(
        `  ${r}:`,
        `    kafka: { brokers: ['${env.cluster(r).bootstrapServers[0]}'] }`,
        `    node: { grpc: '127.0.0.1:${grpc[r]}', http: '127.0.0.1:${http[r]}', tls: { ca: '${ca}', cert: '${cert.cert}', key: '${cert.key}' }` +
          // Both accept failover from the operator's certificate or the operator token.
          ", operators: { clients: ['CN=operator'], token: '${GEOMESH_OPERATOR_TOKEN}' } }",
      );
    }
    lines.push('links:', '  - between: [east, west]', "    topics: { include: ['orders'] }", '');
    file = join(pki.dir, 'mesh.yaml');
    writeFileSync(file, lines.join('\n'));
    const admin = kafka['east']!.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: 'orders', numPartitions: 2 }] });
    await admin.disconnect();
    for (const r of REGIONS) {
      const child = run(['node', '--topology', file, '--region', r]);
      child.stderr!.on('data', (c: Buffer) => process.stderr.write(`[${r}] ${c.toString()}`));
      children.push(child);
    }
    for (const r of REGIONS) await waitNodeReady(http[r]!, `node ${r}`);
    await produceNumbered(kafka['east']!, 'east', 'orders', 400, 2);
    await waitFor(
      async () =>
        (await auditTopic(kafka['west']!, 'west', 'orders', 'tls-e2e', Buffer.from(KEY))).total === 400,
      {
        timeoutMs: 60_000,
        intervalMs: 1_000,
        what: 'west holding 400 records',
      },
    );
    for (const group of ['billing', 'payroll']) {
      await commitGroupOffsets(kafka['east']!, group, [
        { topic: 'orders', partition: 0, offset: 150 },
        { topic: 'orders', partition: 1, offset: 20 },
      ]);
    }
  });

  /** The CLI's TLS flags for a client certificate. */
  const tlsOf = (cert: IssuedCert) => ['--tls-ca', ca, '--tls-cert', cert.cert, '--tls-key', cert.key];
  /** `geomesh failover --from east --to west` with `args`. */
  const failoverEastToWest = (...args: string[]) =>
    runToEnd(['failover', '--topology', file, '--from', 'east', '--to', 'west', ...args]);
  const translateBilling = (...extra: string[]) =>
    runToEnd([
      'translate',
      '--topology',
      file,
      '--group',
      'billing',
      '--from',
      'east',
      '--to',
      'west',
      ...extra,
    ]);

  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    await env?.stop();
    pki?.remove();
  });

  it('an operator with a certificate of the mesh CA translates; west reached east over mTLS (live frontier)', async () => {
    const result = await translateBilling('--json', ...tlsOf(operator));
    assert.equal(result.code, 0, result.stderr);
    const answer = JSON.parse(result.stdout) as { source: string; partitions: { targetOffset: number }[] };
    assert.equal(answer.source, 'live', 'the frontier came from east, over the peer channel');
    assert.deepEqual(
      answer.partitions.map((p) => p.targetOffset),
      [150, 20],
    );
  });

  it('a certificate of another CA, no client certificate, or plaintext: refused', async () => {
    const refused = await translateBilling('--node', `127.0.0.1:${grpc['west']}`, ...tlsOf(intruder));
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /no node answered/);
    const noTls = await translateBilling();
    assert.equal(noTls.code, 64);
    assert.match(noTls.stderr, /require mutual TLS/);
    const plaintext = createOperatorClient(`127.0.0.1:${grpc['west']}`, { transport: { mode: 'insecure' } });
    await assert.rejects(
      plaintext.translateOffsets(
        { group: 'billing', fromRegion: 'east', toRegion: 'west', topics: [] },
        { timeoutMs: 3_000 },
      ),
      { code: 'GEOMESH_RPC_UNAVAILABLE' },
    );
    plaintext.close();
    // A would-be peer with the other CA's certificate cannot push checkpoints into the mesh.
    const peer = createPeerClient(`127.0.0.1:${grpc['west']}`, {
      transport: { mode: 'mtls', ca, cert: intruder.cert, key: intruder.key },
    });
    await assert.rejects(
      peer.pushCheckpoints(
        {
          fromRegion: 'east',
          checkpoints: [{ region: 'east', group: 'billing', computedAtMs: Date.now(), partitions: [] }],
        },
        { timeoutMs: 3_000 },
      ),
      { code: 'GEOMESH_RPC_UNAVAILABLE' },
    );
    peer.close();
  });

  /** east's region state as recorded in etcd (undefined: no record, i.e. active). */
  /** Runs `work` on a connection to the mesh's etcd, closed after it. */
  const withEtcd = async <T>(work: (coordinator: EtcdCoordinator) => Promise<T>): Promise<T> => {
    const coordinator = new EtcdCoordinator({
      endpoints: env.etcd!.endpoints,
      mesh: 'tls-e2e',
      logger: silentLogger(),
    });
    await coordinator.start();
    try {
      return await work(coordinator);
    } finally {
      await coordinator.stop();
    }
  };
  const eastStateInEtcd = (): Promise<RegionStateRecord | undefined> =>
    withEtcd(async (store) => (await new RegionStateStore({ store }).get('east')).record);
  /** east's region state as `geomesh status --json` shows it. */
  const eastStateInStatus = async () => {
    const result = await runToEnd(['status', '--topology', file, '--json', ...tlsOf(operator)]);
    assert.equal(result.code, 0, result.stderr);
    const status = JSON.parse(result.stdout) as MeshStatus;
    return status.regions.find((r) => r.region === 'east')?.regionState;
  };

  it('failover needs an authorised operator: refused callers change nothing; the allowed one commits', async () => {
    const committedInWest = async (group: string) => {
      const offsets = new ClusterOffsets(kafka['west']!);
      try {
        return (await offsets.committedOffsets(group, ['orders'])).map((c) => c.offset);
      } finally {
        await offsets.stop();
      }
    };
    const failover = (cert: IssuedCert, ...extra: string[]) =>
      failoverEastToWest('--group', 'payroll', '--json', ...tlsOf(cert), ...extra);
    // A certificate of the mesh CA that west's operators do not list: PERMISSION_DENIED, exit 77.
    const denied = await failover(intern);
    assert.equal(denied.code, 77, denied.stderr);
    assert.match(denied.stderr, /not allowed/);
    // The same with a wrong bearer token: UNAUTHENTICATED, exit 77.
    const wrongToken = await failover(intern, '--token-env', 'WRONG_TOKEN');
    assert.equal(wrongToken.code, 77, wrongToken.stderr);
    assert.deepEqual(await committedInWest('payroll'), [], 'nothing was committed by refused calls');
    assert.equal(await eastStateInEtcd(), undefined, 'refused calls record no region state');
    // A dry run by the allowed operator translates and commits nothing.
    const dry = await failover(operator, '--dry-run');
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal((JSON.parse(dry.stdout) as { groups: { outcome: string }[] }).groups[0]?.outcome, 'dry-run');
    assert.deepEqual(await committedInWest('payroll'), []);
    assert.equal(await eastStateInEtcd(), undefined, 'a dry run records no region state');
    assert.equal((await eastStateInStatus())?.state, 'active', 'no record: active');
    // The allowed certificate commits the translated offsets; the operator token works as well (idempotent).
    const done = await failover(operator);
    assert.equal(done.code, 0, done.stderr);
    const answer = JSON.parse(done.stdout) as {
      groups: { outcome: string; translation: { source: string } }[];
    };
    assert.equal(answer.groups[0]?.outcome, 'committed');
    assert.equal(answer.groups[0]?.translation.source, 'live');
    assert.deepEqual(await committedInWest('payroll'), [150, 20]);
    // east is recorded failed over to west, in etcd and in geomesh status (JSON and table).
    const recorded = await eastStateInEtcd();
    assert.equal(recorded?.state, 'failed-over');
    assert.equal(recorded.to, 'west');
    assert.deepEqual(recorded.groups, ['payroll']);
    assert.ok(recorded.operation, 'an operation id');
    assert.ok(Date.now() - Date.parse(recorded.since) < 60_000, `since ${recorded.since}`);
    assert.deepEqual((JSON.parse(done.stdout) as { regionState: unknown }).regionState, {
      region: 'east',
      state: 'failed-over',
      toRegion: 'west',
      groups: ['payroll'],
      since: recorded.since,
      operation: recorded.operation,
    });
    const shown = await eastStateInStatus();
    assert.equal(shown?.state, 'failed-over');
    assert.equal(shown.toRegion, 'west');
    assert.equal(shown.since, recorded.since);
    const table = await runToEnd(['status', '--topology', file, ...tlsOf(operator)]);
    assert.match(table.stdout, /\neast\s+failed-over to west \(\d+\.\d s\)\s+running/);
    assert.match(table.stdout, /region states:\n {2}east failed-over to west since .*: groups payroll/);
    const byToken = await failover(intern, '--token-env', 'GEOMESH_OPERATOR_TOKEN');
    assert.equal(byToken.code, 0, byToken.stderr);
    assert.deepEqual(await committedInWest('payroll'), [150, 20]);
    assert.deepEqual(await eastStateInEtcd(), recorded, 'a repeated failover leaves the record as it was');
    // A --group pattern that matches no group of east: exit 4 before anything is translated or recorded.
    const unknown = await failoverEastToWest('--group', 'payroll', 'no-such-group', ...tlsOf(operator));
    assert.equal(unknown.code, 4, unknown.stderr);
    assert.match(
      unknown.stderr,
      /--group pattern 2 \(group_patterns\[1\]\): "no-such-group" matches none of/,
    );
    assert.equal(unknown.stdout, '');
    assert.deepEqual(await eastStateInEtcd(), recorded, 'nothing recorded');

    // The group read on in west; east is back: failback waits for east to catch up, then moves it back.
    await commitGroupOffsets(kafka['west']!, 'payroll', [
      { topic: 'orders', partition: 0, offset: 200 },
      { topic: 'orders', partition: 1, offset: 30 },
    ]);
    const back = await runToEnd([
      'failback',
      '--topology',
      file,
      '--region',
      'east',
      '--from',
      'west',
      '--group',
      'payroll',
      '--json',
      ...tlsOf(operator),
    ]);
    assert.equal(back.code, 0, back.stderr);
    assert.match(
      back.stderr,
      /region state in etcd: east failing-back from west since .* \(groups payroll\)/,
    );
    assert.match(back.stderr, /east has caught up with west/);
    // east is active again, in etcd and in geomesh status; the record keeps the operation it ends.
    const active = await eastStateInEtcd();
    assert.equal(active?.state, 'active');
    assert.equal(active.to, undefined);
    assert.equal(active.operation, recorded.operation);
    assert.equal((JSON.parse(back.stdout) as { regionState: { state: string } }).regionState.state, 'active');
    assert.equal((await eastStateInStatus())?.state, 'active');
    const eastOffsets = new ClusterOffsets(kafka['east']!);
    try {
      assert.deepEqual(
        (await eastOffsets.committedOffsets('payroll', ['orders'])).map((c) => c.offset),
        [200, 30],
      );
    } finally {
      await eastOffsets.stop();
    }
  });
  /** east's records of `orders` from these offsets that west does not hold (by value), per partition. */
  async function missingInWest(from: ReadonlyMap<number, number>): Promise<Map<number, number>> {
    const inWest = new Set(
      (await auditTopic(kafka['west']!, 'west', 'orders', 'tls-e2e', Buffer.from(KEY))).byOrigin.get('east'),
    );
    const missing = new Map([...from.keys()].map((p) => [p, 0]));
    await readPartitionRanges(kafka['east']!, 'orders', from, (r) => {
      if (!inWest.has(Number(r.value!.toString().split(':')[1])))
        missing.set(r.partition, missing.get(r.partition)! + 1);
    });
    return missing;
  }
  /** Records of east's partition 0 that west will not get (set by the replication gap case). */
  let haltedInWest = 0;

  it('the replication gap: what east holds after the group that west lacks, as consuming both counts it', async () => {
    await commitGroupOffsets(kafka['east']!, 'rpo', [
      { topic: 'orders', partition: 0, offset: 100 },
      { topic: 'orders', partition: 1, offset: 100 },
    ]);
    // A record carrying a well-formed mesh tag of a key no node holds, claiming an origin offset east has not
    // reached, halts its partition in the link east → west (by design: docs/topology.md): partition 0's
    // records from there on stay in east only.
    const producer = kafka['east']!.producer();
    await producer.connect();
    const tag = Buffer.concat([Buffer.from([2]), randomBytes(24)]);
    await producer.send({
      topic: 'orders',
      acks: -1,
      messages: [
        {
          partition: 0,
          value: 'east:10000',
          headers: {
            'geomesh.origin': 'east',
            'geomesh.origin.offset': '99999999',
            'geomesh.origin.mac': tag,
          },
        },
      ],
    });
    await producer.disconnect();
    await produceNumbered(kafka['east']!, 'east', 'orders', 20, 2, 400); // 400, 402, … in partition 0
    const producedAtMs = Date.now();
    await waitFor(
      async () => {
        const west = await auditTopic(kafka['west']!, 'west', 'orders', 'tls-e2e', Buffer.from(KEY));
        const seqs = new Set(west.byOrigin.get('east'));
        return Array.from({ length: 10 }, (_, i) => 401 + 2 * i).every((seq) => seqs.has(seq));
      },
      { timeoutMs: 30_000, intervalMs: 500, what: "west holding partition 1's new records" },
    );
    // The gap counts what east held at a read of its log ends shared for NODE_DEFAULTS.logEndMaxAgeMs (by
    // checkpoint rounds too): one made before the records above may still be used until then.
    await sleep(Math.max(0, producedAtMs + NODE_DEFAULTS.logEndMaxAgeMs + 100 - Date.now()));
    const missing = await missingInWest(
      new Map([
        [0, 100],
        [1, 100],
      ]),
    );
    assert.deepEqual(
      [...missing],
      [
        [0, 11],
        [1, 0],
      ],
    );
    haltedInWest = missing.get(0)!;
    type Answer = {
      groups: {
        translation: {
          source: string;
          partitions: { partition: number; notReplicated: unknown; notReplicatedCounted: boolean }[];
        };
      }[];
      summary: { notReplicated: number; notReplicatedByOrigin: Record<string, number> };
    };
    const dry = await failoverEastToWest('--group', 'rpo', '--dry-run', '--json', ...tlsOf(operator));
    assert.equal(dry.code, 0, dry.stderr);
    const answer = JSON.parse(dry.stdout) as Answer;
    assert.equal(answer.groups[0]!.translation.source, 'live');
    assert.deepEqual(
      answer.groups[0]!.translation.partitions.map((p) => [
        p.partition,
        p.notReplicated,
        p.notReplicatedCounted,
      ]),
      [
        [0, [{ region: 'east', records: missing.get(0) }], true],
        [1, [], true],
      ],
      'the report counts exactly the records consuming both regions finds missing',
    );
    assert.deepEqual(answer.summary.notReplicatedByOrigin, { east: missing.get(0) });
    // Waiting for replication: the gap does not close, so after the bound nothing is committed (exit 6).
    const waited = await failoverEastToWest(
      '--group',
      'rpo',
      '--wait-for-replication',
      '1s',
      ...tlsOf(operator),
    );
    assert.equal(waited.code, 6, waited.stderr);
    assert.match(waited.stderr, /waiting for replication: 11 \(east 11\) records of east not in west yet/);
    assert.match(waited.stderr, /after 1000 ms, 11 \(east 11\) records of east .* nothing committed/);
    assert.match(waited.stdout, /^rpo +dry-run +live +2 +\d+ +11 \(east 11\)/m);
    assert.match(waited.stdout, /^ {2}rpo orders\/0: east 11$/m);
    const offsets = new ClusterOffsets(kafka['west']!);
    try {
      assert.deepEqual(await offsets.committedOffsets('rpo', ['orders']), [], 'nothing committed in west');
    } finally {
      await offsets.stop();
    }
  });

  it("every group at once: selected live by pattern, then from checkpoints with east's node killed", async () => {
    const estate = ['estate-a', 'estate-b', 'estate-c'];
    const committedAt = Date.now();
    for (const [i, group] of estate.entries()) {
      await commitGroupOffsets(kafka['east']!, group, [
        { topic: 'orders', partition: 0, offset: 10 * (i + 1) },
        { topic: 'orders', partition: 1, offset: i + 1 },
      ]);
    }
    const failover = (...extra: string[]) => failoverEastToWest('--json', ...tlsOf(operator), ...extra);
    type Answer = {
      groups: {
        group: string;
        outcome: string;
        translation: {
          source: string;
          partitions: { notReplicated: { region: string; records: number }[] }[];
        };
      }[];
      summary: { groups: number; committed: number; live: number; checkpoint: number };
    };
    // No --group: every group east's node lists that the link east → west selects (a dry run).
    const all = await failover('--dry-run');
    assert.equal(all.code, 0, all.stderr);
    const everyGroup = JSON.parse(all.stdout) as Answer;
    for (const group of [...estate, 'billing', 'payroll'])
      assert.ok(
        everyGroup.groups.some((g) => g.group === group && g.outcome === 'dry-run'),
        `${group} selected`,
      );
    assert.ok(
      everyGroup.groups.every((g) => !g.group.startsWith('geomesh.')),
      'no internal group',
    );
    // Patterns narrow it; the groups are committed in west and east is recorded failed over with them.
    const narrowed = await failover('--group', 'estate-.*', '--exclude-group', 'estate-c');
    assert.equal(narrowed.code, 0, narrowed.stderr);
    const moved = JSON.parse(narrowed.stdout) as Answer;
    assert.deepEqual(
      moved.groups.map((g) => `${g.group} ${g.outcome} ${g.translation.source}`),
      ['estate-a committed live', 'estate-b committed live'],
    );
    assert.deepEqual(
      { groups: moved.summary.groups, committed: moved.summary.committed, live: moved.summary.live },
      { groups: 2, committed: 2, live: 2 },
    );
    // With --json, what geomesh writes on stderr is JSON (Node's own warnings aside).
    for (const line of narrowed.stderr.split('\n').filter((l) => l && !l.startsWith('(')))
      assert.ok('progress' in (JSON.parse(line) as object), `a progress line: ${line}`);
    const offsets = new ClusterOffsets(kafka['west']!);
    try {
      for (const [i, group] of ['estate-a', 'estate-b'].entries())
        assert.deepEqual(
          (await offsets.committedOffsets(group, ['orders'])).map((c) => c.offset),
          [10 * (i + 1), i + 1],
        );
      assert.deepEqual(await offsets.committedOffsets('estate-c', ['orders']), [], 'excluded: untouched');
    } finally {
      await offsets.stop();
    }
    assert.deepEqual((await eastStateInEtcd())?.groups, ['estate-a', 'estate-b']);
    // east's node killed: the selection comes from the checkpoints east pushed to west (every 5 s).
    // A checkpoint round (every 5 s) after the commits must have run before the kill.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, committedAt + 7_000 - Date.now())));
    children[0]!.kill('SIGKILL');
    let fromCheckpoints: Answer | undefined;
    await waitFor(
      async () => {
        const result = await failover('--group', 'estate-.*', '--dry-run');
        fromCheckpoints = result.code === 0 ? (JSON.parse(result.stdout) as Answer) : undefined;
        return fromCheckpoints?.summary.checkpoint === 3;
      },
      { timeoutMs: 30_000, intervalMs: 1_000, what: "the estate groups selected from east's checkpoints" },
    );
    assert.deepEqual(
      fromCheckpoints?.groups.map((g) => g.group),
      estate,
    );
    // The gap as of east's checkpoints: partition 0's records west never got (the case above), per group.
    assert.ok(haltedInWest > 0, 'the replication gap case ran first');
    for (const g of fromCheckpoints.groups)
      assert.deepEqual(
        g.translation.partitions.map((p) => p.notReplicated),
        [[{ region: 'east', records: haltedInWest }], []],
        g.group,
      );
  });

  it("failback without --group, started while east's node is down: waits for it, then moves back the recorded groups", async () => {
    // east is recorded failed over to west with estate-a and estate-b (the case above); its node is dead.
    const failback = run([
      'failback',
      '--topology',
      file,
      '--region',
      'east',
      '--from',
      'west',
      '--wait-ms',
      '60000',
      ...tlsOf(operator),
    ]);
    let stdout = '';
    let stderr = '';
    failback.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    failback.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => failback.once('exit', resolve));
    children.push(failback);
    await waitFor(() => Promise.resolve(stderr.includes("waiting for east's node")), {
      timeoutMs: 20_000,
      intervalMs: 100,
      what: 'the failback waiting for east',
    });
    assert.match(
      stderr,
      /waiting for east's node at 127\.0\.0\.1:\d+ \(connection refused\): up to \d+ s more/,
    );
    const east = run(['node', '--topology', file, '--region', 'east']);
    children.push(east);
    assert.equal(await exited, 0, stderr);
    assert.match(stdout, /^estate-a +committed /m);
    assert.match(stdout, /^estate-b +committed /m);
    assert.match(stdout, /summary: 2 groups: 2 committed, 0 refused/);
    assert.equal((await eastStateInEtcd())?.state, 'active');
    const offsets = new ClusterOffsets(kafka['east']!);
    try {
      for (const [i, group] of ['estate-a', 'estate-b'].entries())
        assert.deepEqual(
          (await offsets.committedOffsets(group, ['orders'])).map((c) => c.offset),
          [10 * (i + 1), i + 1],
          group,
        );
    } finally {
      await offsets.stop();
    }
  });

  type ResumeAnswer = {
    operation: string;
    resumed: boolean;
    groups: {
      group: string;
      outcome: string;
      committedEarlier: boolean;
      translation: { partitions: { targetOffset: number }[] };
    }[];
  };
  /**
   * `count` groups `<prefix>-NN` committed in east, failed over to west one at a time (--parallel 1), and
   * interrupted: `commitInEast` moves their positions there, `expected()` is what an uninterrupted run commits
   * now (a dry run: east answers live), `interrupt(kill)` starts the failover, runs `kill` as soon as etcd
   * records a first committed group and checks the operation stays running with some groups committed, and
   * `resumed(again)` checks the re-run completed the same operation with the expected offsets in west.
   */
  const interruptedFailover = (prefix: string, count: number) => {
    const groups = Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(2, '0')}`);
    const args = ['--group', `${prefix}-.*`, '--parallel', '1', '--json', ...tlsOf(operator)];
    const commitInEast = (base: [number, number]) =>
      Promise.all(
        groups.map((group, i) =>
          commitGroupOffsets(kafka['east']!, group, [
            { topic: 'orders', partition: 0, offset: base[0] + i },
            { topic: 'orders', partition: 1, offset: base[1] + i },
          ]),
        ),
      );
    const expected = async () => {
      const dry = await failoverEastToWest(...args, '--dry-run');
      assert.equal(dry.code, 0, dry.stderr);
      return Object.fromEntries(
        (JSON.parse(dry.stdout) as ResumeAnswer).groups.map((g) => [
          g.group,
          g.translation.partitions.map((p) => p.targetOffset),
        ]),
      );
    };
    const committedSoFar = (operations: FailoverOperationStore) => async () =>
      (await operations.list()).operations.flatMap((o) =>
        o.operation.groups.some((g) => g.startsWith(`${prefix}-`))
          ? [{ op: o.operation, committed: [...o.groups.values()].filter((g) => g.status === 'committed') }]
          : [],
      )[0];
    const interrupt = async (
      operations: FailoverOperationStore,
      kill: (cli: ChildProcess) => Promise<void>,
    ) => {
      const soFar = committedSoFar(operations);
      const cli = run(['failover', '--topology', file, '--from', 'east', '--to', 'west', ...args]);
      children.push(cli);
      await waitFor(async () => ((await soFar())?.committed.length ?? 0) > 0, {
        timeoutMs: 30_000,
        intervalMs: 10,
        what: 'a first group committed',
      });
      await kill(cli);
      const interrupted = await soFar();
      assert.equal(interrupted?.op.state, 'running');
      const early = interrupted.committed.length;
      assert.ok(early > 0 && early < groups.length, `${early} of ${groups.length} committed before the kill`);
      return { id: interrupted.op.id, early };
    };
    const resumed = async (
      operations: FailoverOperationStore,
      interrupted: { id: string; early: number },
      offsetsExpected: Record<string, number[]>,
      ...extra: string[]
    ) => {
      const again = await failoverEastToWest(...args, ...extra);
      assert.equal(again.code, 0, again.stderr);
      const answer = JSON.parse(again.stdout) as ResumeAnswer;
      assert.equal(answer.operation, interrupted.id, 'the same operation');
      assert.equal(answer.resumed, true);
      assert.equal(answer.groups.filter((g) => g.committedEarlier).length, interrupted.early);
      assert.ok(answer.groups.every((g) => g.outcome === 'committed'));
      const offsets = new ClusterOffsets(kafka['west']!);
      try {
        const actual: Record<string, number[]> = {};
        for (const group of groups)
          actual[group] = (await offsets.committedOffsets(group, ['orders'])).map((c) => c.offset);
        assert.deepEqual(actual, offsetsExpected, 'west holds what an uninterrupted run commits');
      } finally {
        await offsets.stop();
      }
      const done = await committedSoFar(operations)();
      assert.deepEqual([done?.op.state, done?.op.committed], ['done', groups.length]);
    };
    return { commitInEast, expected, interrupt, resumed };
  };

  it('a failover whose CLI is killed after some commits completes when run again: offsets as uninterrupted', async () => {
    await waitNodeReady(http['east']!, 'node east');
    // East's node was restarted by the test before: west's node must reach it again (its heartbeat says so),
    // or the failover below is answered from east's checkpoints, which do not know these groups yet.
    await waitFor(
      async () => {
        const text = await (await fetch(`http://127.0.0.1:${http['west']}/metrics`)).text();
        return metricSum(text, 'geomesh_peer_up', 'peer="east"') === 1;
      },
      { timeoutMs: 30_000, intervalMs: 250, what: "west's node to see east's node up" },
    );
    // Enough groups (committed one at a time) that the kill lands before the last, even on a loaded machine.
    const move = interruptedFailover('resume', 60);
    await move.commitInEast([5, 40]);
    const expected = await move.expected();
    await withEtcd(async (coordinator) => {
      const operations = new FailoverOperationStore({ store: coordinator });
      // The CLI killed (SIGKILL): the node stops at its next group.
      const interrupted = await move.interrupt(operations, async (cli) => {
        cli.kill('SIGKILL');
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      });
      // Meanwhile the groups' positions in east move on: a group translated again would be committed there.
      await move.commitInEast([50, 90]);
      // The node's call ends at its next group, with its claim in etcd: status then says nothing runs it.
      let status = await runToEnd(['status', '--topology', file, ...tlsOf(operator)]);
      for (let i = 0; i < 20 && !status.stdout.includes('interrupted (no call runs it now)'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        status = await runToEnd(['status', '--topology', file, ...tlsOf(operator)]);
      }
      assert.match(
        status.stdout,
        new RegExp(`${interrupted.id} +failover east → west +RUNNING +${interrupted.early}/60`),
      );
      assert.match(status.stdout, /interrupted \(no call runs it now\): complete it with: geomesh failover/);
      await move.resumed(operations, interrupted, expected);
    });
  });

  it("a failover whose serving node is killed (kill -9) after some commits completes when run again after the node's restart", async () => {
    const move = interruptedFailover('nodekill', 40);
    await move.commitInEast([7, 30]);
    const expected = await move.expected();
    await withEtcd(async (coordinator) => {
      const operations = new FailoverOperationStore({ store: coordinator });
      // West's node, serving the call, killed: its claim on the operation stays until its lease's TTL ends.
      const interrupted = await move.interrupt(operations, async () => {
        const west = children[1]!;
        const exited = new Promise((resolve) => west.once('exit', resolve));
        west.kill('SIGKILL');
        await exited;
      });
      await move.commitInEast([60, 95]);
      const restarted = run(['node', '--topology', file, '--region', 'west']);
      restarted.stderr!.on('data', (c: Buffer) => process.stderr.write(`[west] ${c.toString()}`));
      children[1] = restarted;
      // The same command, at once: it waits for west's node to serve, then for the killed call's claim to lapse.
      await move.resumed(operations, interrupted, expected, '--wait-ms', '90000');
    });
  });
});
