import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DocumentStore, KeyValueEntry, PutOptions } from '../../../../node/coordination-ports/index.ts';
import { GeomeshError } from '../../../../base/index.ts';
import {
  RegionStateStore,
  decodeRegionStateV1,
  encodeRegionStateV1,
  nextOnFailbackFinish,
  nextOnFailbackStart,
  nextOnFailover,
  parseRegionStateKey,
  regionStateKey,
  type RegionStateMove,
  type RegionStateRecord,
} from '../../../../node/region-state/index.ts';

const NOW = '2026-01-01T00:00:00.000Z';
const LATER = '2026-01-01T01:00:00.000Z';
const move = (region: string, other: string, groups: string[], now = NOW): RegionStateMove => ({
  region,
  other,
  groups,
  now,
  newOperation: () => 'op-1',
});
const failedOver: RegionStateRecord = {
  state: 'failed-over',
  to: 'west',
  groups: ['billing'],
  since: NOW,
  operation: 'op-1',
};

describe('region state codec (v1)', () => {
  it('encodes to the documented bytes and decodes back', () => {
    const bytes = encodeRegionStateV1(failedOver);
    assert.equal(
      bytes.toString('utf8'),
      '{"v":1,"state":"failed-over","to":"west","groups":["billing"],"since":"2026-01-01T00:00:00.000Z","operation":"op-1"}',
    );
    assert.deepEqual(decodeRegionStateV1(bytes, 'k'), failedOver);
    const active: RegionStateRecord = { state: 'active', since: NOW };
    assert.equal(
      encodeRegionStateV1(active).toString(),
      '{"v":1,"state":"active","since":"2026-01-01T00:00:00.000Z"}',
    );
    assert.deepEqual(decodeRegionStateV1(encodeRegionStateV1(active)), active);
  });

  it('ignores unknown fields and sorts groups', () => {
    const value = Buffer.from(
      JSON.stringify({
        v: 1,
        state: 'failing-back',
        to: 'west',
        groups: ['b', 'a', 'b'],
        since: NOW,
        extra: 1,
      }),
    );
    assert.deepEqual(decodeRegionStateV1(value), {
      state: 'failing-back',
      to: 'west',
      groups: ['a', 'b'],
      since: NOW,
    });
  });

  it('rejects malformed documents with GEOMESH_COORD_CORRUPT naming the key and the problem', () => {
    const bad: [string, RegExp][] = [
      ['not json', /not JSON/],
      ['[1]', /not a JSON object/],
      [JSON.stringify({ v: 2, state: 'active', since: NOW }), /unsupported format version 2/],
      [JSON.stringify({ v: 1, state: 'gone', since: NOW }), /"state" is "gone"/],
      [JSON.stringify({ v: 1, state: 'active', since: 'yesterday' }), /"since"/],
      [JSON.stringify({ v: 1, state: 'active', since: NOW, operation: '' }), /"operation"/],
      [JSON.stringify({ v: 1, state: 'failed-over', groups: [], since: NOW }), /"to" is undefined/],
      [JSON.stringify({ v: 1, state: 'failed-over', to: 'West!', groups: [], since: NOW }), /"to"/],
      [JSON.stringify({ v: 1, state: 'failed-over', to: 'west', groups: [1], since: NOW }), /"groups"/],
      [JSON.stringify({ v: 1, state: 'active', to: 'west', since: NOW }), /active region has no/],
    ];
    for (const [value, message] of bad) {
      assert.throws(
        () => decodeRegionStateV1(Buffer.from(value), 'regions/east/state'),
        (err: unknown) =>
          err instanceof GeomeshError &&
          err.code === 'GEOMESH_COORD_CORRUPT' &&
          message.test(err.message) &&
          err.message.startsWith('region state regions/east/state:'),
        value,
      );
    }
  });

  it('keys: regions/<region>/state, invalid names refused', () => {
    assert.equal(regionStateKey('us-east'), 'regions/us-east/state');
    assert.equal(parseRegionStateKey('regions/us-east/state'), 'us-east');
    assert.equal(parseRegionStateKey('regions/us-east/other'), undefined);
    assert.throws(() => regionStateKey('US'), { code: 'GEOMESH_CONFIG_INVALID' });
  });
});

