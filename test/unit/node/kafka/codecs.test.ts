import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import snappy from 'snappy';
import {
  decodeSnappyXerial,
  encodeSnappyXerial,
  lz4Codec,
  snappyCodec,
  zstdCodec,
} from '../../../../node/kafka/index.ts';

const samples: Record<string, Buffer> = {
  empty: Buffer.alloc(0),
  small: Buffer.from('hello geomesh'),
  repetitive: Buffer.from('orders-'.repeat(20_000)),
  random: randomBytes(100_000),
};

describe('codecs', () => {
  for (const [name, codec] of Object.entries({ snappy: snappyCodec, lz4: lz4Codec, zstd: zstdCodec })) {
    for (const [sample, bytes] of Object.entries(samples)) {
      it(`${name} round-trips ${sample} (${bytes.length} bytes)`, async () => {
        const c = codec();
        const compressed = await c.compress({ buffer: bytes });
        assert.deepEqual(await c.decompress(compressed), bytes);
        if (sample === 'repetitive')
          assert.ok(compressed.length < bytes.length / 10, `${name} did not compress`);
      });
    }
    it(`${name} rejects garbage with GEOMESH_KAFKA_CODEC`, async () => {
      await assert.rejects(
        codec().decompress(Buffer.from('definitely not a compressed frame, no magic here')),
        {
          code: 'GEOMESH_KAFKA_CODEC',
        },
      );
    });
  }

  it('writes the xerial framing the Java client reads (fixture bytes)', async () => {
    const framed = await encodeSnappyXerial(Buffer.from('abc'));
    // magic, version 1, compatible version 1, then one block: int32 length + raw snappy of "abc".
    assert.equal(framed.subarray(0, 16).toString('hex'), '82534e415050590000000001' + '00000001');
    const raw = await snappy.compress(Buffer.from('abc'));
    assert.equal(framed.readInt32BE(16), raw.length);
    assert.deepEqual(framed.subarray(20), raw);
  });

  it('splits xerial output into 32 KiB blocks and reads them back', async () => {
    const input = randomBytes(100 * 1024);
    const framed = await encodeSnappyXerial(input);
    let blocks = 0;
    for (let at = 16; at < framed.length; at += 4 + framed.readInt32BE(at)) blocks++;
    assert.equal(blocks, 4);
    assert.deepEqual(await decodeSnappyXerial(framed), input);
  });

  it('reads unframed raw snappy (what some clients write)', async () => {
    const raw = await snappy.compress(samples['repetitive']!);
    assert.deepEqual(await decodeSnappyXerial(raw), samples['repetitive']);
  });

  it('refuses a xerial stream whose block overruns the input', async () => {
    const framed = await encodeSnappyXerial(Buffer.from('x'.repeat(1000)));
    await assert.rejects(decodeSnappyXerial(framed.subarray(0, framed.length - 3)), /overruns/);
  });
});
