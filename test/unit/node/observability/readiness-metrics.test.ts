import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpServer, Registry, createRegionStateMetrics } from '../../../../node/observability/index.ts';

/** The sample lines of `name` in the registry's Prometheus text. */
async function samples(registry: Registry, name: string): Promise<string[]> {
  const text = await registry.metrics();
  return text.split('\n').filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`));
}

describe('geomesh_node_ready', () => {
  it('follows what /readyz would answer, at each scrape', async () => {
    const registry = new Registry();
    let reasons: string[] = ['link a → b starting'];
    new HttpServer({ host: '127.0.0.1', port: 0, registry, notReady: () => reasons });
    assert.deepEqual(await samples(registry, 'geomesh_node_ready'), ['geomesh_node_ready 0']);
    reasons = [];
    assert.deepEqual(await samples(registry, 'geomesh_node_ready'), ['geomesh_node_ready 1']);
  });

  it('a server built again on the same registry takes the gauge over', async () => {
    const registry = new Registry();
    new HttpServer({ host: '127.0.0.1', port: 0, registry, notReady: () => ['old'] });
    new HttpServer({ host: '127.0.0.1', port: 0, registry, notReady: () => [] });
    assert.deepEqual(await samples(registry, 'geomesh_node_ready'), ['geomesh_node_ready 1']);
  });
});

describe('geomesh_region_state', () => {
  it('shows the last read of etcd without waiting for it, and nothing while etcd cannot be read', async () => {
    const registry = new Registry();
    let states: () => Promise<{ region: string; state: string }[]> = () =>
      Promise.resolve([{ region: 'us-east', state: 'failed-over' }]);
    const { settled } = createRegionStateMetrics(registry, () => states());
    await settled();
    assert.deepEqual(await samples(registry, 'geomesh_region_state'), [
      'geomesh_region_state{region="us-east",state="failed-over"} 1',
    ]);
    // A read that never answers holds no scrape up: the scrape shows the last answer.
    states = () => new Promise(() => {});
    assert.deepEqual(await samples(registry, 'geomesh_region_state'), [
      'geomesh_region_state{region="us-east",state="failed-over"} 1',
    ]);
  });

  it('is empty once a read fails', async () => {
    const registry = new Registry();
    const { settled } = createRegionStateMetrics(registry, () =>
      Promise.reject(new Error('etcd unreachable')),
    );
    await settled();
    assert.deepEqual(await samples(registry, 'geomesh_region_state'), []);
  });
});

describe('/metrics', () => {
  it("serves the node's families and the process's own (memory, GC pauses, event-loop delay), once each", async () => {
    const scrape = async (): Promise<string> => {
      const registry = new Registry();
      const server = new HttpServer({ host: '127.0.0.1', port: 0, registry, notReady: () => [] });
      await server.start();
      try {
        return await (await fetch(`http://${server.address}/metrics`)).text();
      } finally {
        await server.stop();
      }
    };
    // A second server of the same process (a node restarted for a new topology) serves the same process metrics.
    for (const text of [await scrape(), await scrape()]) {
      const names = text.split('\n').flatMap((line) => /^# TYPE (\S+)/.exec(line)?.[1] ?? []);
      for (const name of [
        'geomesh_node_ready',
        'process_resident_memory_bytes',
        'process_cpu_seconds_total',
        'nodejs_heap_size_used_bytes',
        'nodejs_gc_duration_seconds',
        'nodejs_eventloop_lag_p99_seconds',
      ])
        assert.equal(names.filter((n) => n === name).length, 1, `${name} once in /metrics`);
    }
  });
});