describe('region state moves', () => {
  it('failover: active → failed-over; repeated: unchanged; more groups added; another target refused', () => {
    assert.deepEqual(nextOnFailover(undefined, move('east', 'west', ['billing'])), failedOver);
    assert.equal(nextOnFailover(failedOver, move('east', 'west', ['billing'], LATER)), undefined);
    assert.deepEqual(nextOnFailover(failedOver, move('east', 'west', ['audit'], LATER)), {
      ...failedOver,
      groups: ['audit', 'billing'],
    });
    assert.throws(() => nextOnFailover(failedOver, move('east', 'south', ['billing'])), {
      code: 'GEOMESH_RPC_FAILED_PRECONDITION',
      message:
        /east is recorded failed-over to west since .*fail them back into east first, or fail over from west/,
    });
    // A region active again fails over afresh: a new operation and time.
    const active: RegionStateRecord = { state: 'active', since: NOW, operation: 'op-0' };
    assert.deepEqual(
      nextOnFailover(active, { ...move('east', 'west', ['x'], LATER), newOperation: () => 'op-2' }),
      {
        state: 'failed-over',
        to: 'west',
        groups: ['x'],
        since: LATER,
        operation: 'op-2',
      },
    );
  });

  it('failback: failed-over → failing-back → active, keeping the operation; from another region refused', () => {
    const back = nextOnFailbackStart(failedOver, move('east', 'west', ['billing'], LATER));
    assert.deepEqual(back, { ...failedOver, state: 'failing-back', since: LATER });
    assert.equal(nextOnFailbackStart(back, move('east', 'west', ['billing'])), undefined);
    assert.deepEqual(nextOnFailbackFinish(back, move('east', 'west', ['billing'], LATER)), {
      state: 'active',
      since: LATER,
      operation: 'op-1',
    });
    assert.throws(() => nextOnFailbackStart(failedOver, move('east', 'south', ['billing'])), {
      code: 'GEOMESH_RPC_FAILED_PRECONDITION',
    });
    assert.throws(() => nextOnFailbackFinish(failedOver, move('east', 'south', ['billing'])), {
      code: 'GEOMESH_RPC_FAILED_PRECONDITION',
    });
    assert.equal(nextOnFailbackFinish(undefined, move('east', 'west', ['billing'])), undefined);
  });

  it('a failback of some groups keeps the state with the groups left', () => {
    const two = { ...failedOver, state: 'failing-back' as const, groups: ['audit', 'billing'] };
    assert.deepEqual(nextOnFailbackFinish(two, move('east', 'west', ['billing'], LATER)), {
      ...two,
      groups: ['audit'],
    });
    assert.equal(nextOnFailbackFinish(two, move('east', 'west', ['other'])), undefined);
  });

  it('a failover while failing back returns to failed-over', () => {
    const back: RegionStateRecord = { ...failedOver, state: 'failing-back' };
    assert.deepEqual(nextOnFailover(back, move('east', 'west', ['billing'], LATER)), {
      ...failedOver,
      since: LATER,
    });
  });
});

/** A DocumentStore in memory with etcd's compare-and-swap rules; `beforePut` runs just before each write. */
class FakeStore implements Pick<DocumentStore, 'get' | 'put' | 'list'> {
  readonly entries = new Map<string, KeyValueEntry>();
  revision = 10;
  beforePut: (() => void) | undefined;
  puts = 0;

  get(key: string): Promise<KeyValueEntry | undefined> {
    return Promise.resolve(this.entries.get(key));
  }
  list(prefix: string) {
    const entries = [...this.entries.values()].filter((e) => e.key.startsWith(prefix));
    return Promise.resolve({
      entries: entries.sort((a, b) => (a.key < b.key ? -1 : 1)),
      revision: this.revision,
    });
  }
  put(key: string, value: Buffer | string, options: PutOptions = {}): Promise<number> {
    this.beforePut?.();
    this.puts++;
    const found = this.entries.get(key)?.modRevision ?? 0;
    if (
      (options.mustNotExist && found !== 0) ||
      (options.expectedModRevision !== undefined && options.expectedModRevision !== found)
    ) {
      return Promise.reject(
        new GeomeshError('GEOMESH_COORD_CONFLICT', `${key} changed`, {
          details: { key, foundModRevision: found },
        }),
      );
    }
    return Promise.resolve(this.write(key, value));
  }
  write(key: string, value: Buffer | string): number {
    const revision = ++this.revision;
    const old = this.entries.get(key);
    this.entries.set(key, {
      key,
      value: Buffer.from(value),
      modRevision: revision,
      createRevision: old?.createRevision ?? revision,
      version: (old?.version ?? 0) + 1,
      leaseId: undefined,
    });
    return revision;
  }
}

