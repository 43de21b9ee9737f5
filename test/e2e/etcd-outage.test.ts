/**
 * etcd stopped for 15 s (longer than a registration lease) under load, then restarted: two `geomesh node`
 * processes registered in etcd keep replicating while it is gone (with one instance per region nothing on the
 * data path asks etcd: ownership is not shared), their registrations go to `retrying` and come back to
 * `registered` after the restart; every record arrives exactly once.
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
import { runGeomesh, waitNodeReady } from '../support/cli-process.ts';
import { auditTopic, produceNumbered } from '../support/mesh-audit.ts';
import { waitFor } from '../support/polling.ts';

const KEY = randomBytes(32).toString('hex');
const REGIONS = ['east', 'west'];
const RECORDS = 20_000;
/** How long etcd stays down: half again a registration lease (10 s). */
const OUTAGE_MS = 15_000;

describe('etcd stopped for 15 s under load', () => {
  let env: TestEnvironment;
  let dir: string;
  const kafka: Record<string, Kafka> = {};
  const http: Record<string, number> = {};
  const children: ChildProcess[] = [];

  const registration = async (region: string): Promise<string> => {
    const status = (await (await fetch(`http://127.0.0.1:${http[region]}/status.json`)).json()) as {
      registration: string;
    };
    return status.registration;
  };

  before(async () => {
    env = await TestEnvironment.start({ kafka: REGIONS, etcd: true });
    dir = mkdtempSync(join(tmpdir(), 'geomesh-etcd-outage-'));
    const lines = [
      'mesh: outage',
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
      lines.push(
        `  ${r}: { kafka: { brokers: ['${env.cluster(r).bootstrapServers[0]}'] }, node: { grpc: '127.0.0.1:${await freePort()}', http: '127.0.0.1:${http[r]}' } }`,
      );
      const admin = kafka[r].admin();
      await admin.connect();
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic: 'orders', numPartitions: 3 }] });
      await admin.disconnect();
    }
    lines.push('links:', '  - between: [east, west]', "    topics: { include: ['orders'] }", '');
    const file = join(dir, 'mesh.yaml');
    writeFileSync(file, lines.join('\n'));
    for (const r of REGIONS) {
      const child = runGeomesh(['node', '--topology', file, '--region', r], { GEOMESH_PROVENANCE_KEY: KEY });
      child.stderr!.on('data', (c: Buffer) => process.stderr.write(`[${r}] ${c.toString()}`));
      children.push(child);
    }
    for (const r of REGIONS) await waitNodeReady(http[r]!, `node ${r}`);
    await waitFor(async () => (await registration('west')) === 'registered', {
      timeoutMs: 30_000,
      intervalMs: 250,
      what: 'west registered in etcd',
    });
  });

  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    await env?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('replication goes on while etcd is down; registrations come back; 0 lost, 0 duplicates', async () => {
    const audit = () => auditTopic(kafka['west']!, 'west', 'orders', 'outage', Buffer.from(KEY));
    // Writers in east for the whole outage, a batch a second.
    let isWriting = true;
    let written = 0;
    const writer = (async () => {
      while (isWriting && written < RECORDS) {
        await produceNumbered(kafka['east']!, 'east', 'orders', 500, 3, written);
        written += 500;
        await new Promise((r) => setTimeout(r, 700));
      }
    })();
    await new Promise((r) => setTimeout(r, 2_000));
    await env.etcd!.kill();
    const stoppedAt = Date.now();
    const during = await waitFor(async () => (await registration('west')) !== 'registered', {
      timeoutMs: 30_000,
      intervalMs: 500,
      what: "west noticing etcd's absence",
    }).then(async () => (await audit()).total);
    await new Promise((r) => setTimeout(r, Math.max(0, stoppedAt + OUTAGE_MS - Date.now())));
    const atEnd = (await audit()).total;
    console.log(
      `etcd down ${OUTAGE_MS / 1000} s: west held ${during} replicated records early in the outage, ${atEnd} at its end`,
    );
    assert.ok(atEnd > during, 'records kept arriving in west while etcd was down');
    await env.etcd!.restart();
    isWriting = false;
    await writer;
    await waitFor(async () => (await audit()).total === written, {
      timeoutMs: 90_000,
      intervalMs: 1_000,
      what: `west holding all ${written} records`,
    });
    const final = await audit();
    assert.equal(final.duplicates, 0);
    assert.equal(new Set(final.byOrigin.get('east')).size, written, 'no record lost');
    await waitFor(async () => (await registration('west')) === 'registered', {
      timeoutMs: 30_000,
      intervalMs: 500,
      what: 'west registered again after etcd came back',
    });
  });
});
