/**
 * One read fanned out to every requesting region: a three-region full mesh whose every cross-region
 * connection goes through a WAN proxy (test/support/wan-mesh.ts), its links on `transport: stream`. b and c
 * both stream a's topic from a's node; a's node must read each partition of its cluster once for both
 * (geomesh_stream_read_records_total against the records read for each stream,
 * geomesh_stream_served_records_total), and every region must hold every record of every origin exactly
 * once, in order per origin. b's own report (GetStatus, /status.json) shows its link from a streaming, with
 * its WAN bytes per written byte.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { metricSum } from '../support/polling.ts';
import { startStreamMesh, waitLinkPath, writeAndAudit } from '../support/stream-mesh.ts';
import type { WanMesh } from '../support/wan-mesh.ts';

const REGIONS = ['a', 'b', 'c'] as const;
const KEY = randomBytes(32).toString('hex');
/** Records each region writes, 1 KiB values. */
const RECORDS = 2_000;
const VALUE_BYTES = 1_024;
const CONVERGE_MS = 120_000;

describe('record streams from one region to two share one read', () => {
  let mesh: WanMesh;

  before(async () => {
    mesh = await startStreamMesh({
      mesh: 'fanout',
      regions: REGIONS,
      topics: ['fo-shared'],
      topicPattern: 'fo-.*',
      key: KEY,
    });
  });

  after(async () => {
    await mesh?.stop();
  });

  it("reads a's partitions once for b's and c's streams, and both get every record exactly once", async () => {
    for (const to of ['b', 'c']) await waitLinkPath(mesh, to, 'a', 'stream');
    const round = { regions: REGIONS, records: RECORDS, valueBytes: VALUE_BYTES, convergeMs: CONVERGE_MS };
    await writeAndAudit(mesh, 'fo-shared', round);
    const text = await mesh.metrics('a');
    const shared = metricSum(text, 'geomesh_stream_read_records_total', 'read="shared"');
    const own = metricSum(text, 'geomesh_stream_read_records_total', 'read="own"');
    const servedB = metricSum(text, 'geomesh_stream_served_records_total', 'to="b"');
    const servedC = metricSum(text, 'geomesh_stream_served_records_total', 'to="c"');
    const sentB = metricSum(text, 'geomesh_stream_sent_records_total', 'to="b"');
    const sentC = metricSum(text, 'geomesh_stream_sent_records_total', 'to="c"');
    console.log(
      `[record-stream-fanout] a's node read ${shared} records shared + ${own} on streams' own reads; ` +
        `read for b ${servedB} (sent ${sentB}), for c ${servedC} (sent ${sentC}); ` +
        `read per record served ${((shared + own) / (servedB + servedC)).toFixed(3)}`,
    );
    // a's partitions hold a's records and the replicas of b's and c's: each stream reads all of them.
    assert.ok(servedB >= 3 * RECORDS && servedC >= 3 * RECORDS, "each stream read all of a's partitions");
    // Read once for both: ~0.5 of what the two streams read (1.0 when each stream reads for itself).
    assert.ok(
      shared + own < 0.6 * (servedB + servedC),
      `a read ${shared + own} records for ${servedB + servedC} served: not shared`,
    );
    // Each stream sent a's own records, not the replicas of the others (b and c get those from each other).
    assert.ok(sentB >= RECORDS && sentB < 2 * RECORDS, `sent to b ${sentB}`);
    assert.ok(sentC >= RECORDS && sentC < 2 * RECORDS, `sent to c ${sentC}`);
    // b's status page and `geomesh status --json` read the same report: its link from a, streaming.
    const link = (await mesh.status('b')).links.find((l) => l.fromRegion === 'a');
    console.log(
      `[record-stream-fanout] b's link from a: path ${link?.path}, ${link?.pathSwitches} switches, ` +
        `${link?.wanBytes} WAN bytes for ${link?.writtenBytes} written (${link?.wanBytesPerWrittenByte.toFixed(3)})`,
    );
    assert.equal(link?.path, 'stream');
    assert.ok(link.writtenBytes >= RECORDS * VALUE_BYTES, `written ${link.writtenBytes}`);
    assert.equal(link.wanBytesPerWrittenByte, link.wanBytes / link.writtenBytes);
    assert.ok(
      link.wanBytes > 0 && link.wanBytesPerWrittenByte < 1,
      'compressed on the stream: fewer WAN bytes than written',
    );
  });
});
