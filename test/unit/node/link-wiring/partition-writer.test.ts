import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isGeomeshError } from '../../../../base/index.ts';
import { PartitionWriter } from '../../../../node/link-wiring/index.ts';
import { RecordSet, type RecordSink, type SinkRecord } from '../../../../node/replication/index.ts';

const record = (value: string): SinkRecord => ({
  timestamp: '1',
  key: null,
  value: Buffer.from(value),
  headers: {},
});

/** A sink whose writes end when the test says, remembering the order they began in. */
class ManualSink implements RecordSink {
  readonly began: string[] = [];
  readonly #pending: { resolve: () => void; reject: (e: Error) => void }[] = [];
  write(_topic: string, _partition: number, records: RecordSet): Promise<{ baseOffset: number }> {
    this.began.push([...records].map((r) => r.value!.toString()).join(','));
    return new Promise((resolve, reject) =>
      this.#pending.push({ resolve: () => resolve({ baseOffset: 0 }), reject }),
    );
  }
  /** Ends the oldest write still running. */
  finish(error?: Error): void {
    const next = this.#pending.shift()!;
    if (error) next.reject(error);
    else next.resolve();
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }
}

function writer(state: { mayWrite: boolean; through: number }) {
  const unsure: [string, number, number][] = [];
  let fenced = 0;
  const w = new PartitionWriter({
    mayWrite: () => state.mayWrite,
    through: () => state.through,
    onUnsure: (t, p, through) => unsure.push([t, p, through]),
    onFenced: () => fenced++,
  });
  return { w, unsure, fenced: () => fenced };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('PartitionWriter', () => {
  it('serializes writes into one partition across sinks; other partitions go on', async () => {
    const { w } = writer({ mayWrite: true, through: 0 });
    const sinkA = new ManualSink();
    const sinkB = new ManualSink();
    const a = w.serialized(sinkA);
    const b = w.serialized(sinkB);
    const first = a.write('t', 0, RecordSet.of([record('a1')]));
    const second = b.write('t', 0, RecordSet.of([record('b1')]));
    const other = b.write('t', 1, RecordSet.of([record('b-other')]));
    await tick();
    assert.deepEqual(sinkA.began, ['a1']);
    assert.deepEqual(sinkB.began, ['b-other'], "b's write into t/0 waits for a's");
    sinkA.finish();
    await first;
    await tick();
    assert.deepEqual(sinkB.began, ['b-other', 'b1']);
    sinkB.finish();
    sinkB.finish();
    await Promise.all([second, other]);
  });

  it('fences right before the records leave: a write queued behind another is refused if ownership went meanwhile', async () => {
    const state = { mayWrite: true, through: 0 };
    const { w, fenced } = writer(state);
    const sink = new ManualSink();
    const s = w.serialized(sink);
    const first = s.write('t', 0, RecordSet.of([record('1')]));
    const queued = s.write('t', 0, RecordSet.of([record('2')]));
    await tick();
    state.mayWrite = false;
    sink.finish();
    await first;
    await assert.rejects(queued, (err: unknown) => isGeomeshError(err, 'GEOMESH_REPLICATION_NOT_OWNER'));
    assert.deepEqual(sink.began, ['1'], 'the refused records never reached the sink');
    assert.equal(fenced(), 1);
  });

  it("a failed write marks its partition unsure from the index's through before it", async () => {
    const state = { mayWrite: true, through: 40 };
    const { w, unsure } = writer(state);
    const sink = new ManualSink();
    const s = w.serialized(sink);
    const failing = s.write('t', 3, RecordSet.of([record('x')]));
    state.through = 45;
    await tick();
    sink.finish(new Error('timeout'));
    await assert.rejects(failing, /timeout/);
    assert.deepEqual(unsure, [['t', 3, 40]]);
  });

  it('settled() waits for the writes queued into the given partitions, whatever their outcome', async () => {
    const { w } = writer({ mayWrite: true, through: 0 });
    const sink = new ManualSink();
    const s = w.serialized(sink);
    void s.write('t', 0, RecordSet.of([record('1')])).catch(() => undefined);
    let isSettled = false;
    const settled = w.settled([{ topic: 't', partition: 0 }]).then(() => (isSettled = true));
    await tick();
    assert.equal(isSettled, false);
    sink.finish(new Error('lost'));
    await settled;
    assert.equal(isSettled, true);
    await w.settled([{ topic: 'none', partition: 9 }]);
  });
});
