/**
 * The geomesh demo. Replication is not built yet, so for now it brings up what the demo will use —
 * two real Kafka clusters and an etcd — shows them, and tears them down.
 */
import { TestEnvironment } from '../test/harness/index.ts';

console.log('geomesh demo: replication is not built yet; starting the demo servers to show the ground floor.');
const env = await TestEnvironment.start({ kafka: ['us-east', 'eu-west'], etcd: true });
try {
  console.log(`ready in ${Math.round(env.startMs)} ms:`);
  for (const [name, cluster] of Object.entries(env.kafka)) {
    console.log(`  region ${name}: Kafka ${cluster.version} at ${cluster.bootstrapServers.join(',')} (cluster id ${cluster.clusterId})`);
  }
  console.log(`  etcd at ${env.etcd!.endpoints.join(',')}`);
} finally {
  await env.stop();
  console.log('stopped and cleaned up.');
}
