import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  OriginIndex,
  decodeIndexRecordV1,
  encodeIndexRecordV1,
  indexTopicName,
  type IndexRecord,
} from '../../../../node/translation/index.ts';

const fixtures: [IndexRecord, string, string | null][] = [
  [
    {
      kind: 'run',
      topic: 'orders.eu',
      partition: 3,
      run: { targetStart: 120, length: 7, origin: 'us-east', originStart: 4000 },
    },
    'r1|orders.eu|3|120',
    '{"l":7,"o":"us-east","s":4000}',
  ],
  [{ kind: 'run-deleted', topic: 'orders.eu', partition: 3, targetStart: 120 }, 'r1|orders.eu|3|120', null],
  [
    { kind: 'head', topic: 'orders.eu', partition: 3, through: 9007199254740000 },
    'h1|orders.eu|3',
    '{"t":9007199254740000}',
  ],
  [
    {
      kind: 'checkpoint',
      checkpoint: {
        region: 'eu-west',
        group: 'billing|v2',
        computedAtMs: 1764000000000,
        partitions: [
          { topic: 't', partition: 0, committedOffset: 10, frontier: [{ region: 'a', offset: 4 }] },
        ],
      },
    },
    'c1|eu-west|billing|v2',
    '{"at":1764000000000,"p":[["t",0,10,[["a",4]]]]}',
  ],
  [{ kind: 'checkpoint-deleted', region: 'eu-west', group: 'g' }, 'c1|eu-west|g', null],
];

describe('index topic codec v1', () => {
  it('encodes to the documented bytes and decodes back', () => {
    for (const [record, key, value] of fixtures) {
      assert.deepEqual(encodeIndexRecordV1(record), { key, value });
      assert.deepEqual(decodeIndexRecordV1(key, value), record);
    }
    assert.equal(indexTopicName('orders'), 'geomesh.orders.index');
  });

  it('skips unknown versions and malformed values instead of failing', () => {
    assert.equal(decodeIndexRecordV1('r2|t|0|1', '{}'), undefined);
    assert.equal(decodeIndexRecordV1('r1|t|0|1', '{"l":0,"o":"a","s":1}'), undefined);
    assert.equal(decodeIndexRecordV1('r1|t|x|1', '{"l":1,"o":"a","s":1}'), undefined);
    assert.equal(decodeIndexRecordV1('h1|t|0', 'not json'), undefined);
    assert.equal(decodeIndexRecordV1('c1|r|g', '{"at":1,"p":[["t",0]]}'), undefined);
  });
});

describe('OriginIndex', () => {
  it('turns writes into runs and heads to persist, and reloads them to the same answers', () => {
    const index = new OriginIndex();
    index.noteWritten('t', 0, 0, [
      { region: 'a', offset: 10 },
      { region: 'a', offset: 11 },
      { region: 'b', offset: 0 },
    ]);
    index.noteWritten('t', 0, 5, [{ region: 'a', offset: 12 }]);
    const dirty = index.takeDirty();
    assert.deepEqual(
      dirty.map((r) => encodeIndexRecordV1(r).key),
      ['r1|t|0|0', 'r1|t|0|2', 'r1|t|0|5', 'h1|t|0'],
    );
    assert.deepEqual(index.takeDirty(), []);
    const reloaded = new OriginIndex();
    for (const r of dirty) {
      const { key, value } = encodeIndexRecordV1(r);
      assert.ok(reloaded.apply(decodeIndexRecordV1(key, value)!));
    }
    assert.deepEqual(reloaded.get('t', 0)!.runs(), index.get('t', 0)!.runs());
    assert.equal(reloaded.get('t', 0)!.through, 6);
    assert.equal(reloaded.runCount, 3);
  });
});
