/**
 * A planned switchover of a one-way migration (`geomesh failover --planned`): an old cluster replicated into a
 * new one by a link old → new, a plain Kafka consumer reading mid-stream in old. The command waits while the
 * consumer runs there; once it stops, the group is moved, and the same plain consumer resumed in new reads
 * the rest: every record once, none lost, none twice.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Consumer, Kafka } from 'kafkajs';
import { createKafkaClient } from '../../node/kafka/index.ts';
import { silentLogger } from '../../node/log/index.ts';
import { TestEnvironment, freePort } from '../harness/index.ts';
import { runGeomesh, waitNodeReady } from '../support/cli-process.ts';
import { auditTopic, produceNumbered } from '../support/mesh-audit.ts';
import { waitFor } from '../support/polling.ts';
import { TestPki } from '../support/test-pki.ts';

const KEY = randomBytes(32).toString('hex');
const REGIONS = ['old', 'new'];
const RECORDS = 600;

describe('planned switchover of a migration, old → new', () => {
  let env: TestEnvironment;
  let pki: TestPki;
  let file: string;
  let tls: string[];
  const kafka: Record<string, Kafka> = {};
  const http: Record<string, number> = {};
  const children: ChildProcess[] = [];
  const ENV = { GEOMESH_PROVENANCE_KEY: KEY };

  before(async () => {
    env = await TestEnvironment.start({ kafka: REGIONS, etcd: true });
    pki = new TestPki();
    const ca = pki.ca('mesh-ca');
    const operator = pki.issue('mesh-ca', 'operator', 'client');
    tls = ['--tls-ca', ca, '--tls-cert', operator.cert, '--tls-key', operator.key];
    const lines = [
      'mesh: planned-e2e',
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
      http[r] = await freePort();
      const cert = pki.issue('mesh-ca', `node-${r}`, 'node');
      lines.push(
        `  ${r}:`,
        `    kafka: { brokers: ['${env.cluster(r).bootstrapServers[0]}'] }`,
        `    node: { grpc: '127.0.0.1:${await freePort()}', http: '127.0.0.1:${http[r]}', ` +
          `tls: { ca: '${ca}', cert: '${cert.cert}', key: '${cert.key}' }, operators: { clients: ['CN=operator'] } }`,
      );
    }
    lines.push('links:', '  - { from: old, to: new, topics: { include: [orders] } }', '');
    file = join(pki.dir, 'mesh.yaml');
    writeFileSync(file, lines.join('\n'));
    const admin = kafka['old']!.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: 'orders', numPartitions: 3 }] });
    await admin.disconnect();
    for (const r of REGIONS) children.push(runGeomesh(['node', '--topology', file, '--region', r], ENV));
    for (const r of REGIONS) await waitNodeReady(http[r]!, `node ${r}`);
    await produceNumbered(kafka['old']!, 'old', 'orders', RECORDS, 3);
  });

  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    await env?.stop();
    pki?.remove();
  });

  /**
   * A plain consumer of `orders` in group `migrate` that commits each record it has seen (so its committed
   * offsets are exactly what it consumed) and stops reading after `limit` records.
   */
  const plainConsumer = async (region: string, seen: string[], limit: number): Promise<Consumer> => {
    const consumer = kafka[region]!.consumer({ groupId: 'migrate', maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topics: ['orders'], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        if (seen.length >= limit) return consumer.pause([{ topic }]);
        seen.push(message.value!.toString());
        await consumer.commitOffsets([{ topic, partition, offset: String(Number(message.offset) + 1) }]);
      },
    });
    return consumer;
  };

  it('waits for the consumer in old to stop, moves the group; resumed in new: 0 lost, 0 duplicates', async () => {
    const seenInOld: string[] = [];
    const inOld = await plainConsumer('old', seenInOld, RECORDS / 3);
    await waitFor(() => Promise.resolve(seenInOld.length >= RECORDS / 3), {
      timeoutMs: 60_000,
      intervalMs: 100,
      what: 'the consumer in old mid-stream',
    });
    // The switchover starts while the consumer still runs in old: it waits.
    const command = runGeomesh(
      [
        'failover',
        '--topology',
        file,
        '--from',
        'old',
        '--to',
        'new',
        '--group',
        'migrate',
        '--planned',
        ...tls,
      ],
      ENV,
    );
    children.push(command);
    let stdout = '';
    let stderr = '';
    command.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    command.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => command.once('exit', resolve));
    await waitFor(() => Promise.resolve(stderr.includes('waiting for the consumers in old to stop')), {
      timeoutMs: 30_000,
      intervalMs: 100,
      what: 'the switchover waiting for the consumer in old',
    });
    assert.match(stderr, /1 group: migrate \(1 member\)/);
    await inOld.disconnect();
    assert.equal(await exited, 0, stderr);
    assert.match(stdout, /^migrate +committed +live /m);
    assert.ok(
      seenInOld.length >= RECORDS / 3 && seenInOld.length < RECORDS,
      `${seenInOld.length} read in old`,
    );

    // new holds every record of old (the command waited for that), so the rest is there to read.
    const audit = await auditTopic(kafka['new']!, 'new', 'orders', 'planned-e2e', Buffer.from(KEY));
    assert.equal(audit.total, RECORDS);
    const seenInNew: string[] = [];
    const inNew = await plainConsumer('new', seenInNew, RECORDS);
    try {
      await waitFor(() => Promise.resolve(seenInOld.length + seenInNew.length >= RECORDS), {
        timeoutMs: 60_000,
        intervalMs: 200,
        what: 'the consumer in new reading the rest',
      });
      // Anything more would be a duplicate: give it time to show.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    } finally {
      await inNew.disconnect();
    }
    const all = [...seenInOld, ...seenInNew];
    const twice = all.filter((v, i) => all.indexOf(v) !== i);
    const expected = Array.from({ length: RECORDS }, (_, seq) => `old:${seq}`);
    const lost = expected.filter((v) => !all.includes(v));
    assert.deepEqual({ lost: lost.length, twice: twice.length }, { lost: 0, twice: 0 });
  });
});
