import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { GeomeshError } from '../../../../base/index.ts';
import type { LinkObserver } from '../../../../node/replication/index.ts';
import {
  decodeAckedRun,
  decodeMainMessage,
  decodeWorkerMessage,
  encodeAckedRun,
  MAX_LATENCIES_PER_MESSAGE,
  ObserverRecorder,
  replayObserved,
} from '../../../../node/workers/index.ts';

const origin = fc.record({
  region: fc.constantFrom('eu-west', 'us-east', 'ap-south', 'é-ü'),
  offset: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
});

describe('acked run codec', () => {
  it('gives back the run it was given, through a structured clone', () => {
    fc.assert(
      fc.property(fc.array(origin, { maxLength: 300 }), fc.nat(), (generated, baseOffset) => {
        const origins = generated.map((o) => ({ ...o }));
        const message = structuredClone(encodeAckedRun('orders', 3, baseOffset, origins));
        const run = decodeAckedRun(message);
        assert.deepEqual(
          { topic: run.topic, partition: run.partition, baseOffset: run.baseOffset },
          { topic: 'orders', partition: 3, baseOffset },
        );
        assert.equal(run.origins.length, origins.length);
        assert.deepEqual(
          Array.from({ length: run.origins.length }, (_, i) => ({
            region: run.origins.region(i),
            offset: run.origins.offset(i),
          })),
          origins,
        );
        // Each region's highest offset, as the main thread advances its marks.
        const highest = new Map<string, number>();
        for (const o of origins) highest.set(o.region, Math.max(o.offset, highest.get(o.region) ?? -1));
        assert.deepEqual(run.origins.highest(), highest);
      }),
    );
  });

  it('names each region once and carries no object per record', () => {
    const origins = Array.from({ length: 500 }, (_, i) => ({ region: i % 2 ? 'a' : 'b', offset: i }));
    const message = encodeAckedRun('t', 0, 10, origins);
    assert.deepEqual(message.regions, ['b', 'a']);
    assert.ok(message.regionOf instanceof Uint16Array && message.offsets instanceof Float64Array);
  });

  it('refuses a run whose arrays disagree or that names a region it does not list', () => {
    const message = encodeAckedRun('t', 0, 0, [{ region: 'a', offset: 1 }]);
    assert.throws(
      () => decodeAckedRun({ ...message, offsets: new Float64Array(2) }),
      (err: unknown) => err instanceof GeomeshError && err.code === 'GEOMESH_INTERNAL_INVARIANT',
    );
    assert.throws(() => decodeAckedRun({ ...message, regions: [] }), /region id 0 of 0/);
  });
});

describe('message kinds', () => {
  it('accepts the kinds of its direction and refuses others, naming what came', () => {
    assert.equal(decodeWorkerMessage({ v: 1, kind: 'stopped' }).kind, 'stopped');
    assert.equal(decodeMainMessage({ v: 1, kind: 'stop' }).kind, 'stop');
    assert.throws(() => decodeWorkerMessage({ v: 1, kind: 'stop' }), /kind stop/);
    assert.throws(() => decodeMainMessage({ v: 1, kind: 'stopped' }), /kind stopped/);
    assert.throws(() => decodeWorkerMessage({ v: 2, kind: 'stopped' }), /v 2/);
    assert.throws(() => decodeWorkerMessage(null), /same geomesh/);
  });
});

/** An observer that logs every call as a line. */
function loggingObserver(lines: string[], from: string): LinkObserver {
  return {
    written: (w) =>
      lines.push(
        `${from} written ${w.topic}/${w.partition} ${w.records} ${w.bytes} [${w.latenciesMs.join(',')}]` +
          (w.heldMs === undefined ? '' : ` held [${w.heldMs.join(',')}]`),
      ),
    dropped: (reason, n) => lines.push(`${from} dropped ${reason} ${n}`),
    forged: (n) => lines.push(`${from} forged ${n}`),
    lag: (t, p, n) => lines.push(`${from} lag ${t}/${p} ${n}`),
    tooLarge: (t) => lines.push(`${from} tooLarge ${t}`),
    halted: (t, p) => lines.push(`${from} halted ${t}/${p}`),
    truncated: (t, p, n) => lines.push(`${from} truncated ${t}/${p} ${n}`),
    unknownKey: (n) => lines.push(`${from} unknownKey ${n}`),
  };
}

describe('ObserverRecorder', () => {
  it('sums counters, keeps the last gauge and every event, and replays them per link', () => {
    const recorder = new ObserverRecorder();
    const a = recorder.observer('a');
    const b = recorder.observer('b');
    assert.equal(recorder.take(), undefined);
    a.written({ topic: 't', partition: 0, records: 2, bytes: 20, latenciesMs: [5, 6], heldMs: [3] });
    a.written({ topic: 't', partition: 1, records: 1, bytes: 10, latenciesMs: [7] });
    a.written({ topic: 't', partition: 1, records: 0, bytes: 0, latenciesMs: [], heldMs: [4] });
    a.dropped('duplicate', 3);
    a.dropped('duplicate', 4);
    b.dropped('loop', 1);
    a.lag('t', 0, 9);
    a.lag('t', 0, 2);
    a.tooLarge('t');
    a.tooLarge('t');
    b.halted('t', 1);
    b.truncated('t', 1, 0);
    a.forged(2);
    a.unknownKey!(1);
    const message = structuredClone(recorder.take()!);
    assert.equal(recorder.take(), undefined, 'taken once');
    const lines: string[] = [];
    replayObserved(message, (from) => (from === 'c' ? undefined : loggingObserver(lines, from)));
    assert.deepEqual(lines, [
      'a written t/1 3 30 [5,6,7] held [3,4]',
      'a dropped duplicate 7',
      'b dropped loop 1',
      'a tooLarge t',
      'a tooLarge t',
      'a forged 2',
      'a unknownKey 1',
      'a lag t/0 2',
      'b halted t/1',
      'b truncated t/1 0',
    ]);
  });

  it('keeps at most MAX_LATENCIES_PER_MESSAGE latencies per topic, the newest last', () => {
    const recorder = new ObserverRecorder();
    const a = recorder.observer('a');
    for (let i = 0; i < 3; i++)
      a.written({
        topic: 't',
        partition: 0,
        records: 700,
        bytes: 1,
        latenciesMs: Array.from({ length: 700 }, (_, j) => i * 1000 + j),
      });
    const [written] = recorder.take()!.written;
    assert.equal(written!.records, 2100);
    assert.equal(written!.latenciesMs.length, MAX_LATENCIES_PER_MESSAGE);
    assert.equal(written!.latenciesMs.at(-1), 2699);
  });
});
