/**
 * A minimal Kafka producer and consumer for trying a mesh by hand (npm run mesh:up prints how).
 *
 *   mesh-client.ts produce --brokers HOST:PORT --topic T      each line of stdin is one record (Ctrl-D ends)
 *   mesh-client.ts consume --brokers HOST:PORT --topic T [--group G] [--max N]
 *                                                              prints partition/offset and value (Ctrl-C ends)
 *
 * The producer creates the topic (3 partitions) when it does not exist: the harness's brokers create no topic
 * by themselves. The consumer waits for the topic to exist (the mesh creates it where it replicates it).
 * Without --group the consumer reads from the beginning in a group of its own and commits nothing that
 * matters; with --group it commits as that group (what `geomesh translate` translates).
 */
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { parseScriptArgs } from './script-args.ts';
import { createKafkaClient } from '../node/kafka/index.ts';
import { silentLogger } from '../node/log/index.ts';

const { positionals, values } = parseScriptArgs('mesh-client', {
  allowPositionals: true,
  options: {
    brokers: { type: 'string' },
    topic: { type: 'string' },
    group: { type: 'string' },
    max: { type: 'string' },
  },
});
const verb = positionals[0];
if ((verb !== 'produce' && verb !== 'consume') || !values.brokers || !values.topic) {
  console.error(
    'usage: mesh-client.ts produce --brokers HOST:PORT --topic T\n' +
      '       mesh-client.ts consume --brokers HOST:PORT --topic T [--group G] [--max N]',
  );
  process.exit(64);
}
const max = values.max === undefined ? Infinity : Number(values.max);
if (!(max > 0)) {
  console.error(`mesh-client.ts: --max must be a positive number, not "${values.max}"`);
  process.exit(64);
}
const kafka = createKafkaClient({
  brokers: values.brokers.split(','),
  clientId: 'geomesh-mesh-client',
  logger: silentLogger(),
});
const topic = values.topic;

const admin = kafka.admin();
await admin.connect();
if (verb === 'produce') {
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3 }] });
} else {
  for (let waited = 0; !(await admin.listTopics()).includes(topic); waited++) {
    if (waited === 0)
      console.error(`waiting for ${topic} to exist (the mesh creates it once it is written to)`);
    await new Promise((r) => setTimeout(r, 1_000));
  }
}
await admin.disconnect();

if (verb === 'produce') {
  const producer = kafka.producer();
  await producer.connect();
  let count = 0;
  for await (const line of createInterface({ input: process.stdin })) {
    await producer.send({ topic, messages: [{ value: line }] });
    count++;
  }
  await producer.disconnect();
  console.error(`produced ${count} record(s) to ${topic}`);
} else {
  const consumer = kafka.consumer({
    groupId: values.group ?? `mesh-client-${randomBytes(4).toString('hex')}`,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  const done = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    void consumer.run({
      eachMessage: async ({ partition, message }) => {
        console.log(`${topic}/${partition}@${message.offset} ${message.value?.toString() ?? ''}`);
        if (++seen >= max) resolve();
        return Promise.resolve();
      },
    });
  });
  await done;
  await consumer.disconnect();
}
