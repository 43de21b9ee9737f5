import assert from 'node:assert/strict';
import { createHmac, createSecretKey } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  ORIGIN_HEADER,
  ORIGIN_MAC_HEADER,
  ORIGIN_OFFSET_HEADER,
  ProvenanceKeySet,
  computeOriginMac,
  computeOriginMacV2,
  decodeOriginHeaders,
  encodeOriginHeaders,
  keyMismatch,
  isKeyId,
  provenanceKeyId,
  type RecordIdentity,
} from '../../../../node/replication/index.ts';

const key = Buffer.from('0123456789abcdef0123456789abcdef');
const otherKey = Buffer.from('fedcba9876543210fedcba9876543210');
const record: RecordIdentity = {
  topic: 'orders',
  partition: 2,
  timestamp: '1700000000000',
  key: Buffer.from('k1'),
  value: Buffer.from('v1'),
};

describe('origin headers (codec v2 written, v1 read)', () => {
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

  it('forged or edited headers with a tag of a held key are local, marked forged', () => {
    const good = encodeOriginHeaders(undefined, key, 'm', { region: 'ap-south', offset: 9 }, record);
    const cases = [
      { [ORIGIN_HEADER]: 'ap-south', [ORIGIN_OFFSET_HEADER]: '9' },
      { ...good, [ORIGIN_OFFSET_HEADER]: '10' },
      { ...good, [ORIGIN_OFFSET_HEADER]: '-1' },
      { ...good, [ORIGIN_OFFSET_HEADER]: '1e3' },
      { ...good, [ORIGIN_HEADER]: 'us-east' },
      // Not a mesh tag: no known version or size.
      { ...good, [ORIGIN_MAC_HEADER]: Buffer.alloc(25, 3) },
      { ...good, [ORIGIN_MAC_HEADER]: Buffer.alloc(17, 2) },
      { ...good, [ORIGIN_MAC_HEADER]: 'forged' },
    ];
    for (const headers of cases) {
      assert.deepEqual(decodeOriginHeaders(headers, key, 'm', record), {
        kind: 'local',
        hasForgedHeaders: true,
      });
    }
    assert.equal(decodeOriginHeaders(good, key, 'other-mesh', record).kind, 'local');
    assert.equal(decodeOriginHeaders(good, key, 'm', { ...record, value: Buffer.from('v2') }).kind, 'local');
    assert.equal(decodeOriginHeaders(good, key, 'm', { ...record, partition: 3 }).kind, 'local');
    assert.equal(decodeOriginHeaders(good, key, 'm', { ...record, key: null }).kind, 'local');
    // The timestamp is not covered: LogAppendTime topics rewrite it.
    assert.equal(decodeOriginHeaders(good, key, 'm', { ...record, timestamp: '1' }).kind, 'replicated');
  });

  it('matches the byte fixture of the v2 tag and its key id', () => {
    assert.equal(provenanceKeyId(key), FIXTURE_KEY_ID);
    const tag = computeOriginMacV2(
      key,
      FIXTURE_KEY_ID,
      'orders-mesh',
      { region: 'us-east', offset: 42 },
      record,
    );
    assert.equal(tag.length, 25);
    assert.equal(tag[0], 2, 'version byte');
    assert.equal(tag.subarray(1, 9).toString('hex'), FIXTURE_KEY_ID, 'key id');
    assert.equal(tag.toString('hex'), FIXTURE_TAG_V2_HEX);
    const headers = encodeOriginHeaders(
      undefined,
      key,
      'orders-mesh',
      { region: 'us-east', offset: 42 },
      record,
    );
    assert.deepEqual(headers[ORIGIN_MAC_HEADER], tag, 'what nodes write is the v2 tag');
  });

  it("property: the tag is createHmac's HMAC-SHA256 of the fields, for any key (raw or prepared, any length)", () => {
    const field = (b: Buffer | string | null): Buffer => {
      if (b === null) return Buffer.from([0xff, 0xff, 0xff, 0xff]);
      const bytes = Buffer.from(b);
      const length = Buffer.alloc(4);
      length.writeInt32BE(bytes.length);
      return Buffer.concat([length, bytes]);
    };
    const bytes = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 200 }).map((a) => Buffer.from(a)),
        fc.boolean(),
        fc.string({ maxLength: 20 }),
        fc.nat(),
        fc.option(bytes, { nil: null }),
        fc.option(bytes, { nil: null }),
        (rawKey, prepared, region, offset, recordKey, value) => {
          const r = { ...record, key: recordKey, value };
          const id = provenanceKeyId(rawKey);
          const tagKey = prepared ? createSecretKey(rawKey) : rawKey;
          const claim = [r.topic, String(r.partition), r.key, r.value];
          const v1 = ['geomesh-origin-v1', 'm', region, String(offset), ...claim];
          const v2 = ['geomesh-origin-v2', Buffer.from(id, 'hex'), 'm', region, String(offset), ...claim];
          const hmac = (fields: (Buffer | string | null)[]) =>
            createHmac('sha256', rawKey)
              .update(Buffer.concat(fields.map(field)))
              .digest()
              .subarray(0, 16);
          const origin = { region, offset };
          assert.deepEqual(computeOriginMac(tagKey, 'm', origin, r).subarray(1), hmac(v1));
          assert.deepEqual(computeOriginMacV2(tagKey, id, 'm', origin, r).subarray(9), hmac(v2));
        },
      ),
    );
  });

  it('reads v1 tags (records written before key ids) with any key of the set', () => {
    const v1 = {
      [ORIGIN_HEADER]: 'us-east',
      [ORIGIN_OFFSET_HEADER]: '42',
      [ORIGIN_MAC_HEADER]: Buffer.from(FIXTURE_TAG_HEX, 'hex'),
    };
    const old = new ProvenanceKeySet(key);
    const rotated = new ProvenanceKeySet(otherKey, [key]);
    for (const keys of [old, rotated, key]) {
      assert.deepEqual(decodeOriginHeaders(v1, keys, 'orders-mesh', record), {
        kind: 'replicated',
        origin: { region: 'us-east', offset: 42 },
      });
    }
    // No held key verifies it: a mesh tag of a key not held (never local: that is the loop).
    assert.deepEqual(decodeOriginHeaders(v1, new ProvenanceKeySet(otherKey), 'orders-mesh', record), {
      kind: 'unknown-key',
      origin: { region: 'us-east', offset: 42 },
      keyId: null,
    });
    // ...unless its origin names no region of the mesh: an application's headers, local.
    assert.deepEqual(
      decodeOriginHeaders(v1, new ProvenanceKeySet(otherKey), 'orders-mesh', record, new Set(['eu-west'])),
      { kind: 'local', hasForgedHeaders: true },
    );
  });

  it('a v2 tag of a key id not held is unknown-key (naming the id), never local; held keys verify', () => {
    const origin = { region: 'ap-south', offset: 9 };
    const byOther = encodeOriginHeaders(undefined, new ProvenanceKeySet(otherKey), 'm', origin, record);
    const regions = new Set(['ap-south', 'us-east']);
    assert.deepEqual(decodeOriginHeaders(byOther, key, 'm', record, regions), {
      kind: 'unknown-key',
      origin,
      keyId: provenanceKeyId(otherKey),
    });
    // Accepting the other key (a rotation): verified.
    assert.deepEqual(
      decodeOriginHeaders(byOther, new ProvenanceKeySet(key, [otherKey]), 'm', record, regions),
      {
        kind: 'replicated',
        origin,
      },
    );
    // An origin outside the mesh: an application's forgery, local.
    assert.deepEqual(decodeOriginHeaders(byOther, key, 'm', record, new Set(['us-east'])), {
      kind: 'local',
      hasForgedHeaders: true,
    });
  });

  it('key sets: ids only, current first, empty and repeated accepted keys ignored; agreement both ways', () => {
    const set = new ProvenanceKeySet(key, [otherKey, '', key, otherKey]);
    assert.equal(set.currentKeyId, provenanceKeyId(key));
    assert.deepEqual(set.acceptedKeyIds, [provenanceKeyId(key), provenanceKeyId(otherKey)].sort());
    assert.equal(set.keys.length, 2);
    assert.doesNotMatch(JSON.stringify(set.fingerprints()), /0123456789abcdef0123/);
    const a = { region: 'a', ...new ProvenanceKeySet(key).fingerprints() };
    const bOld = { region: 'b', ...new ProvenanceKeySet(key, [otherKey]).fingerprints() };
    const bNew = { region: 'b', ...new ProvenanceKeySet(otherKey, [key]).fingerprints() };
    const bWrong = { region: 'b', ...new ProvenanceKeySet(otherKey).fingerprints() };
    // Rotation step 1 (b accepts the new key, tags with the old): agrees with a node not yet at step 1.
    assert.deepEqual(keyMismatch(a, bOld), []);
    // Step 2 (b tags with the new key) before a accepts it: b's tags would be unverifiable in a.
    assert.equal(keyMismatch(a, bNew).length, 1);
    const aStep1 = { region: 'a', ...new ProvenanceKeySet(key, [otherKey]).fingerprints() };
    assert.deepEqual(keyMismatch(aStep1, bNew), []);
    const problems = keyMismatch(a, bWrong);
    assert.equal(problems.length, 2);
    assert.match(
      problems[0]!,
      new RegExp(`b tags with key ${provenanceKeyId(otherKey)}, which a does not hold`),
    );
    assert.match(problems[1]!, new RegExp(`a tags with key ${provenanceKeyId(key)}, which b does not hold`));
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

  it('property: whatever key tagged a record, a node never reads it as local (replicated or unknown-key)', () => {
    const keys = [key, otherKey, Buffer.from('a third key, also 32 bytes long!!')];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 }),
        fc.subarray([0, 1, 2]),
        fc.integer({ min: 0, max: 2 }),
        fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
        fc.nat({ max: Number.MAX_SAFE_INTEGER }),
        fc.boolean(),
        (tagger, accepted, current, region, offset, isV1) => {
          const origin = { region, offset };
          const headers = isV1
            ? {
                [ORIGIN_HEADER]: region,
                [ORIGIN_OFFSET_HEADER]: String(offset),
                [ORIGIN_MAC_HEADER]: computeOriginMac(keys[tagger]!, 'm', origin, record),
              }
            : encodeOriginHeaders(undefined, keys[tagger]!, 'm', origin, record);
          const set = new ProvenanceKeySet(
            keys[current]!,
            accepted.map((i) => keys[i]!),
          );
          const decoded = decodeOriginHeaders(headers, set, 'm', record, new Set([region]));
          const isHeld = tagger === current || accepted.includes(tagger);
          if (isHeld) assert.deepEqual(decoded, { kind: 'replicated', origin });
          else
            assert.deepEqual(decoded, {
              kind: 'unknown-key',
              origin,
              keyId: isV1 ? null : provenanceKeyId(keys[tagger]!),
            });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: application headers that are no mesh tag, or name no mesh region, stay local', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
        fc.nat(1_000_000),
        fc.uint8Array({ maxLength: 40 }),
        (region, offset, mac) => {
          const headers = {
            [ORIGIN_HEADER]: region,
            [ORIGIN_OFFSET_HEADER]: String(offset),
            [ORIGIN_MAC_HEADER]: Buffer.from(mac),
          };
          const outside = decodeOriginHeaders(headers, key, 'm', record, new Set(['not-' + region]));
          assert.deepEqual(outside, { kind: 'local', hasForgedHeaders: true });
          const inside = decodeOriginHeaders(headers, key, 'm', record, new Set([region]));
          const isMeshShaped = (mac.length === 17 && mac[0] === 1) || (mac.length === 25 && mac[0] === 2);
          if (!isMeshShaped) assert.deepEqual(inside, { kind: 'local', hasForgedHeaders: true });
          else assert.notEqual(inside.kind, 'replicated');
        },
      ),
      { numRuns: 500 },
    );
  });
});

// Computed independently (Python hmac over the same length-prefixed fields).
const FIXTURE_TAG_HEX = '013d7f89e3f70322fd2e98cdbd563c2665';
// Python: hmac(key, b"geomesh-key-id-v1")[:8]; the v2 tag: 02, key id, hmac over the v2 fields (the key id
// the second field) [:16].
const FIXTURE_KEY_ID = '1ff09dad29019f7c';
const FIXTURE_TAG_V2_HEX = '021ff09dad29019f7cc282f5553939d786a4dfb1403a9b1b4a';

describe('isKeyId', () => {
  it('accepts every key id a key makes, and nothing of another form (what peers send is checked)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), (bytes) => {
        assert.equal(isKeyId(provenanceKeyId(Buffer.from(bytes))), true);
      }),
    );
    for (const bad of [
      '',
      'ABCDEF0123456789',
      '0123456789abcde',
      '0123456789abcdef0',
      'zz23456789abcdef',
      ' 123456789abcdef',
    ])
      assert.equal(isKeyId(bad), false, JSON.stringify(bad));
  });
});
