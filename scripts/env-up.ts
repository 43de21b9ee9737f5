/**
 * Starts two Kafka clusters and an etcd with the harness and prints how long they took and how much
 * memory they used at peak. Jars are fetched first (not timed). `--hold` keeps them up until Ctrl-C.
 *
 *   npm run env:up [-- --clusters 3] [-- --hold] [-- --json]
 */
import { readFileSync } from 'node:fs';
import { parseScriptArgs } from './script-args.ts';
import { ensureEtcdBinary, ensureKafkaJars, kafkaVersion, TestEnvironment } from '../test/harness/index.ts';

const { values } = parseScriptArgs('env:up', {
  options: {
    clusters: { type: 'string', default: '2' },
    hold: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const count = Number(values.clusters);
if (!Number.isInteger(count) || count < 1 || count > 8) {
  console.error(`--clusters must be a whole number from 1 to 8, got "${values.clusters}"`);
  process.exit(2);
}

/** Peak resident memory (VmHWM) of a pid, in bytes. */
function peakRssBytes(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  return kib ? Number(kib) * 1024 : 0;
}

await ensureKafkaJars();
ensureEtcdBinary();
const names = Array.from({ length: count }, (_, i) => String.fromCharCode(97 + i));
const env = await TestEnvironment.start({ kafka: names, etcd: true });
try {
  const servers = [...Object.values(env.kafka), env.etcd!];
  const peaks = servers.map((s) => ({
    name: s.name,
    pid: s.pid,
    peakRssMiB: Math.round(peakRssBytes(s.pid) / 2 ** 20),
  }));
  const report = {
    kafkaVersion: kafkaVersion(),
    clusters: Object.fromEntries(
      Object.entries(env.kafka).map(([n, k]) => [n, k.bootstrapServers.join(',')]),
    ),
    etcd: env.etcd!.endpoints.join(','),
    readyMs: Math.round(env.startMs),
    servers: peaks,
    totalPeakRssMiB: peaks.reduce((sum, p) => sum + p.peakRssMiB, 0),
  };
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else {
    console.log(
      `Kafka ${report.kafkaVersion}: ${count} cluster(s) + etcd ready in ${report.readyMs} ms (jars cached)`,
    );
    for (const [n, b] of Object.entries(report.clusters)) console.log(`  kafka ${n}: ${b}`);
    console.log(`  etcd: ${report.etcd}`);
    for (const p of peaks) console.log(`  ${p.name.padEnd(10)} pid ${p.pid}  peak RSS ${p.peakRssMiB} MiB`);
    console.log(`  total peak RSS ${report.totalPeakRssMiB} MiB`);
  }
  if (values.hold) {
    console.log('holding; Ctrl-C stops and cleans up');
    await new Promise((resolve) => process.once('SIGINT', resolve));
  }
} finally {
  await env.stop();
}
