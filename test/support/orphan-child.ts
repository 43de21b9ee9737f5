/** Starts an etcd through the harness, prints its pid and folder as JSON, then waits to be killed. */
import { LocalEtcd } from '../harness/index.ts';

const etcd = await LocalEtcd.start({ name: 'orphan' });
console.log(JSON.stringify({ pid: etcd.pid, dir: etcd.dir }));
setInterval(() => {}, 1_000);
