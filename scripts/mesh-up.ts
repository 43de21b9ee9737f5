/**
 * A local 3-region mesh to play with by hand: three single-broker Kafka clusters and an etcd (the harness's
 * local processes on free loopback ports), a topology file for them (full mesh, topics `orders-.*`, every
 * group), one `geomesh node` per region; then it prints what to run next and keeps everything up until
 * Ctrl-C (or SIGTERM), which stops every process it started and removes its folder.
 *
 * The nodes serve mutual TLS (`node.tls`): a CA, a node certificate and an operator's client certificate are
 * made with openssl in `<dir>/tls/` (valid two days), the operator's certificate may fail over
 * (`node.operators.clients`), and the commands printed carry it. `--plaintext` runs the nodes without TLS
 * (anyone who reaches their ports is trusted: docs/rpc.md, "What a plaintext mesh trusts").
 *
 *   npm run mesh:up [-- --dir .mesh] [-- --plaintext]
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  ManagedProcess,
  PROJECT_ROOT,
  TestEnvironment,
  ensureEtcdBinary,
  ensureKafkaJars,
  freePort,
  kafkaVersion,
  removeAtExit,
} from '../test/harness/index.ts';
import { waitNodeReady } from '../test/support/cli-process.ts';
import { fullMeshTopology } from '../test/support/local-topology.ts';
import { TestPki } from '../test/support/test-pki.ts';

const REGIONS = ['ap-south', 'eu-west', 'us-east'] as const;

const OPTIONS = {
  dir: { type: 'string', default: join(PROJECT_ROOT, '.mesh') },
  plaintext: { type: 'boolean', default: false },
} as const;
let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>;
try {
  parsed = parseArgs({ options: OPTIONS });
} catch (err) {
  console.error(`${(err as Error).message}: npm run mesh:up [-- --dir DIR] [-- --plaintext]`);
  process.exit(64);
}
const { values } = parsed;
const dir = resolve(values.dir);
// Commands are printed to run at the repository root: the folder relative to it when inside it.
const inside = relative(PROJECT_ROOT, dir);
const shown = inside && !inside.startsWith('..') ? inside : dir;
const log = (line: string): void => console.error(`[mesh] ${line}`);

await ensureKafkaJars(kafkaVersion(), log);
ensureEtcdBinary(log);
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
removeAtExit(dir);

log('starting 3 Kafka clusters and etcd');
const env = await TestEnvironment.start({ kafka: [...REGIONS], etcd: true });
const key = randomBytes(32).toString('hex');
const ports = Object.fromEntries(
  await Promise.all(
    REGIONS.map(async (r) => [r, { grpc: await freePort(), http: await freePort() }] as const),
  ),
);
const brokers = (region: string): string => env.cluster(region).bootstrapServers[0]!;
const file = join(dir, 'mesh.yaml');
// Mutual TLS unless --plaintext: one node certificate for every node (server and client use), and an
// operator's client certificate the nodes let fail over.
const pki = values.plaintext ? undefined : new TestPki(join(dir, 'tls'));
const ca = pki?.ca('mesh-ca');
const nodeCert = pki?.issue('mesh-ca', 'node', 'node');
const operatorCert = pki?.issue('mesh-ca', 'operator', 'client');
const show = (path: string): string => join(shown, relative(dir, path));
const tlsFlags =
  ca && operatorCert
    ? ` --tls-ca ${show(ca)} --tls-cert ${show(operatorCert.cert)} --tls-key ${show(operatorCert.key)}`
    : '';
writeFileSync(
  file,
  fullMeshTopology({
    comment: 'A local playground mesh (npm run mesh:up); removed when it stops.',
    mesh: 'playground',
    etcdEndpoint: env.etcd!.endpoints[0]!,
    regions: REGIONS.map((r) => ({
      name: r,
      brokers: brokers(r),
      grpcPort: ports[r]!.grpc,
      httpPort: ports[r]!.http,
    })),
    ...(ca && nodeCert ? { tls: { ca, ...nodeCert }, operatorClients: ['CN=operator'] } : {}),
  }),
);
writeFileSync(join(dir, 'env'), `export GEOMESH_PROVENANCE_KEY=${key}\n`, { mode: 0o600 });

const nodes = REGIONS.map((region) => {
  const node = new ManagedProcess({
    name: `geomesh-${region}`,
    command: process.execPath,
    args: [join(PROJECT_ROOT, 'node', 'cli', 'bin.mjs'), 'node', '--topology', file, '--region', region],
    env: { ...process.env, GEOMESH_PROVENANCE_KEY: key, GEOMESH_LOG_LEVEL: 'info' },
    logFile: join(dir, `${region}.log`),
  });
  node.start();
  return node;
});
log('starting a geomesh node per region');
try {
  await Promise.all(REGIONS.map((r) => waitNodeReady(ports[r]!.http, `node ${r}`)));
} catch (err) {
  for (const node of nodes) log(`${node.name} log tail:\n${node.logTail(15)}`);
  throw err;
}

const client = 'node_modules/.bin/node scripts/mesh-client.ts';
console.log(
  [
    '',
    `geomesh mesh "playground" is up: ${REGIONS.join(', ')} in a full mesh, replicating topics orders-*`,
    `  topology     ${shown}/mesh.yaml   (its provenance key: ${shown}/env)`,
    ...REGIONS.map(
      (r) =>
        `  ${r.padEnd(11)}  kafka ${brokers(r)}   status page http://127.0.0.1:${ports[r]!.http}/status   log ${shown}/${r}.log`,
    ),
    `  etcd         ${env.etcd!.endpoints[0]}`,
    '',
    'Try, in another shell at the repository root:',
    `  source ${shown}/env`,
    `  ./geomesh status --topology ${shown}/mesh.yaml${tlsFlags}`,
    `  ./geomesh topology show ${shown}/mesh.yaml`,
    `  ${client} produce --brokers ${brokers('us-east')} --topic orders-demo            # us-east: type lines, Ctrl-D ends`,
    `  ${client} consume --brokers ${brokers('eu-west')} --topic orders-demo            # eu-west: they arrive here`,
    `  ${client} consume --brokers ${brokers('us-east')} --topic orders-demo --group billing   # a group in us-east`,
    `  ./geomesh translate --topology ${shown}/mesh.yaml${tlsFlags} --group billing --from us-east --to eu-west`,
    ...(pki
      ? [
          `  ./geomesh failover --topology ${shown}/mesh.yaml${tlsFlags} --from us-east --to eu-west --group billing --dry-run`,
          `  (the nodes serve mutual TLS with certificates of ${shown}/tls/; --plaintext runs them without)`,
        ]
      : [
          '  (plaintext gRPC: anyone who reaches the nodes is trusted, and failover is refused; drop --plaintext for mutual TLS)',
        ]),
    '',
    `Ctrl-C stops everything and removes ${shown}/.`,
  ].join('\n'),
);

// The harness ends every process it started and removes the folder on SIGINT and SIGTERM; on a stop from
// elsewhere (the servers failing) this does the same.
await Promise.race(nodes.map((n) => n.exited));
log('a node stopped; stopping everything');
for (const node of nodes) log(`${node.name} log tail:\n${node.logTail(15)}`);
await Promise.all(nodes.map((n) => n.stop(5_000)));
await env.stop();
rmSync(dir, { recursive: true, force: true });
process.exitCode = 1;
