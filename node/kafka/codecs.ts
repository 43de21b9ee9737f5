/**
 * Compression codecs kafkajs lacks (it ships gzip only): snappy, lz4 and zstd, in the wire formats the
 * Java client writes, so batches produced by any Kafka client can be read and ours can be read by any.
 *
 * - snappy: the Java client frames snappy in xerial's stream format (magic header, then length-prefixed
 *   raw snappy blocks). We write that framing and read both it and unframed raw snappy.
 * - lz4: the LZ4 frame format (KIP-57), independent blocks; lz4-napi (lz4_flex) does the work.
 * - zstd: a standard zstd frame; Node's own zlib does the work.
 */
import { zstdCompress, zstdDecompress } from 'node:zlib';
import { promisify } from 'node:util';
import snappy from 'snappy';
import lz4 from 'lz4-napi';
import { GeomeshError } from '../../base/index.ts';

/** The shape kafkajs expects of a codec factory. */
export interface KafkaCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

const zstdCompressAsync = promisify(zstdCompress);
const zstdDecompressAsync = promisify(zstdDecompress);

/** xerial snappy stream header: magic (8 bytes), version (int32) and compatible version (int32). */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;
/** Uncompressed bytes per xerial block; the Java client uses 32 KiB blocks too. */
const XERIAL_BLOCK_BYTES = 32 * 1024;

function codecError(codec: string, op: string, cause: unknown): GeomeshError {
  return new GeomeshError(
    'GEOMESH_KAFKA_CODEC',
    `${codec} ${op} failed: ${(cause as Error)?.message ?? cause}`,
    {
      cause,
      details: { codec },
    },
  );
}

/** Encodes bytes as a xerial-framed snappy stream, the format the Java client writes. */
export async function encodeSnappyXerial(input: Buffer): Promise<Buffer> {
  const header = Buffer.alloc(XERIAL_HEADER_BYTES);
  XERIAL_MAGIC.copy(header, 0);
  header.writeInt32BE(1, 8);
  header.writeInt32BE(1, 12);
  const parts: Buffer[] = [header];
  for (let at = 0; at < input.length || (at === 0 && input.length === 0); at += XERIAL_BLOCK_BYTES) {
    const block = await snappy.compress(input.subarray(at, at + XERIAL_BLOCK_BYTES));
    const length = Buffer.alloc(4);
    length.writeInt32BE(block.length, 0);
    parts.push(length, block);
    if (input.length === 0) break;
  }
  return Buffer.concat(parts);
}

/** Decodes a xerial-framed snappy stream, or raw snappy when the xerial magic is absent. */
export async function decodeSnappyXerial(input: Buffer): Promise<Buffer> {
  const isFramed = input.length >= XERIAL_HEADER_BYTES && input.subarray(0, 8).equals(XERIAL_MAGIC);
  if (!isFramed) return (await snappy.uncompress(input)) as Buffer;
  const parts: Buffer[] = [];
  let at = XERIAL_HEADER_BYTES;
  while (at < input.length) {
    if (at + 4 > input.length) throw new Error(`truncated xerial block length at byte ${at}`);
    const length = input.readInt32BE(at);
    at += 4;
    if (length < 0 || at + length > input.length)
      throw new Error(`xerial block of ${length} bytes overruns the input at byte ${at}`);
    parts.push((await snappy.uncompress(input.subarray(at, at + length))) as Buffer);
    at += length;
  }
  return Buffer.concat(parts);
}

export const snappyCodec = (): KafkaCodec => ({
  async compress(encoder) {
    try {
      return await encodeSnappyXerial(encoder.buffer);
    } catch (err) {
      throw codecError('snappy', 'compress', err);
    }
  },
  async decompress(buffer) {
    try {
      return await decodeSnappyXerial(buffer);
    } catch (err) {
      throw codecError('snappy', 'decompress', err);
    }
  },
});

export const lz4Codec = (): KafkaCodec => ({
  async compress(encoder) {
    try {
      return await lz4.compressFrame(encoder.buffer);
    } catch (err) {
      throw codecError('lz4', 'compress', err);
    }
  },
  async decompress(buffer) {
    try {
      return await lz4.decompressFrame(buffer);
    } catch (err) {
      throw codecError('lz4', 'decompress', err);
    }
  },
});

export const zstdCodec = (): KafkaCodec => ({
  async compress(encoder) {
    try {
      return await zstdCompressAsync(encoder.buffer);
    } catch (err) {
      throw codecError('zstd', 'compress', err);
    }
  },
  async decompress(buffer) {
    try {
      return await zstdDecompressAsync(buffer);
    } catch (err) {
      throw codecError('zstd', 'decompress', err);
    }
  },
});
