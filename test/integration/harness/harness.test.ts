/**
 * The harness itself: servers come up, faults are real (kill -9, SIGSTOP/SIGCONT, restart with data kept),
 * and nothing is left behind — not even when the test process is killed with SIGKILL.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createKafkaClient } from '../../../node/kafka/index.ts';
import { silentLogger } from '../../../node/log/index.ts';
import type { LocalKafkaCluster } from '../../harness/index.ts';
import { PROJECT_ROOT, TestEnvironment } from '../../harness/index.ts';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(
  what: string,
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('test harness', () => {
  let env: TestEnvironment;
  let cluster: LocalKafkaCluster;
  before(async () => {
    env = await TestEnvironment.start({ kafka: ['h1', 'h2'], etcd: true });
    cluster = env.cluster('h1') as LocalKafkaCluster;
  });
  after(() => env?.stop());

  it('starts independent clusters with distinct ids and ports, and a healthy etcd', async () => {
    const [a, b] = [env.cluster('h1'), env.cluster('h2')];
    assert.notEqual(a.clusterId, b.clusterId);
    assert.notDeepEqual(a.bootstrapServers, b.bootstrapServers);
    for (const server of [a, b]) assert.match(server.bootstrapServers[0]!, /^127\.0\.0\.1:\d+$/);
    const health = (await (await fetch(`${env.etcd!.endpoints[0]}/health`)).json()) as { health: string };
    assert.equal(health.health, 'true');
    const admin = createKafkaClient({
      brokers: b.bootstrapServers,
      clientId: 'h',
      logger: silentLogger(),
    }).admin();
    await admin.connect();
    assert.equal((await admin.describeCluster()).clusterId, b.clusterId);
    await admin.disconnect();
  });

  it('kill -9 ends the broker at once; restart brings it back with its data', async () => {
    const kafka = createKafkaClient({
      brokers: cluster.bootstrapServers,
      clientId: 'h',
      logger: silentLogger(),
      requestTimeoutMs: 5_000,
    });
    const topic = `survives-${randomUUID()}`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ value: 'before-kill' }] });
    await producer.disconnect();

    const pid = cluster.pid!;
    await cluster.kill();
    assert.equal(isAlive(pid), false, 'the JVM is gone after kill -9');
    await cluster.restart();
    assert.notEqual(cluster.pid, pid);

    const admin2 = kafka.admin();
    await admin2.connect();
    const offsets = await admin2.fetchTopicOffsets(topic);
    await admin2.disconnect();
    assert.equal(offsets[0]!.high, '1', 'the record written before kill -9 is still there');
  });

  it('SIGSTOP freezes the broker (requests time out) and SIGCONT thaws it', async () => {
    const kafka = createKafkaClient({
      brokers: cluster.bootstrapServers,
      clientId: 'h-pause',
      logger: silentLogger(),
      requestTimeoutMs: 1_500,
      connectionTimeoutMs: 1_000,
    });
    const admin = kafka.admin({ retry: { retries: 0 } });
    await admin.connect();
    cluster.pause();
    try {
      await assert.rejects(admin.listTopics(), 'a frozen broker answers nothing');
    } finally {
      cluster.resume();
    }
    await waitFor('the thawed broker to answer', async () => {
      try {
        await admin.listTopics();
        return true;
      } catch {
        return false;
      }
    });
    await admin.disconnect();
  });

  it('kills its servers and removes their folders when the test process is killed with SIGKILL', async () => {
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'test', 'support', 'orphan-child.ts')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString()));
      child.once('exit', (code) => reject(new Error(`child exited early with ${code}`)));
    });
    const { pid, dir } = JSON.parse(line) as { pid: number; dir: string };
    assert.ok(isAlive(pid) && existsSync(dir));
    child.kill('SIGKILL');
    await waitFor(`orphaned etcd ${pid} to be killed`, () => !isAlive(pid));
    await waitFor(`orphaned folder ${dir} to be removed`, () => !existsSync(dir));
  });

  it('stop() ends every server and deletes its folder; a second stop() is harmless', async () => {
    const extra = await TestEnvironment.start({ etcd: true });
    const pid = extra.etcd!.pid!;
    await Promise.all([extra.stop(), extra.stop()]);
    assert.equal(isAlive(pid), false);
    await extra.stop();
  });
});
