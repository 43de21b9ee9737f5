/**
 * Carrying out one fault of the schedule on a WanMesh: start it, hold it for its length, end it, and wait
 * for what was stopped to be back (a node ready again, a broker or etcd started). Returns what it saw.
 */
import type { WanMesh } from '../../test/support/wan-mesh.ts';
import type { Fault } from './schedule.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface FaultOutcome {
  /** ms from the end of the fault until what it stopped was back (a restart), 0 when nothing was stopped. */
  recoveryMs: number;
  /** Anything unusual: an instance that had exited on its own, a restart that failed. */
  notes: string[];
}

/** The WAN proxies of `regions` (their Kafka listeners and their nodes' gRPC). */
function proxiesOf(mesh: WanMesh, regions: readonly string[]) {
  return regions.flatMap((r) => [mesh.env.wan(r), mesh.peerProxy(r)]);
}

export async function runFault(mesh: WanMesh, fault: Fault): Promise<FaultOutcome> {
  const notes: string[] = [];
  let recover: () => Promise<void> = () => Promise.resolve();
  switch (fault.kind) {
    case 'kill-node': {
      const [instance] = fault.targets as [string];
      if (!(await mesh.signal(instance, 'SIGKILL'))) notes.push(`${instance} had exited before the kill`);
      await sleep(fault.lengthMs);
      recover = async () => {
        mesh.startNode(instance);
        await mesh.waitReady(instance);
      };
      break;
    }
    case 'pause-node': {
      const [instance] = fault.targets as [string];
      if (!(await mesh.signal(instance, 'SIGSTOP'))) notes.push(`${instance} had exited before the stop`);
      await sleep(fault.lengthMs);
      await mesh.signal(instance, 'SIGCONT');
      break;
    }
    case 'restart-broker': {
      const cluster = mesh.env.cluster(fault.targets[0]!);
      await cluster.kill();
      await sleep(fault.lengthMs);
      recover = () => cluster.restart();
      break;
    }
    case 'partition':
    case 'blackhole': {
      const proxies = proxiesOf(mesh, fault.targets);
      for (const proxy of proxies) {
        if (fault.kind === 'partition') proxy.cut();
        else proxy.blackhole();
      }
      await sleep(fault.lengthMs);
      for (const proxy of proxies) proxy.heal();
      break;
    }
    case 'restart-etcd': {
      const etcd = mesh.env.etcd!;
      await etcd.kill();
      await sleep(fault.lengthMs);
      recover = () => etcd.restart();
      break;
    }
  }
  const endedAt = Date.now();
  try {
    await recover();
  } catch (err) {
    notes.push(`recovery failed: ${(err as Error).message}`);
  }
  return { recoveryMs: Date.now() - endedAt, notes };
}

/**
 * Ends every fault that may still hold (after an interrupted run): every proxy healed, every instance
 * continued, and started again when it is not running.
 */
export async function healAll(mesh: WanMesh): Promise<void> {
  for (const proxy of proxiesOf(mesh, mesh.options.regions)) proxy.heal();
  for (const instance of mesh.instances) {
    if (mesh.isRunning(instance)) await mesh.signal(instance, 'SIGCONT');
    else {
      mesh.startNode(instance);
      await mesh.waitReady(instance);
    }
  }
}