describe('RegionStateStore', () => {
  it('writes an absent key with mustNotExist, then by modRevision; no write when nothing changes', async () => {
    const fake = new FakeStore();
    const store = new RegionStateStore({ store: fake });
    assert.deepEqual(await store.get('east'), { region: 'east', record: undefined, modRevision: 0 });
    const first = await store.change('east', (c) => nextOnFailover(c, move('east', 'west', ['billing'])));
    assert.deepEqual(first, { region: 'east', record: failedOver, isWritten: true });
    const again = await store.change('east', (c) => nextOnFailover(c, move('east', 'west', ['billing'])));
    assert.equal(again.isWritten, false);
    assert.equal(fake.puts, 1);
    assert.deepEqual((await store.get('east')).record, failedOver);
  });

  it('a concurrent writer is never overwritten: the move is recomputed from what it wrote', async () => {
    const fake = new FakeStore();
    const store = new RegionStateStore({ store: fake });
    // Another operator fails east over to south between our read and our write.
    let isRaced = false;
    fake.beforePut = () => {
      if (isRaced) return;
      isRaced = true;
      fake.write(regionStateKey('east'), encodeRegionStateV1({ ...failedOver, to: 'south' }));
    };
    await assert.rejects(
      store.change('east', (c) => nextOnFailover(c, move('east', 'west', ['billing']))),
      { code: 'GEOMESH_RPC_FAILED_PRECONDITION', message: /failed-over to south/ },
    );
    assert.equal((await store.get('east')).record?.to, 'south', 'the other writer’s record stands');
    // A concurrent compatible change is merged: both sets of groups end up recorded.
    const merged = new FakeStore();
    merged.write(regionStateKey('east'), encodeRegionStateV1(failedOver));
    let isMergeRaced = false;
    merged.beforePut = () => {
      if (isMergeRaced) return;
      isMergeRaced = true;
      merged.write(
        regionStateKey('east'),
        encodeRegionStateV1({ ...failedOver, groups: ['audit', 'billing'] }),
      );
    };
    const change = await new RegionStateStore({ store: merged }).change('east', (c) =>
      nextOnFailover(c, move('east', 'west', ['payroll'])),
    );
    assert.deepEqual(change.record?.groups, ['audit', 'billing', 'payroll']);
  });

  it('gives up with GEOMESH_COORD_CONFLICT after maxAttempts lost swaps', async () => {
    const fake = new FakeStore();
    fake.beforePut = () =>
      fake.write(regionStateKey('east'), encodeRegionStateV1({ state: 'active', since: NOW }));
    await assert.rejects(
      new RegionStateStore({ store: fake, maxAttempts: 3 }).change('east', (c) =>
        nextOnFailover(c, move('east', 'west', ['billing'])),
      ),
      { code: 'GEOMESH_COORD_CONFLICT', message: /changed under each of 3 attempts/ },
    );
  });

  it('lists every region, sorted, a corrupt record with its error; other keys ignored', async () => {
    const fake = new FakeStore();
    fake.write('regions/west/state', encodeRegionStateV1(failedOver));
    fake.write('regions/east/state', 'garbage');
    fake.write('regions/east/other', 'x');
    const listed = await new RegionStateStore({ store: fake }).list();
    assert.deepEqual(
      listed.map((l) => l.region),
      ['east', 'west'],
    );
    assert.match(listed[0]?.error ?? '', /region state regions\/east\/state: value is not JSON/);
    assert.deepEqual(listed[1]?.record, failedOver);
  });
});
