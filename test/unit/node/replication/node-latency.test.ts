/**
 * The node's part of a record's latency (geomesh_node_latency_seconds): a write tells its observer how long
 * the node held its records, from when the source had the batch in hand (SourceBatch.receivedAtMs) to the
 * target's acknowledgement; end-to-end latency counts from the record's timestamp.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LinkObserver } from '../../../../node/replication/index.ts';
import { TOPIC, linkWith, recordAt } from '../../../support/fake-link.ts';

type Written = Parameters<LinkObserver['written']>[0];

async function observedLink() {
  const written: Written[] = [];
  return { ...(await linkWith({ written: (w) => written.push(w) })), written };
}

describe("the node's part of latency", () => {
  it('is measured from when the batch was in hand to the acknowledgement, not from the timestamp', async () => {
    const { link, source, sink, written } = await observedLink();
    // Records stamped 300 ms ago, in hand for 100 ms, then a target that takes 50 ms to acknowledge.
    const records = [0, 1, 2].map((o) => ({ ...recordAt(o), timestamp: String(Date.now() - 300) }));
    let open!: () => void;
    sink.gate = new Promise<void>((resolve) => (open = resolve));
    setTimeout(open, 50);
    const outcome = await source.onBatch!({
      topic: TOPIC,
      partition: 0,
      records,
      highWatermark: 3,
      receivedAtMs: Date.now() - 100,
    });
    assert.equal(outcome.kind, 'done');
    assert.equal(written.length, 1);
    const [w] = written;
    assert.equal(w!.heldMs?.length, 1, 'one held time per write');
    const held = w!.heldMs[0]!;
    assert.ok(held >= 145 && held < 300, `held ${held} ms: the 100 ms in hand and the 50 ms write`);
    for (const latency of w!.latenciesMs) assert.ok(latency >= held + 190, `end to end ${latency} ms`);
    await link.stop();
  });

  it('is not told when the source did not say when it had the batch', async () => {
    const { link, source, written } = await observedLink();
    await source.onBatch!({ topic: TOPIC, partition: 0, records: [recordAt(0)], highWatermark: 1 });
    assert.equal(written.length, 1);
    assert.equal(written[0]!.heldMs, undefined);
    await link.stop();
  });
});
