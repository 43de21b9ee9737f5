/** The per-link gauges read at scrape time: source silence and in-flight bytes, for the links running now. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry, createReplicationMetrics } from '../../../../node/observability/index.ts';
import { metricSum } from '../../../support/polling.ts';

describe('replication metrics read from the links', () => {
  it('report each link’s source silence in seconds and its in-flight bytes, and forget links that are gone', async () => {
    const registry = new Registry();
    let links = [
      { from: 'a', to: 'c', ms: 21_500, bytes: 524_288 },
      { from: 'b', to: 'c', ms: 100, bytes: 0 },
    ];
    createReplicationMetrics(registry, {
      sourceSilences: () => links.map((l) => ({ from: l.from, to: l.to, ms: l.ms })),
      inflightBytes: () => links.map((l) => ({ from: l.from, to: l.to, bytes: l.bytes })),
    });
    let text = await registry.metrics();
    assert.equal(metricSum(text, 'geomesh_link_source_silence_seconds', 'from="a"'), 21.5);
    assert.equal(metricSum(text, 'geomesh_link_source_silence_seconds', 'from="b"'), 0.1);
    assert.equal(metricSum(text, 'geomesh_link_inflight_bytes', 'from="a"'), 524_288);
    links = [links[1]!];
    text = await registry.metrics();
    assert.doesNotMatch(text, /geomesh_link_source_silence_seconds\{from="a"/);
    assert.doesNotMatch(text, /geomesh_link_inflight_bytes\{from="a"/);
  });
});
