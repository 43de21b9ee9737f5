/**
 * Secured Kafka per region, on real brokers: region a is reached over SASL_SSL with SCRAM-SHA-512 (the broker's
 * certificate signed by a test CA the topology names), region b over SASL_PLAINTEXT with PLAIN. Passwords come
 * from environment references. Both directions replicate; no password reaches the nodes' logs; a wrong password
 * is a clear error at start.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Kafka } from 'kafkajs';
import { createKafkaClient } from '../../node/kafka/index.ts';
import { silentLogger } from '../../node/log/index.ts';
import { TestEnvironment, freePort } from '../harness/index.ts';
import { runGeomesh } from '../support/cli-process.ts';
import { auditTopic, produceNumbered } from '../support/mesh-audit.ts';
import { waitFor } from '../support/polling.ts';
import { TestPki } from '../support/test-pki.ts';

const KEY = randomBytes(32).toString('hex');
const A_PASSWORD = `a-${randomBytes(12).toString('hex')}`;
const B_PASSWORD = `b-${randomBytes(12).toString('hex')}`;

describe('Kafka TLS and SASL per region (SCRAM-SHA-512 over TLS, PLAIN)', () => {
  let env: TestEnvironment;
  let pki: TestPki;
  let file: string;
  const kafka: Record<string, Kafka> = {};
  const children: ChildProcess[] = [];
  const logs: Record<string, string> = { a: '', b: '' };

  function node(region: string, passwords: { a: string; b: string }): ChildProcess {
    const child = runGeomesh(['node', '--topology', file, '--region', region], {
      GEOMESH_PROVENANCE_KEY: KEY,
      A_KAFKA_PASSWORD: passwords.a,
      B_KAFKA_PASSWORD: passwords.b,
      GEOMESH_LOG_LEVEL: 'debug',
    });
    children.push(child);
    return child;
  }

  before(async () => {
    pki = new TestPki();
    const ca = pki.ca('kafka-ca');
    const broker = pki.issue('kafka-ca', 'broker-a', 'node');
    env = await TestEnvironment.start({
      kafka: ['a', 'b'],
      secureListeners: {
        a: { users: { geomesh: A_PASSWORD }, tls: { cert: broker.cert, key: pki.pkcs8(broker.key) } },
        b: { users: { geomesh: B_PASSWORD } },
      },
    });
    for (const r of ['a', 'b']) {
      kafka[r] = createKafkaClient({
        brokers: env.cluster(r).bootstrapServers,
        clientId: `t-${r}`,
        logger: silentLogger(),
      });
      const admin = kafka[r].admin();
      await admin.connect();
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic: 'orders', numPartitions: 2 }] });
      await admin.disconnect();
    }
    const port = async () => `127.0.0.1:${await freePort()}`;
    file = join(pki.dir, 'mesh.yaml');
    writeFileSync(
      file,
      [
        'mesh: secured',
        "etcd: { endpoints: ['http://127.0.0.1:1'] }",
        "provenance: { key: '${GEOMESH_PROVENANCE_KEY}' }",
        'regions:',
        '  a:',
        `    kafka: { brokers: ['${env.cluster('a').secureBootstrapServers[0]}'], tls: { ca: '${ca}' }, sasl: { mechanism: scram-sha-512, username: geomesh, password: '\${A_KAFKA_PASSWORD}' } }`,
        `    node: { grpc: '${await port()}', http: '${await port()}' }`,
        '  b:',
        `    kafka: { brokers: ['${env.cluster('b').secureBootstrapServers[0]}'], sasl: { mechanism: plain, username: geomesh, password: '\${B_KAFKA_PASSWORD}' } }`,
        `    node: { grpc: '${await port()}', http: '${await port()}' }`,
        'links:',
        '  - between: [a, b]',
        "    topics: { include: ['orders'] }",
        '',
      ].join('\n'),
    );
  });

  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    await env?.stop();
    pki?.remove();
  });

  it('replicates both ways over the secured listeners; no password in any log line', async () => {
    for (const r of ['a', 'b']) {
      const child = node(r, { a: A_PASSWORD, b: B_PASSWORD });
      child.stdout!.on('data', (c: Buffer) => (logs[r] += c.toString()));
      child.stderr!.on('data', (c: Buffer) => (logs[r] += c.toString()));
    }
    await produceNumbered(kafka['a']!, 'a', 'orders', 300, 2);
    await produceNumbered(kafka['b']!, 'b', 'orders', 200, 2);
    const audit = (r: string) => auditTopic(kafka[r]!, r, 'orders', 'secured', Buffer.from(KEY));
    await waitFor(async () => (await audit('a')).total === 500 && (await audit('b')).total === 500, {
      timeoutMs: 90_000,
      intervalMs: 1_000,
      what: 'both regions holding 500 records',
    });
    for (const r of ['a', 'b']) {
      const result = await audit(r);
      assert.equal(result.duplicates, 0);
      assert.equal(result.misattributed, 0);
      assert.match(logs[r]!, /region node state/, `node ${r} logged (debug level)`);
      assert.ok(!logs[r]!.includes(A_PASSWORD) && !logs[r]!.includes(B_PASSWORD), `a password in ${r}'s log`);
    }
  });

  it('a wrong password: the node stops at start with a clear error that does not print it', async () => {
    const wrong = `wrong-${randomBytes(8).toString('hex')}`;
    const child = node('a', { a: A_PASSWORD, b: wrong });
    let output = '';
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 1);
    assert.match(output, /SASL|[Aa]uthentication/);
    assert.ok(!output.includes(wrong), 'the wrong password is not printed');
  });
});
