/**
 * Runs one RegionNode from a JSON spec in argv[2] until SIGTERM (then stops it cleanly) or SIGKILL.
 * Lets end-to-end tests kill -9 a real node process. Prints "ready" once the links run.
 */
import { createLogger } from '../../node/log/index.ts';
import { RegionNode } from '../../node/region/index.ts';
import { compileLink } from '../../node/config/index.ts';
import { E2E_WORKERS } from './e2e-workers.ts';

interface Spec {
  mesh: string;
  region: string;
  keyHex: string;
  clusters: Record<string, { brokers: string[] }>;
  inbound: { from: string; topics: string[]; origins: string[] }[];
  /** Worker threads of the node; default GEOMESH_E2E_WORKERS (1). */
  workers?: number;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as Spec;
const node = new RegionNode({
  mesh: spec.mesh,
  region: spec.region,
  provenanceKey: Buffer.from(spec.keyHex, 'hex'),
  clusters: spec.clusters,
  inbound: spec.inbound.map((l) =>
    compileLink({ from: l.from, topics: l.topics, forwardsOrigin: (o: string) => l.origins.includes(o) }),
  ),
  logger: createLogger({ level: process.env['GEOMESH_LOG_LEVEL'] ?? 'warn', destination: process.stderr }),
  workers: spec.workers ?? E2E_WORKERS,
});
process.once('SIGTERM', () => {
  void node.stop().then(() => process.exit(0));
});
await node.start();
// The start report tells tests how much of the target logs the start had to read.
console.log(`ready ${JSON.stringify(node.startReport)}`);
