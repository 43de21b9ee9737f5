import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  ORIGIN_HEADER,
  ORIGIN_MAC_HEADER,
  ORIGIN_OFFSET_HEADER,
  computeOriginMac,
  decodeOriginHeaders,
  encodeOriginHeaders,
  type RecordIdentity,
} from '../../../../node/replication/index.ts';

const key = Buffer.from('0123456789abcdef0123456789abcdef');
const record: RecordIdentity = {
  topic: 'orders',
  partition: 2,
  timestamp: '1700000000000',
  key: Buffer.from('k1'),
  value: Buffer.from('v1'),
};

describe('origin headers (codec v1)', () => {
  it('matches the byte fixture of the v1 tag', () => {
    const tag = computeOriginMac(key, 'orders-mesh', { region: 'us-east', offset: 42 }, record);
    assert.equal(tag.length, 17);
    assert.equal(tag[0], 1, 'version byte');
    // Fixture: HMAC-SHA256 over the length-prefixed v1 fields, first 16 bytes. A change here breaks every
    // mesh running the previous build, so it must come with a new codec version.
    assert.equal(tag.toString('hex'), FIXTURE_TAG_HEX);
  });

  it('round-trips: encoded headers decode to the same origin', () => {
    const headers = encodeOriginHeaders({ app: 'x' }, key, 'm', { region: 'eu-west', offset: 7 }, record);
    assert.equal(headers[ORIGIN_HEADER], 'eu-west');
    assert.equal(headers[ORIGIN_OFFSET_HEADER], '7');
    assert.equal(headers['app'], 'x');
    assert.deepEqual(decodeOriginHeaders(headers, key, 'm', record), {
      kind: 'replicated',
      origin: { region: 'eu-west', offset: 7 },
    });
  });

  it('a record without geomesh headers is local', () => {
    assert.deepEqual(decodeOriginHeaders({ a: 'b' }, key, 'm', record), {
      kind: 'local',
      hasForgedHeaders: false,
    });
    assert.deepEqual(decodeOriginHeaders(undefined, key, 'm', record), {
      kind: 'local',
      hasForgedHeaders: false,
    });
  });

  it('forged headers (no tag, wrong tag, wrong key, other mesh, edited record) are local, marked forged', () => {
    const good = encodeOriginHeaders(undefined, key, 'm', { region: 'ap-south', offset: 9 }, record);
    const cases = [
      { [ORIGIN_HEADER]: 'ap-south', [ORIGIN_OFFSET_HEADER]: '9' },
      { ...good, [ORIGIN_MAC_HEADER]: Buffer.alloc(17, 1) },
      { ...good, [ORIGIN_OFFSET_HEADER]: '10' },
      { ...good, [ORIGIN_OFFSET_HEADER]: '-1' },
      { ...good, [ORIGIN_OFFSET_HEADER]: '1e3' },
      { ...good, [ORIGIN_HEADER]: 'us-east' },
    ];
    for (const headers of cases) {
      assert.deepEqual(decodeOriginHeaders(headers, key, 'm', record), {
        kind: 'local',
        hasForgedHeaders: true,
      });
    }
    assert.equal(decodeOriginHeaders(good, Buffer.from('another key'), 'm', record).kind, 'local');
    assert.equal(decodeOriginHeaders(good, key, 'other-mesh', record).kind, 'local');
    assert.equal(decodeOriginHeaders(good, key, 'm', { ...record, value: Buffer.from('v2') }).kind, 'local');
    assert.equal(decodeOriginHeaders(good, key, 'm', { ...record, partition: 3 }).kind, 'local');
    assert.equal(decodeOriginHeaders(good, key, 'm', { ...record, key: null }).kind, 'local');
    // The timestamp is not covered: LogAppendTime topics rewrite it.
    assert.equal(decodeOriginHeaders(good, key, 'm', { ...record, timestamp: '1' }).kind, 'replicated');
  });

  it("keeps an application's own geomesh headers and appends the real ones after them", () => {
    const app = { [ORIGIN_HEADER]: 'eu-west', [ORIGIN_OFFSET_HEADER]: '5', other: 'kept' };
    assert.equal(decodeOriginHeaders(app, key, 'm', record).kind, 'local');
    const replicated = encodeOriginHeaders(app, key, 'm', { region: 'us-east', offset: 100 }, record);
    assert.deepEqual(replicated[ORIGIN_HEADER], ['eu-west', 'us-east']);
    assert.deepEqual(replicated[ORIGIN_OFFSET_HEADER], ['5', '100']);
    assert.equal(replicated['other'], 'kept');
    assert.deepEqual(decodeOriginHeaders(replicated, key, 'm', record), {
      kind: 'replicated',
      origin: { region: 'us-east', offset: 100 },
    });
  });

  it('property: any record round-trips, and any change to what the tag covers is detected', () => {
    fc.assert(
      fc.property(
        fc.record({
          topic: fc.string({ minLength: 1, maxLength: 20 }),
          partition: fc.nat(1000),
          timestamp: fc.nat().map(String),
          key: fc.option(fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a))),
          value: fc.option(fc.uint8Array({ maxLength: 256 }).map((a) => Buffer.from(a))),
        }),
        fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
        fc.nat({ max: Number.MAX_SAFE_INTEGER }),
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        (rec, region, offset, tamper) => {
          const headers = encodeOriginHeaders(undefined, key, 'm', { region, offset }, rec);
          const decoded = decodeOriginHeaders(headers, key, 'm', rec);
          assert.deepEqual(decoded, { kind: 'replicated', origin: { region, offset } });
          const tampered = {
            ...rec,
            value: Buffer.concat([rec.value ?? Buffer.alloc(0), Buffer.from(tamper)]),
          };
          assert.equal(decodeOriginHeaders(headers, key, 'm', tampered).kind, 'local');
        },
      ),
      { numRuns: 300 },
    );
  });
});

// Computed independently (Python hmac over the same length-prefixed fields).
const FIXTURE_TAG_HEX = '013d7f89e3f70322fd2e98cdbd563c2665';
