/**
 * A separate process that grants a lease, waits `<waitMs>`, revokes it and stops its coordinator, then prints
 * `stopped` and has nothing left to do: it must exit on its own. Arguments: <etcd endpoint> <mesh> <ttlMs>
 * <waitMs>. Whatever still holds the process a second later is printed as `held <resources>`.
 */
import { EtcdCoordinator } from '../../../node/coordination/index.ts';
import { silentLogger } from '../../../node/log/index.ts';

const [endpoint, mesh, ttlMs, waitMs] = process.argv.slice(2);
const coordinator = new EtcdCoordinator({ endpoints: [endpoint!], mesh: mesh!, logger: silentLogger() });
await coordinator.start(AbortSignal.timeout(20_000));
const lease = await coordinator.grantLease({ ttlMs: Number(ttlMs) });
await new Promise((r) => setTimeout(r, Number(waitMs)));
await lease.revoke();
await coordinator.stop();
process.stdout.write('stopped\n');
setTimeout(() => process.stdout.write(`held ${process.getActiveResourcesInfo().join(',')}\n`), 1_000).unref();
