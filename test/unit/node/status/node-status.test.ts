import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  RateTracker,
  buildNodeStatus,
  sampleLinkRates,
  type LinkSnapshot,
  type NodeSnapshot,
} from '../../../../node/status/index.ts';

function link(
  from: string,
  written: number,
  lag: Record<string, number>,
  halted: Record<string, string> = {},
) {
  return {
    from,
    to: 'eu-west',
    state: 'running',
    stats: {
      recordsWritten: written,
      lagRecords: new Map(Object.entries(lag)),
      halted: new Map(Object.entries(halted)),
    },
    coverage: { reported: [] },
  } satisfies LinkSnapshot;
}

function snapshot(links: LinkSnapshot[], overrides: Partial<NodeSnapshot> = {}): NodeSnapshot {
  return {
    mesh: 'orders',
    region: 'eu-west',
    instance: 'host-1',
    state: 'running',
    version: '0.1.0',
    startedAtMs: 1_000,
    grpcAddress: '127.0.0.1:7101',
    httpAddress: '127.0.0.1:9464',
    registration: 'registered',
    links,
    lastCheckpointMs: 0,
    indexRuns: 3,
    peers: [],
    ...overrides,
  };
}

describe('buildNodeStatus', () => {
  it('sums lag over partitions, takes rates from the sampled counters, sorts links by source', () => {
    const rates = new RateTracker();
    const us = link('us-east', 1_000, { 'orders/0': 5, 'orders/1': 7, 'clicks/0': 0 });
    const ap = link('ap-south', 40, {});
    sampleLinkRates([us, ap], rates, 10_000);
    const later = [
      link('us-east', 3_500, { 'orders/0': 5, 'orders/1': 7, 'clicks/0': 0 }),
      link('ap-south', 40, {}),
    ];
    sampleLinkRates(later, rates, 15_000);
    const status = buildNodeStatus(snapshot(later), rates, 16_000);
    assert.deepEqual(
      status.links.map((l) => [
        l.fromRegion,
        l.toRegion,
        l.state,
        l.lagRecords,
        l.recordsPerSecond,
        l.recordsWritten,
      ]),
      [
        ['ap-south', 'eu-west', 'running', 0, 0, 40],
        ['us-east', 'eu-west', 'running', 12, 500, 3_500],
      ],
    );
    assert.equal(status.reportedAtMs, 16_000);
    assert.equal(status.indexRuns, 3);
  });

  it('shows a running link whose source stopped answering as stalled, and only a running one', () => {
    const stalled = { ...link('us-east', 10, {}), isStalled: true } satisfies LinkSnapshot;
    const stopping = {
      ...link('ap-south', 10, {}),
      state: 'stopping',
      isStalled: true,
    } satisfies LinkSnapshot;
    const status = buildNodeStatus(
      snapshot([stalled, stopping, link('sa-east', 1, {})]),
      new RateTracker(),
      1,
    );
    assert.deepEqual(
      status.links.map((l) => [l.fromRegion, l.state]),
      [
        ['ap-south', 'stopping'],
        ['sa-east', 'running'],
        ['us-east', 'stalled'],
      ],
    );
  });

  it('lists halted partitions by topic and partition with their reasons', () => {
    const halted = link(
      'us-east',
      0,
      {},
      {
        'orders/10': 'too large',
        'orders/2': 'truncated',
        'a.b-c/0': 'truncated',
      },
    );
    const status = buildNodeStatus(snapshot([halted]), new RateTracker(), 0);
    assert.deepEqual(status.links[0]?.halted, [
      { topic: 'a.b-c', partition: 0, reason: 'truncated' },
      { topic: 'orders', partition: 2, reason: 'truncated' },
      { topic: 'orders', partition: 10, reason: 'too large' },
    ]);
  });

  it("reports each link's path, switches and WAN bytes per written byte from its traffic", () => {
    const streaming = { ...link('us-east', 10, {}), path: 'stream' };
    const traffic = new Map([['us-east', { pathSwitches: 3, wanBytes: 2_500, writtenBytes: 10_000 }]]);
    const status = buildNodeStatus(
      snapshot([streaming, link('ap-south', 0, {})], { linkTraffic: (from) => traffic.get(from) }),
      new RateTracker(),
      0,
    );
    assert.deepEqual(
      status.links.map((l) => [
        l.fromRegion,
        l.path,
        l.pathSwitches,
        l.wanBytes,
        l.writtenBytes,
        l.wanBytesPerWrittenByte,
      ]),
      [
        ['ap-south', 'pull', 0, 0, 0, -1],
        ['us-east', 'stream', 3, 2_500, 10_000, 0.25],
      ],
    );
    const uncounted = buildNodeStatus(snapshot([streaming]), new RateTracker(), 0).links[0]!;
    assert.deepEqual(
      [uncounted.pathSwitches, uncounted.wanBytesPerWrittenByte],
      [0, -1],
      'no traffic counted',
    );
  });

  it('reports the checkpoint age, or -1 before the first checkpoint', () => {
    const rates = new RateTracker();
    assert.equal(buildNodeStatus(snapshot([]), rates, 50_000).lastCheckpointAgeMs, -1);
    assert.equal(
      buildNodeStatus(snapshot([], { lastCheckpointMs: 47_500 }), rates, 50_000).lastCheckpointAgeMs,
      2_500,
    );
  });

  it('forgets the rate of a link that went away', () => {
    const rates = new RateTracker();
    sampleLinkRates([link('us-east', 0, {})], rates, 0);
    sampleLinkRates([link('us-east', 100, {})], rates, 1_000);
    sampleLinkRates([], rates, 2_000);
    sampleLinkRates([link('us-east', 100, {})], rates, 3_000);
    assert.equal(
      buildNodeStatus(snapshot([link('us-east', 100, {})]), rates, 3_000).links[0]?.recordsPerSecond,
      0,
    );
  });
});
