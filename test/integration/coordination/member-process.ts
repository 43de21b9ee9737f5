/**
 * A separate process that registers one member and then waits to be killed: lets a test kill -9 a real
 * client. Arguments: <etcd endpoint> <mesh> <region> <id> <ttlMs>. Prints `registered <leaseId>` when done.
 */
import { EtcdCoordinator } from '../../../node/coordination/index.ts';
import { silentLogger } from '../../../node/log/index.ts';

const [endpoint, mesh, region, id, ttlMs] = process.argv.slice(2);
const coordinator = new EtcdCoordinator({ endpoints: [endpoint!], mesh: mesh!, logger: silentLogger() });
await coordinator.start(AbortSignal.timeout(10_000));
const registration = await coordinator.register(
  { region: region!, id: id!, address: '127.0.0.1:1', version: 'test', startedAt: new Date().toISOString() },
  { ttlMs: Number(ttlMs) },
);
process.stdout.write(`registered ${registration.lease.id}\n`);
setInterval(() => undefined, 60_000);
